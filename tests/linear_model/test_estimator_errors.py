"""SoftmaxRegression on bad input and bad parameters: the errors and warnings it gives."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from softmax_ext.linear_model import SoftmaxRegression

# the autouse fixture too: pytest uses the fixtures a test module holds
from estimator_cases import (  # noqa: F401
    SOLVERS, _single_threaded_blas)


# ----------------------------------------------------------------- bad input
def _fit(X, y, **kw):
    return SoftmaxRegression(max_iter=20).fit(X, y, **kw)


X_OK = np.arange(24, dtype=float).reshape(8, 3) % 5
Y_OK = np.array([0, 1, 2, 0, 1, 2, 0, 1])


@pytest.mark.parametrize("X, y, kwargs, exc, match", [
    (np.where(X_OK == 0, np.nan, X_OK), Y_OK, {}, ValueError, "Input X contains NaN"),
    (np.where(X_OK == 0, np.inf, X_OK), Y_OK, {}, ValueError, "Input X contains infinity"),
    (sp.csr_matrix(np.where(X_OK == 1, np.nan, X_OK)), Y_OK, {}, ValueError, "contains NaN"),
    (X_OK, np.zeros(8), {}, ValueError, "only one class"),
    (X_OK, Y_OK[:-1], {}, ValueError, "inconsistent numbers of samples"),
    (X_OK, Y_OK, {"sample_weight": -np.ones(8)}, ValueError, "Negative values"),
    (X_OK, Y_OK, {"sample_weight": np.full(8, np.nan)}, ValueError, "sample_weight contains NaN"),
    (X_OK, Y_OK, {"sample_weight": np.ones(7)}, ValueError, r"sample_weight.shape"),
    (X_OK, Y_OK, {"sample_weight": np.zeros(8)}, ValueError, "at least one non-zero"),
    (X_OK.astype(str).astype(object) + "x", Y_OK, {}, ValueError, "could not convert"),
    (np.array([["a", "b"]] * 8), Y_OK, {}, ValueError, "dtype='numeric' is not compatible|"
                                                       "could not convert"),
    (X_OK + 1j, Y_OK, {}, ValueError, "Complex data not supported"),
    (X_OK.reshape(8, 3, 1), Y_OK, {}, ValueError, "Found array with dim 3"),
    (X_OK[:, 0], Y_OK, {}, ValueError, "Expected 2D array, got 1D array"),
    (np.empty((0, 3)), np.empty(0), {}, ValueError, "0 sample"),
    (np.empty((8, 0)), Y_OK, {}, ValueError, "0 feature"),
    (X_OK, X_OK[:, 0] + 0.5, {}, ValueError, "Unknown label type"),
    (X_OK, np.where(Y_OK == 0, np.nan, Y_OK), {}, ValueError, "Input y contains NaN"),
    (X_OK, np.column_stack([Y_OK, Y_OK]), {}, ValueError, "y should be a 1d array"),
])
def test_bad_fit_input(X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        _fit(X, y, **kwargs)


def test_class_weight_errors():
    with pytest.raises(ValueError, match=re.escape("The classes, [1, 2], are not in "
                                                   "class_weight")):
        SoftmaxRegression(class_weight={0: 1.0, 5: 2.0}).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="non-negative"):
        SoftmaxRegression(class_weight={0: -1.0, 1: 1.0, 2: 1.0}).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="sum to zero"):
        SoftmaxRegression(class_weight={0: 0.0, 1: 0.0, 2: 0.0}).fit(X_OK, Y_OK)


def test_extreme_weights_and_C_are_rejected_clearly():
    with pytest.raises(ValueError, match="sample weights sum to inf"):
        SoftmaxRegression().fit(X_OK, Y_OK, sample_weight=np.full(8, 1e308))
    with pytest.raises(ValueError, match="overflows: C or the sample weights are too small"):
        SoftmaxRegression(C=1e-300).fit(X_OK, Y_OK, sample_weight=np.full(8, 1e-300))


@pytest.mark.parametrize("solver", SOLVERS)
def test_values_too_large_for_the_objective_warn_and_stay_finite(solver):
    """A finite X whose products overflow: the solvers cannot move, say so with a
    ConvergenceWarning that suggests scaling, and the model stays finite."""
    X = X_OK.copy()
    X[0, 0] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow notices
        with pytest.warns(ConvergenceWarning, match="scale"):
            est = SoftmaxRegression(max_iter=20, solver=solver).fit(X, Y_OK)
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    assert np.all(np.isfinite(est.predict_proba(X_OK)))


@pytest.mark.parametrize("solver", SOLVERS)
def test_values_too_large_give_one_clear_warning(solver):
    """X of order 1e200: the solvers' vector algebra overflows; the fit must
    say so once (a ConvergenceWarning suggesting to scale), not print numpy's
    overflow notice at every operation (hundreds of RuntimeWarnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = SoftmaxRegression(max_iter=20, solver=solver).fit(X_OK * 1e200, Y_OK)
    kinds = {w.category for w in caught}
    assert kinds == {ConvergenceWarning}, [str(w.message)[:80] for w in caught]
    assert any("scale" in str(w.message) for w in caught)
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))


def test_predict_errors():
    est = SoftmaxRegression()
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(est, method)(X_OK)
    est.fit(X_OK, Y_OK)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        with pytest.raises(ValueError, match="X has 2 features, but SoftmaxRegression is "
                                             "expecting 3 features as input"):
            getattr(est, method)(X_OK[:, :2])
        with pytest.raises(ValueError, match="Input X contains NaN"):
            getattr(est, method)(np.full((2, 3), np.nan))
        with pytest.raises(ValueError, match="0 sample"):
            getattr(est, method)(np.empty((0, 3)))


@pytest.mark.parametrize("params, match", [
    ({"C": 0}, r"The 'C' parameter of SoftmaxRegression must be a float in the range "
               r"\(0(\.0)?, inf\]"),
    ({"C": -1.0}, "'C' parameter"),
    ({"C": "1"}, "'C' parameter"),
    ({"tol": -1e-3}, "'tol' parameter"),
    ({"max_iter": -1}, "'max_iter' parameter"),
    ({"max_iter": 1.5}, "'max_iter' parameter"),
    ({"solver": "lib-linear"}, "The 'solver' parameter of SoftmaxRegression must be a str "
                               "among"),
    ({"class_weight": "auto"}, "'class_weight' parameter"),
    ({"class_weight": [1, 2]}, "'class_weight' parameter"),
    ({"fit_intercept": "yes"}, "'fit_intercept' parameter"),
    ({"warm_start": 2}, "'warm_start' parameter"),
    ({"n_threads": 0}, "'n_threads' parameter"),
    ({"n_threads": 1.5}, "'n_threads' parameter"),
    ({"verbose": -1}, "'verbose' parameter"),
])
def test_invalid_parameters(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        SoftmaxRegression(**params).fit(X_OK, Y_OK)
    assert issubclass(InvalidParameterError, ValueError)


def test_n_passes_over_X_is_reported():
    """The fit reports its passes over X: at least two per iteration for lbfgs."""
    from sklearn.datasets import load_iris

    from softmax_ext.linear_model import SoftmaxRegression

    X, y = load_iris(return_X_y=True)
    model = SoftmaxRegression(solver="lbfgs", max_iter=500).fit(X, y)
    assert model.n_passes_over_X_ >= 2 * int(model.n_iter_[0])
