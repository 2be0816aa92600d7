"""Solvers against each other, scikit-learn and a high-precision reference."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import FixedClassLoss, MultinomialLoss
from softmax_ext.solvers import SolverResult, solve


def make_problem(n=120, d=5, K=3, seed=0, dtype=np.float64, sparse=False, weights=False,
                 fit_intercept=True, l2=1e-2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((K, d))
    y = np.argmax(X @ W.T + 1.5 * rng.standard_normal((n, K)), axis=1)
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    X = X.astype(dtype)
    sw = rng.uniform(0.2, 3.0, n) if weights else None
    return MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept,
                           n_classes=K, n_threads=1)


def test_lbfgs_reaches_tol_and_decreases():
    obj = make_problem()
    res = solve(obj, solver="lbfgs", tol=1e-8, max_iter=500)
    assert isinstance(res, SolverResult)
    assert res.converged
    assert res.grad_max <= 1e-8
    assert np.max(np.abs(obj.gradient(res.coef))) <= 1e-8 * 1.01
    losses = [h["loss"] for h in res.history]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert res.n_iter == len(res.history) - 1


def test_lbfgs_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    obj = make_problem(n=200, d=4, K=3, l2=1.0 / 200)
    res = solve(obj, solver="lbfgs", tol=1e-10, max_iter=1000)
    clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(obj.X, obj.y)
    ref = np.hstack([clf.coef_, clf.intercept_[:, None]])
    assert obj.loss(res.coef) <= obj.loss(ref) * (1 + 1e-10)
    np.testing.assert_allclose(res.coef, ref, atol=1e-5)


def test_line_search_trials_add_no_passes():
    obj = make_problem()
    res = solve(obj, solver="lbfgs", tol=1e-10, max_iter=200)
    # two passes to start (forward skipped at zero coefficients: one), then two per iteration
    passes = [h["passes"] for h in res.history]
    assert passes[0] == 1
    assert all(b - a == 2 for a, b in zip(passes, passes[1:]))
    assert res.converged


def test_invalid_solver():
    obj = make_problem()
    with pytest.raises(ValueError, match="lbfgs.*newton-cholesky.*newton-cg.*gd"):
        solve(obj, solver="sag")


def test_convergence_warning():
    obj = make_problem(l2=1e-6)
    with pytest.warns(ConvergenceWarning, match="after 2 iterations.*max_iter"):
        res = solve(obj, solver="lbfgs", tol=1e-12, max_iter=2)
    assert not res.converged and res.n_iter == 2
