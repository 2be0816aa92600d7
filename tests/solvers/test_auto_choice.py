"""What ``solver="auto"`` picks (solvers/_choice.py); the memory side is in test_memory.py."""

import scipy.sparse as sp

from softmax_ext import MultinomialLoss
from softmax_ext.solvers import solve
from softmax_ext.solvers._choice import CROSSOVER_M, choose
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

