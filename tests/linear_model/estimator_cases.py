"""Data sets, tolerances and fits shared by the SoftmaxRegression tests
(tests/linear_model/test_estimator*.py): the problems the estimator is fitted
on, scikit-learn's LogisticRegression reference fits (cached), and the
comparison of two fitted models.
"""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from softmax_ext.linear_model import SoftmaxRegression

SOLVERS = ["auto", "lbfgs", "newton-cholesky", "newton-cg", "gd"]

# Parity tolerances of the issue: coefficients to 1e-5 relative (elementwise,
# with an absolute floor of 1e-5 times the largest coefficient for entries
# near zero), probabilities to 1e-6 absolute.
COEF_RTOL = 1e-5
PROBA_ATOL = 1e-6
OUR_TOL = 1e-10
OUR_MAX_ITER = 100_000
# The parity fits run the kernels on one OpenMP thread: results do not depend
# on the thread count (test_n_threads_one_vs_default checks that), and on the
# shared, oversubscribed test machine spinning OpenMP threads made the
# hundreds of small tight-tolerance fits here 20x slower.
OUR_N_THREADS = 1


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    """One BLAS thread: the test machine is shared and oversubscribed BLAS
    makes scikit-learn's fits 50x slower.  Results do not depend on it; the
    OpenMP kernels keep their threads (only the BLAS API is limited)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ----------------------------------------------------------------- data sets
def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sparse_problem(n_classes, seed):
    rng = np.random.default_rng(seed)
    n, d = 300, 40
    X = sp.random(n, d, density=0.1, format="csr", random_state=seed,
                  data_rvs=lambda k: rng.normal(size=k))
    W = rng.normal(size=(n_classes, d))
    Z = X @ W.T + rng.gumbel(size=(n, n_classes))  # noisy: not separable
    return X, np.argmax(Z, axis=1)


@functools.lru_cache(maxsize=None)
def dataset(name):
    if name == "iris":
        return _standardized(load_iris)
    if name == "wine":
        return _standardized(load_wine)
    if name == "digits":
        return _standardized(load_digits)
    if name == "breast_cancer":
        return _standardized(load_breast_cancer)
    if name == "dense_binary":  # string labels
        X, y = make_classification(n_samples=300, n_features=8, n_informative=4,
                                   flip_y=0.1, random_state=0)
        return X, np.array(["no", "yes"])[y]
    if name == "dense_multi":  # non-contiguous integer labels
        X, y = make_classification(n_samples=300, n_features=10, n_informative=6,
                                   n_classes=4, flip_y=0.1, random_state=1)
        return X, 7 * y - 3
    if name == "sparse_binary":
        return _sparse_problem(2, seed=2)
    if name == "sparse_multi":
        return _sparse_problem(5, seed=3)
    raise KeyError(name)


DATASETS = ["iris", "wine", "digits", "breast_cancer", "dense_binary", "dense_multi",
            "sparse_binary", "sparse_multi"]


def _weights(kind, y):
    """(sample_weight, class_weight) for a weighting scenario."""
    if kind == "none":
        return None, None
    if kind == "sample_weight":
        rng = np.random.default_rng(7)
        sw = rng.uniform(0.0, 3.0, size=y.shape[0])
        sw[::10] = 0.0  # zero weights must act as removed samples
        return sw, None
    if kind == "balanced":
        return None, "balanced"
    if kind == "dict+sample_weight":
        classes = np.unique(y)
        cw = {c: 1.0 + i for i, c in enumerate(classes.tolist())}
        return np.linspace(0.5, 2.0, y.shape[0]), cw
    raise KeyError(kind)


@functools.lru_cache(maxsize=None)
def reference(name, fit_intercept=True, C=1.0, weights="none"):
    X, y = dataset(name)
    sw, cw = _weights(weights, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return LogisticRegression(C=C, fit_intercept=fit_intercept, class_weight=cw,
                                  solver="newton-cg", tol=1e-10, max_iter=1000,
                                  ).fit(X, y, sample_weight=sw)


def ours(name, solver, fit_intercept=True, C=1.0, weights="none", **kw):
    X, y = dataset(name)
    sw, cw = _weights(weights, y)
    params = dict(C=C, fit_intercept=fit_intercept, class_weight=cw, solver=solver,
                  tol=OUR_TOL, max_iter=OUR_MAX_ITER, n_threads=OUR_N_THREADS)
    params.update(kw)
    return SoftmaxRegression(**params).fit(X, y, sample_weight=sw)


def assert_same_model(est, ref, X, check_coef=True):
    assert_array_equal(est.classes_, ref.classes_)
    assert est.coef_.shape == ref.coef_.shape
    assert est.intercept_.shape == ref.intercept_.shape
    if check_coef:
        scale = max(np.max(np.abs(ref.coef_)), np.max(np.abs(ref.intercept_)), 1.0)
        assert_allclose(est.coef_, ref.coef_, rtol=COEF_RTOL, atol=COEF_RTOL * scale)
        assert_allclose(est.intercept_, ref.intercept_, rtol=COEF_RTOL,
                        atol=COEF_RTOL * scale)
        z_ref = ref.decision_function(X)
        assert_allclose(est.decision_function(X), z_ref, rtol=COEF_RTOL,
                        atol=COEF_RTOL * np.abs(z_ref).max())
    assert_allclose(est.predict_proba(X), ref.predict_proba(X), rtol=0, atol=PROBA_ATOL)
    assert_array_equal(est.predict(X), ref.predict(X))

