"""What ``solver="auto"`` picks (solvers/_choice.py); the memory side is in test_memory.py."""

import numpy as np
import pytest
import scipy.sparse as sp

from softmax_ext import MultinomialLoss
from softmax_ext.solvers import solve
from softmax_ext.solvers import _newton
from softmax_ext.solvers._choice import binary_costs, choose, multinomial_costs
from solver_problems import SOLVER_NAMES, make_data, make_problem


def test_auto_picks_a_solver_and_converges():
    obj = make_problem()
    res = solve(obj, tol=1e-8)
    assert res.solver in SOLVER_NAMES and res.converged


def _multinomial(n, d, K, dtype=np.float64, sparse=False):
    """A MultinomialLoss of the shape only (choose reads no values of X)."""
    X = np.zeros((n, d), dtype=dtype)
    if sparse:
        X = sp.csr_matrix(X)
    return MultinomialLoss(X, np.arange(n) % K, n_classes=K, n_threads=1)


def test_auto_choice_follows_shape():
    small = make_problem(n=100, d=3, K=3)
    assert choose(small, 1e-6) == "newton-cholesky"
    X, y = make_data(n=100, d=200, K=5)
    wide = MultinomialLoss(X, y, l2=1e-2, n_threads=1)  # m = 1005
    assert choose(wide, 1e-6) == "lbfgs"
    assert solve(wide, tol=1e-6).solver == "lbfgs"
    # sparse X: lbfgs (no more passes than newton-cg there, and no
    # preconditioner work between them), whatever the shape
    wide_csr = MultinomialLoss(sp.csr_matrix(X), y, l2=1e-2, n_threads=1)
    assert choose(wide_csr, 1e-6) == "lbfgs"
    assert choose(_multinomial(50_000, 20_000, 10, sparse=True), 1e-6, available=1 << 40) \
        == "lbfgs"


# (n, d, K, dtype, tol) -> what auto must pick: the benchmark matrix's
# multinomial cases (bench/matrix.py) and the measured crossovers of
# docs/solvers.md ("Multinomial auto"), where these were the fastest of ours
# (tall X: with the Hessian from a row subset, docs/solvers.md "Sub-sampled curvature")
MULTINOMIAL_CASES = [
    ((1_000_000, 20, 5, np.float64, 1e-6), "newton-cholesky"),   # chol 0.35 s, ncg 0.39 s
    ((1_000_000, 20, 5, np.float64, 1e-4), "newton-cholesky"),
    ((100_000, 10, 10, np.float64, 1e-6), "newton-cholesky"),
    ((100_000, 10, 10, np.float64, 1e-4), "newton-cholesky"),
    ((100_000, 20, 3, np.float64, 1e-6), "newton-cholesky"),
    ((100_000, 100, 10, np.float64, 1e-6), "newton-cg"),
    ((100_000, 100, 10, np.float32, 1e-4), "newton-cg"),
    ((50_000, 50, 100, np.float64, 1e-6), "newton-cg"),
    ((1_797, 64, 10, np.float64, 1e-6), "newton-cg"),      # digits
]


@pytest.mark.parametrize("shape,expected", MULTINOMIAL_CASES,
                         ids=[f"{s[0]}x{s[1]}-K{s[2]}-{np.dtype(s[3]).name}-tol{s[4]:g}"
                              for s, _ in MULTINOMIAL_CASES])
def test_multinomial_choice_on_the_benchmark_shapes(shape, expected):
    n, d, K, dtype, tol = shape
    assert choose(_multinomial(n, d, K, dtype), tol, available=1 << 40) == expected


def test_multinomial_cost_model_prices_the_hessian_by_its_shape(monkeypatch):
    """newton-cholesky's predicted passes grow with the Hessian's work per row
    (K (K+1) / 2 (d+1)^2 against a pass's K (d+1)), newton-cg's only with K;
    a tiny problem's Hessian costs about a pass (the per-call cost).  (The
    exact curvature's model: no row subset here.)"""
    monkeypatch.setattr(_newton, "CURVATURE_ROWS", 10**9)
    narrow = multinomial_costs(_multinomial(100_000, 10, 3), 1e-6)
    wide = multinomial_costs(_multinomial(100_000, 200, 3), 1e-6)
    assert wide["newton-cholesky"] > 2 * narrow["newton-cholesky"]
    assert wide["newton-cg"] == narrow["newton-cg"]
    more = multinomial_costs(_multinomial(100_000, 10, 20), 1e-6)
    assert more["newton-cg"] > narrow["newton-cg"]
    tiny = multinomial_costs(_multinomial(50, 3, 3), 1e-6)
    assert tiny["newton-cholesky"] < tiny["newton-cg"]
    # float32 passes are cheaper, the Hessian is not: newton-cholesky costs more passes
    f32 = multinomial_costs(_multinomial(100_000, 10, 3, np.float32), 1e-6)
    assert f32["newton-cholesky"] > narrow["newton-cholesky"]
    # a looser tol: fewer passes for both
    loose = multinomial_costs(_multinomial(100_000, 10, 3), 1e-4)
    assert all(loose[k] < narrow[k] for k in loose)


@pytest.mark.parametrize("tol", [1e-4, 1e-6])
def test_cost_model_prices_the_curvature_on_its_row_subset(monkeypatch, tol):
    """On tall X the Hessian from a row subset costs a fraction of the exact one, so
    newton-cholesky's and newton-cg's predicted passes fall."""
    tall = _multinomial(1_000_000, 20, 5)
    sub = multinomial_costs(tall, tol)
    monkeypatch.setattr(_newton, "CURVATURE_ROWS", 10**9)
    exact = multinomial_costs(tall, tol)
    assert sub["newton-cholesky"] < 0.5 * exact["newton-cholesky"]
    assert sub["newton-cg"] < 0.6 * exact["newton-cg"]


def test_auto_takes_newton_cg_for_mid_size_dense():
    # the model prices newton-cholesky above newton-cg here; newton-cg
    # converges to newton-cholesky's optimum
    X, y = make_data(n=4_000, d=40, K=5)
    obj = MultinomialLoss(X, y, l2=1e-2, n_threads=1)
    costs = multinomial_costs(obj, 1e-6)
    assert costs["newton-cg"] < costs["newton-cholesky"]
    assert choose(obj, 1e-6) == "newton-cg"
    res = solve(obj, tol=1e-8)
    assert res.solver == "newton-cg" and res.converged and res.grad_max <= 1e-8
    exact = solve(obj, solver="newton-cholesky", tol=1e-10)
    assert abs(res.loss - exact.loss) <= 1e-12 * abs(exact.loss)


def test_huge_hessian_is_never_assembled():
    from softmax_ext.solvers._choice import HESSIAN_BYTES_MAX

    obj = _multinomial(20_000, 300, 30)       # m = 9030: a 650 MB Hessian
    m = int(np.prod(obj.coef_shape))
    assert 8 * m * m > HESSIAN_BYTES_MAX
    assert choose(obj, 1e-6, available=1 << 40) == "newton-cg"


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
