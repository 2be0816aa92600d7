"""Newton methods with the curvature from a row subset (solvers/_newton.py).

The Hessian (newton-cholesky) or its products (newton-cg) come from a random
subset of a tall X; the gradient, the line search and the stopping test use
every row, so the fit must end at the exact problem's optimum: the same
coefficients as the exact-curvature run at tol 1e-10 (float64: both within
~1e-10 of the optimum, compared to 1e-8).  The subset sizes are shrunk here
(``CURVATURE_ROWS``) so that a test-sized X counts as tall.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from softmax_ext import MultinomialLoss, _memory
from softmax_ext.objective import FixedClassLoss
from softmax_ext.solvers import _newton
from softmax_ext.solvers._state import SolverState
from softmax_ext.solvers.newton_cg import newton_cg
from softmax_ext.solvers.newton_cholesky import newton_cholesky
from solver_problems import make_data

SOLVERS = {"newton-cg": newton_cg, "newton-cholesky": newton_cholesky}


@pytest.fixture
def small_subsets(monkeypatch):
    """Subsets of 300 rows (and 2 per coefficient) make n >= 600 tall."""
    monkeypatch.setattr(_newton, "CURVATURE_ROWS", 300)
    monkeypatch.setattr(_newton, "CURVATURE_ROWS_PER_COEF", 2)


@pytest.fixture
def handed_over(monkeypatch):
    """The iterations at which a run handed over to the exact curvature."""
    iterations = []
    original = _newton.NewtonMethod.exact_curvature

    def spy(self):
        iterations.append(self.state.iteration)
        original(self)

    monkeypatch.setattr(_newton.NewtonMethod, "exact_curvature", spy)
    return iterations


def _tall(n=3000, d=6, K=3, seed=0, weights=False, l2=1e-3, dtype=np.float64):
    X, y = make_data(n, d, K, seed)
    sw = np.random.default_rng(seed + 1).uniform(0.2, 3.0, n) if weights else None
    return MultinomialLoss(X.astype(dtype), y, sample_weight=sw, l2=l2, n_threads=1)


def _rows_used(obj):
    state = SolverState(obj, "test", tol=1e-8, max_iter=10)
    state.start(None)
    return _newton.NewtonMethod(state, subsample=True).rows


def test_tall_dense_x_gets_a_sorted_random_subset(small_subsets):
    obj = _tall()
    rows = _rows_used(obj)
    assert rows is not None and rows.size == 300
    assert np.all(np.diff(rows) > 0) and rows[-1] < obj.n_samples
    # the same rows on every call (a fixed seed): fits are reproducible
    assert np.array_equal(rows, _newton.curvature_rows(obj))
    # not every k-th row (k = 10 here): labels in a periodic order (i mod 5) would
    # leave one class in that grid; at random every class keeps its share
    periodic = MultinomialLoss(np.ones((3000, 2)), np.arange(3000) % 5, n_threads=1)
    kept = np.bincount(periodic.y[_rows_used(periodic)], minlength=5)
    assert np.all(kept >= _newton.CURVATURE_MIN_CLASS_ROWS)


def test_no_subset_where_it_does_not_apply(small_subsets, monkeypatch):
    # short X: the subset would be more than half of the rows
    assert _rows_used(_tall(n=500)) is None
    # sparse X: the copy of a CSR row subset costs more than it saves
    X, y = make_data(3000, 6, 3)
    assert _rows_used(MultinomialLoss(sp.csr_matrix(X), y, n_threads=1)) is None
    # a class too rare for the subset to see it: its Hessian block would be noise
    y = y.copy()
    y[:] = np.where(y == 2, 1, y)
    y[:60] = 2
    assert _rows_used(MultinomialLoss(X, y, n_threads=1)) is None
    # the copy of the subset's rows would take more than its share of the memory left
    obj = _tall()
    enough = int(300 * obj.n_features * 8 / _newton.CURVATURE_COPY_SHARE)
    monkeypatch.setattr(_memory, "available_bytes", lambda: enough - 1)
    assert _rows_used(obj) is None
    monkeypatch.setattr(_memory, "available_bytes", lambda: enough)
    assert _rows_used(obj) is not None
    # asked not to
    state = SolverState(_tall(), "test", tol=1e-8, max_iter=10)
    state.start(None)
    assert _newton.NewtonMethod(state, subsample=False).rows is None


# float64: both runs within ~1e-10 of the optimum.  float32: the objective is known
# to ~1e-7 relative (solver_problems.py), so tol 1e-5, coefficients to 1e-3.
PRECISION = {np.float64: dict(tol=1e-10, coef=1e-8, loss=1e-12),
             np.float32: dict(tol=1e-5, coef=1e-3, loss=1e-6)}


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("dtype,weights,fixed", [
    (np.float64, False, False), (np.float64, True, False), (np.float64, False, True),
    (np.float64, True, True), (np.float32, False, False), (np.float32, True, True)])
def test_subsampled_curvature_reaches_the_exact_optimum(small_subsets, solver, dtype,
                                                        weights, fixed):
    obj = _tall(weights=weights, dtype=dtype)
    if fixed:
        obj = FixedClassLoss(obj)
    run, prec = SOLVERS[solver], PRECISION[dtype]
    exact = run(obj, tol=prec["tol"], max_iter=100, subsample=False)
    sub = run(obj, tol=prec["tol"], max_iter=100)
    assert exact.converged and sub.converged
    np.testing.assert_allclose(sub.coef, exact.coef, rtol=0, atol=prec["coef"])
    assert abs(sub.loss - exact.loss) <= prec["loss"] * abs(exact.loss)


@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_a_poor_subset_hands_over_to_the_exact_curvature(monkeypatch, handed_over, solver):
    """A subset of 20 rows for 21 coefficients: its curvature is far from H, the steps
    gain too little, and the run goes on with the exact curvature to the optimum."""
    monkeypatch.setattr(_newton, "CURVATURE_ROWS", 20)
    monkeypatch.setattr(_newton, "CURVATURE_ROWS_PER_COEF", 1)
    monkeypatch.setattr(_newton, "CURVATURE_MIN_CLASS_ROWS", 2)
    obj = _tall(n=2000, d=6, l2=1e-6)
    run = SOLVERS[solver]
    res = run(obj, tol=1e-10, max_iter=100)
    exact = run(obj, tol=1e-10, max_iter=100, subsample=False)
    assert handed_over, "the poor subset was kept to the end"
    assert res.converged
    np.testing.assert_allclose(res.coef, exact.coef, rtol=0, atol=1e-8)


def test_ill_conditioned_subset_hessian_is_not_a_fallback_to_lbfgs(small_subsets, handed_over):
    """A feature seen only outside the subset leaves the subset's Hessian singular but
    for a tiny L2 term, which scikit-learn's test calls ill-conditioned (rcond < eps):
    that is the subset's fault, so newton-cholesky takes the exact Hessian (well
    conditioned: the fixed-class parametrisation has no invariant directions) without
    the LinAlgWarning and the lbfgs fallback of a truly ill-conditioned problem."""
    base = _tall(l2=1e-18)
    rows = _newton.curvature_rows(base)
    outside = np.setdiff1d(np.arange(base.n_samples), rows)[:200]
    col = np.zeros(base.n_samples)
    col[outside] = np.random.default_rng(3).standard_normal(outside.size)
    X = np.column_stack([base.X, col])
    obj = FixedClassLoss(MultinomialLoss(X, base.y, l2=1e-18, n_threads=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        res = newton_cholesky(obj, tol=1e-9, max_iter=100)
        exact = newton_cholesky(obj, tol=1e-9, max_iter=100, subsample=False)
    assert handed_over == [0]   # at the first Hessian, before any step
    assert res.converged and exact.converged and "lbfgs" not in res.message
    np.testing.assert_allclose(res.coef, exact.coef, rtol=0, atol=1e-7)
