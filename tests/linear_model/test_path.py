"""softmax_path (warm-started fits along C) and l1_min_c (where an L1 path starts)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification
from sklearn.preprocessing import StandardScaler

from softmax_ext import MultinomialLoss, SoftmaxRegression, l1_min_c, softmax_path
from softmax_ext.solvers import solve

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)


def _weights(n, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 3.0, n)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_l1_min_c_is_where_the_first_weight_leaves_zero(binary, fit_intercept, weighted,
                                                        l1_ratio):
    y = (Y_IRIS == 2).astype(int) if binary else Y_IRIS
    sw = _weights(len(y)) if weighted else None
    c = l1_min_c(X_IRIS, y, sample_weight=sw, fit_intercept=fit_intercept, l1_ratio=l1_ratio)
    params = dict(l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-10, max_iter=500)
    below = SoftmaxRegression(C=0.999 * c, **params).fit(X_IRIS, y, sample_weight=sw)
    above = SoftmaxRegression(C=1.01 * c, **params).fit(X_IRIS, y, sample_weight=sw)
    assert np.all(below.coef_ == 0)
    assert np.any(above.coef_ != 0)


# tol=1e-10 is at float64's floor for this fit: the line search may stop just
# above it (the warning says so); the test checks which groups are zero
@pytest.mark.filterwarnings("ignore:prox-newton failed to converge:"
                            "sklearn.exceptions.ConvergenceWarning")
def test_l1_min_c_grouped_and_sparse():
    X, y = make_classification(200, 15, n_informative=5, n_classes=3, random_state=1)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    c = l1_min_c(Xs, y, grouped=True)
    obj = MultinomialLoss(Xs, y, l2=0.0)
    n = X.shape[0]
    below = solve(obj, l1=1.0 / (0.999 * c * n), penalty="group", tol=1e-10, max_iter=300)
    above = solve(obj, l1=1.0 / (1.01 * c * n), penalty="group", tol=1e-10, max_iter=300)
    assert np.all(below.coef[:, :-1] == 0)
    assert np.any(above.coef[:, :-1] != 0)
    # one threshold on ||G[:, j]||, which is at least max_k |G[k, j]|: the group leaves zero first
    assert c <= l1_min_c(Xs, y)


def test_l1_min_c_rejects_what_has_no_answer():
    with pytest.raises(ValueError, match="l1_ratio"):
        l1_min_c(X_IRIS, Y_IRIS, l1_ratio=0.0)
    with pytest.raises(ValueError, match="single class"):
        l1_min_c(X_IRIS, np.zeros(len(Y_IRIS)))
    assert l1_min_c(np.zeros_like(X_IRIS), Y_IRIS) == np.inf


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_path_equals_independent_fits_in_any_order(l1_ratio):
    Cs = [1.0, 0.02, 0.3, 5.0]
    params = dict(l1_ratio=l1_ratio, tol=1e-10, max_iter=1000)
    path = softmax_path(X_IRIS, Y_IRIS, Cs, **params)
    assert path.coefs.shape == (4, 3, 4) and path.intercepts.shape == (4, 3)
    np.testing.assert_array_equal(path.Cs, Cs)
    for i, C in enumerate(Cs):
        alone = SoftmaxRegression(C=C, **params).fit(X_IRIS, Y_IRIS)
        # both stop within 1e-10 of optimality (the last digits are rounding,
        # a line search ends there): coefficients agree to ~1e-6 on iris
        np.testing.assert_allclose(path.coefs[i], alone.coef_, atol=1e-5)
        np.testing.assert_allclose(path.intercepts[i], alone.intercept_, atol=1e-5)


def test_warm_starts_save_work_along_an_l1_path():
    # work is passes over X: a path's fits take steps that reuse the previous
    # fit's Hessian (~2 passes each, against ~10 for a step that builds one),
    # so they may take more iterations than cold fits, never more passes
    X, y = make_classification(2000, 40, n_informative=10, n_classes=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    c0 = l1_min_c(X, y)
    Cs = c0 * np.logspace(0.05, 2, 12)
    path = softmax_path(X, y, Cs, l1_ratio=1.0, tol=1e-8, max_iter=500)
    cold = [SoftmaxRegression(C=C, l1_ratio=1.0, tol=1e-8, max_iter=500).fit(X, y)
            for C in Cs]
    assert path.n_passes_over_X.sum() < 0.8 * sum(e.n_passes_over_X_ for e in cold)
    for est, w, b in zip(cold, path.coefs, path.intercepts):  # the same optima
        np.testing.assert_allclose(w, est.coef_, atol=1e-5)
        np.testing.assert_allclose(b, est.intercept_, atol=1e-5)
    nnz = [int(np.count_nonzero(c)) for c in path.coefs]
    assert nnz[0] > 0 and nnz[-1] >= nnz[0]


def test_path_refuses_its_own_parameters_and_bad_Cs():
    with pytest.raises(TypeError, match="warm_start"):
        softmax_path(X_IRIS, Y_IRIS, [1.0], warm_start=False)
    with pytest.raises(TypeError, match="C "):
        softmax_path(X_IRIS, Y_IRIS, [1.0], C=2.0)
    for bad in ([], [0.0], [-1.0], [np.inf]):
        with pytest.raises(ValueError, match="Cs"):
            softmax_path(X_IRIS, Y_IRIS, bad)


def test_path_checks_its_data_and_parameters_as_the_estimator_does():
    # softmax_path checks once, through the estimator's own checks: each bad
    # input gets the error SoftmaxRegression.fit gives it
    X_nan = X_IRIS.copy()
    X_nan[3, 1] = np.nan
    n = len(Y_IRIS)
    bad = [  # X, y, sample_weight, parameters, the error
        (X_nan, Y_IRIS, None, {}, ValueError, "NaN"),
        (X_IRIS, np.zeros(n), None, {}, ValueError, "class"),
        (X_IRIS, Y_IRIS[:-1], None, {}, ValueError, "inconsistent numbers of samples"),
        (X_IRIS, Y_IRIS, np.ones(3), {}, ValueError, "sample_weight"),
        (X_IRIS, Y_IRIS, None, dict(l1_ratio=2.0), ValueError, "l1_ratio"),
        (X_IRIS, Y_IRIS, None, dict(tol="small"), (TypeError, ValueError), "tol"),
    ]
    for X, y, sw, params, error, text in bad:
        with pytest.raises(error, match=text):
            SoftmaxRegression(**params).fit(X, y, sample_weight=sw)
        with pytest.raises(error, match=text):
            softmax_path(X, y, [0.1, 1.0], sample_weight=sw, **params)
