"""What ``solver="auto"`` picks (solvers/_choice.py); the memory side is in test_memory.py."""

import numpy as np
import pytest
import scipy.sparse as sp

from softmax_ext import MultinomialLoss
from softmax_ext.solvers import solve
from softmax_ext.solvers._choice import CROSSOVER_M, binary_costs, choose
from solver_problems import SOLVER_NAMES, make_data, make_problem


def test_auto_picks_a_solver_and_converges():
    obj = make_problem()
    res = solve(obj, tol=1e-8)
    assert res.solver in SOLVER_NAMES and res.converged


def test_auto_choice_follows_shape():
    small = make_problem(n=100, d=3, K=3)
    assert choose(small, 1e-6) == "newton-cholesky"
    X, y = make_data(n=100, d=200, K=5)
    wide = MultinomialLoss(X, y, l2=1e-2, n_threads=1)  # m = 1005
    assert choose(wide, 1e-6) == "lbfgs"
    assert solve(wide, tol=1e-6).solver == "lbfgs"
    # the same wide shape in CSR: newton-cg (a sparse product costs a gradient)
    wide_csr = MultinomialLoss(sp.csr_matrix(X), y, l2=1e-2, n_threads=1)
    assert choose(wide_csr, 1e-6) == "newton-cg"


def test_auto_takes_newton_cg_for_mid_size_dense():
    # m = 5 * 31 = 155 > both crossovers, n = 400 >= m: newton-cg, which
    # converges to newton-cholesky's optimum
    X, y = make_data(n=400, d=30, K=5)
    obj = MultinomialLoss(X, y, l2=1e-2, n_threads=1)
    m = obj.coef_shape[0] * obj.coef_shape[1]
    assert m > max(CROSSOVER_M.values()) and obj.n_samples >= m
    assert choose(obj, 1e-6) == "newton-cg"
    assert choose(obj, 1e-4) == "newton-cg"
    res = solve(obj, tol=1e-8)
    assert res.solver == "newton-cg" and res.converged and res.grad_max <= 1e-8
    exact = solve(obj, solver="newton-cholesky", tol=1e-10)
    assert abs(res.loss - exact.loss) <= 1e-12 * abs(exact.loss)
    # loose tol: the crossover is lower (m = 3 * 31 = 93 between the two)
    X, y = make_data(n=400, d=30, K=3)
    mid = MultinomialLoss(X, y, l2=1e-2, n_threads=1)
    assert CROSSOVER_M["loose"] < 93 <= CROSSOVER_M["tight"]
    assert choose(mid, 1e-6) == "newton-cholesky"
    assert choose(mid, 1e-4) == "newton-cg"



# ---- binary objectives: the cost model of _choice.binary_costs -------------------

def _binary(n, d, dtype=np.float64, sparse=False):
    """A BinaryLoss of the shape only (zeros: choose reads no values)."""
    from softmax_ext.objective import BinaryLoss

    X = np.zeros((n, d), dtype=dtype)
    if sparse:
        X = sp.csr_matrix(X)
    y = np.zeros(n, dtype=int)
    y[1] = 1
    return BinaryLoss(MultinomialLoss(X, y, n_classes=2, n_threads=1))


# (n, d, dtype, sparse, tol) -> what auto must pick: the benchmark matrix of
# bench/bench_binary.py, where these were the fastest of our solvers
BINARY_CASES = [
    ((100_000, 100, np.float64, False, 1e-6), "lbfgs"),
    ((100_000, 100, np.float64, False, 1e-4), "lbfgs"),
    ((100_000, 100, np.float32, False, 1e-4), "lbfgs"),
    ((100_000, 20, np.float64, False, 1e-6), "newton-cholesky"),
    ((200_000, 10, np.float64, False, 1e-6), "newton-cholesky"),
    ((100_000, 2_000, np.float64, True, 1e-6), "newton-cg"),   # CSR: lbfgs needs 49 iterations
    ((1_000, 5, np.float64, False, 1e-4), "newton-cholesky"),
    ((50, 200, np.float64, False, 1e-6), "lbfgs"),       # wide dense: the penalty dominates
    ((2_000, 3_000, np.float64, True, 1e-6), "newton-cg"),  # sparse, Hessian of 72 MB
]


@pytest.mark.parametrize("shape,expected", BINARY_CASES,
                         ids=[f"{s[0]}x{s[1]}-{np.dtype(s[2]).name}-{'csr' if s[3] else 'dense'}"
                              f"-tol{s[4]:g}" for s, _ in BINARY_CASES])
def test_binary_choice_on_the_benchmark_shapes(shape, expected):
    n, d, dtype, sparse, tol = shape
    assert choose(_binary(n, d, dtype, sparse), tol, available=1 << 40) == expected


def test_binary_cost_model_grows_with_the_width():
    """newton-cholesky's predicted passes grow with p (the SYRK), the others' do not;
    float32's SYRK is cheaper per column."""
    narrow, wide = binary_costs(_binary(10_000, 10), 1e-6), binary_costs(_binary(10_000, 400), 1e-6)
    assert narrow["newton-cholesky"] < min(narrow["newton-cg"], narrow["lbfgs"])
    assert wide["newton-cholesky"] > max(wide["newton-cg"], wide["lbfgs"])
    assert narrow["newton-cg"] == wide["newton-cg"] and narrow["lbfgs"] == wide["lbfgs"]
    f32 = binary_costs(_binary(10_000, 400, np.float32), 1e-6)
    assert f32["newton-cholesky"] < wide["newton-cholesky"]


def test_binary_choice_gives_way_to_memory():
    from softmax_ext import _memory

    obj = _binary(20_000, 10)   # newton-cholesky also needs its Hessian and kernel buffers
    assert choose(obj, 1e-6, available=1 << 40) == "newton-cholesky"
    need_chol = _memory.solver_bytes(obj, "newton-cholesky")
    need_cg = _memory.solver_bytes(obj, "newton-cg")
    assert need_cg < need_chol
    assert choose(obj, 1e-6, available=need_cg) == "newton-cg"
