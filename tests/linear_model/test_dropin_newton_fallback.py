"""newton-cholesky on an ill-conditioned Hessian: LinAlgWarning and lbfgs, as scikit-learn 1.9.

The case is scikit-learn's own (wide X, C = 1e30, so l2 > 0 but tiny): its
NewtonCholeskySolver warns with LinAlgWarning at the first iteration and
runs lbfgs for the whole fit.  A drop-in must then give lbfgs's n_iter_ and
optimum, and lbfgs's ConvergenceWarning when max_iter is short.
"""

import warnings

import numpy as np
import pytest
from scipy.linalg import LinAlgWarning
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from softmax_ext import SoftmaxRegression


@pytest.fixture
def wide():
    return make_classification(n_samples=10, n_features=20, random_state=42)


def test_warns_and_falls_back_to_lbfgs(wide):
    X, y = wide
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = SoftmaxRegression(solver="lbfgs", C=1e30).fit(X, y)
    with pytest.warns(LinAlgWarning, match="ill-conditioned Hessian matrix at iteration 1. "
                                            "It will now resort to lbfgs"):
        nc = SoftmaxRegression(solver="newton-cholesky", C=1e30).fit(X, y)
    assert nc.n_iter_[0] == ref.n_iter_[0]
    np.testing.assert_allclose(nc.coef_, ref.coef_, rtol=0, atol=1e-12)
    # scikit-learn's newton-cholesky warns in the same way on this problem
    with pytest.warns(LinAlgWarning, match="resort to lbfgs"):
        LogisticRegression(solver="newton-cholesky", C=1e30).fit(X, y)


def test_short_max_iter_gives_lbfgs_convergence_warning(wide):
    X, y = wide
    n = SoftmaxRegression(solver="lbfgs", C=1e30).fit(X, y).n_iter_[0]
    est = SoftmaxRegression(solver="newton-cholesky", C=1e30, max_iter=n - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
            est.fit(X, y)
    # the failed Newton iteration counts against max_iter, as in scikit-learn
    assert est.n_iter_[0] == n - 2


def test_well_conditioned_fit_does_not_fall_back(wide):
    X, y = wide
    with warnings.catch_warnings():
        warnings.simplefilter("error", LinAlgWarning)
        est = SoftmaxRegression(solver="newton-cholesky", C=1.0).fit(X, y)
    ref = LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=1e-4)
