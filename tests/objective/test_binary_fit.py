"""Fits on BinaryLoss: every solver lands where the fixed-class multinomial it
replaces lands, and where scikit-learn's binary LogisticRegression does."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression

from softmax_ext import SoftmaxRegression
from softmax_ext.objective import BinaryLoss, FixedClassLoss, MultinomialLoss
from softmax_ext.solvers import solve


def _data(rng, sparse, n=400, d=6):
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) > 0.3).astype(int)
    if sparse:
        X[rng.uniform(size=X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    return X, y


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "prox-newton"])
@pytest.mark.parametrize("sparse", [False, True])
def test_every_solver_finds_the_fixed_class_optimum(solver, sparse, rng):
    X, y = _data(rng, sparse)
    sw = rng.uniform(0.5, 2.0, size=y.size)
    kw = dict(sample_weight=sw, l2=1e-2, n_classes=2)
    res_b = solve(BinaryLoss(MultinomialLoss(X, y, **kw)), solver=solver, tol=1e-10,
                  max_iter=500)
    res_f = solve(FixedClassLoss(MultinomialLoss(X, y, **kw)), solver=solver, tol=1e-10,
                  max_iter=500)
    assert res_b.converged and res_f.converged
    # both satisfy max|grad| <= 1e-10 on a problem with Hessian >= l2 = 1e-2:
    # the minimisers agree within 2 tol / l2
    assert_allclose(res_b.coef, res_f.coef, atol=2e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_estimator_matches_scikit_learn_binary_model(dtype, rng):
    """coef_ (1, d) and intercept_ (1,) of scikit-learn's binary model; float32 at
    the float32 objective's resolution (gradients of ~1e-7 relative)."""
    X, y = _data(rng, False)
    X = X.astype(dtype)
    # float32's objective cannot reach tol=1e-10 (max|grad| stalls near 1e-9)
    tol = 1e-10 if dtype == np.float64 else 1e-6
    ours = SoftmaxRegression(C=0.5, tol=tol, max_iter=500).fit(X, y)
    theirs = LogisticRegression(C=0.5, tol=1e-12, max_iter=5000).fit(X.astype(np.float64), y)
    assert ours.coef_.shape == (1, X.shape[1]) and ours.intercept_.shape == (1,)
    atol = 1e-7 if dtype == np.float64 else 2e-4
    assert_allclose(ours.coef_, theirs.coef_, atol=atol)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=atol)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=10 * atol)
