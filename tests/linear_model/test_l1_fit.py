"""SoftmaxRegression with L1 and elastic-net penalties, against scikit-learn's saga.

saga is run far past its default tolerance so that both reach the optimum of
the same objective; coefficients are compared where the optimum is unique
(elastic net, or pure L1 with an odd number of classes; see
docs/derivation.md 5.5), objectives and zero patterns everywhere.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from softmax_ext import MultinomialLoss, SoftmaxRegression

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)


def saga(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(solver="saga", tol=1e-12, max_iter=200_000,
                                  **params).fit(X, y)


def objective(model, X, y, C, l1_ratio, sample_weight=None):
    """scikit-learn's objective divided by C sum(s), at a fitted model's coefficients."""
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    n = sw.sum()
    codes = np.searchsorted(model.classes_, y)
    coef = np.asarray(model.coef_, dtype=np.float64)
    if coef.shape[0] == 1:  # binary: the class-0 row is zero
        coef = np.vstack([np.zeros_like(coef), coef])
        b = np.array([0.0, model.intercept_[0]])
    else:
        b = model.intercept_
    obj = MultinomialLoss(X, codes, sample_weight=sw, l2=(1 - l1_ratio) / (C * n))
    return obj.loss(np.hstack([coef, b[:, None]])) + l1_ratio / (C * n) * np.abs(coef).sum()


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("l1_ratio", [0.3, 1.0])
def test_iris_matches_saga(binary, l1_ratio):
    y = (Y_IRIS == 1).astype(int) if binary else Y_IRIS  # K = 3 or a binary model: unique
    ours = SoftmaxRegression(l1_ratio=l1_ratio, C=0.4, solver="saga", tol=1e-10,
                             max_iter=1000).fit(X_IRIS, y)
    theirs = saga(X_IRIS, y, l1_ratio=l1_ratio, C=0.4)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    assert np.array_equal(ours.coef_ == 0, theirs.coef_ == 0)
    if l1_ratio == 1.0:
        assert np.any(ours.coef_ == 0)


def test_digits_pure_l1_same_objective_zeros_and_selected_features():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    C = 0.05
    ours = SoftmaxRegression(l1_ratio=1.0, C=C, tol=1e-8, max_iter=500).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LogisticRegression(solver="saga", l1_ratio=1.0, C=C, tol=1e-8,
                                    max_iter=100_000).fit(X, y)
    F_ours, F_theirs = (objective(m, X, y, C, 1.0) for m in (ours, theirs))
    assert F_ours <= F_theirs * (1 + 1e-9) and abs(F_ours - F_theirs) <= 1e-7 * F_theirs
    assert np.array_equal(ours.coef_ == 0, theirs.coef_ == 0)
    # SelectFromModel gives LogisticRegression (by class name) the L1 threshold
    # 1e-5; any other estimator gets the mean unless told
    a = SelectFromModel(ours, prefit=True, threshold=1e-5).get_support()
    b = SelectFromModel(theirs, prefit=True).get_support()
    assert np.array_equal(a, b) and 0 < a.sum() < X.shape[1]
    # ... or by penalty == "l1": code written for LogisticRegression(penalty="l1")
    # selects the same features with no threshold given
    legacy = SoftmaxRegression(penalty="l1", l1_ratio=1.0, C=C, tol=1e-8, max_iter=500)
    with pytest.warns(FutureWarning, match="penalty"):
        legacy.fit(X, y)
    assert np.array_equal(SelectFromModel(legacy, prefit=True).get_support(), b)


def test_sparse_weights_and_float32():
    rng = np.random.default_rng(0)
    X = X_IRIS * (rng.uniform(size=X_IRIS.shape) < 0.7)
    sw = rng.uniform(0.5, 2.0, len(Y_IRIS))
    dense = SoftmaxRegression(l1_ratio=0.5, C=0.3, tol=1e-10).fit(X, Y_IRIS, sample_weight=sw)
    csr = SoftmaxRegression(l1_ratio=0.5, C=0.3, tol=1e-10).fit(sp.csr_matrix(X), Y_IRIS,
                                                                 sample_weight=sw)
    np.testing.assert_allclose(csr.coef_, dense.coef_, atol=1e-8)
    f32 = SoftmaxRegression(l1_ratio=0.5, C=0.3, tol=1e-5).fit(X.astype(np.float32), Y_IRIS,
                                                                sample_weight=sw)
    assert f32.coef_.dtype == np.float32
    # float32 scores: the objective to ~1e-6 relative
    F32 = objective(f32, X, Y_IRIS, 0.3, 0.5, sw)
    F64 = objective(dense, X, Y_IRIS, 0.3, 0.5, sw)
    assert abs(F32 - F64) <= 1e-6 * F64


def test_class_weight_is_folded_into_the_l1_objective():
    cw = {0: 2.0, 1: 0.5, 2: 1.0}
    ours = SoftmaxRegression(l1_ratio=0.5, C=0.4, class_weight=cw, tol=1e-10).fit(X_IRIS, Y_IRIS)
    theirs = saga(X_IRIS, Y_IRIS, l1_ratio=0.5, C=0.4, class_weight=cw)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)


def test_warm_start_continues_from_the_previous_fit():
    model = SoftmaxRegression(l1_ratio=0.5, C=0.4, tol=1e-10, warm_start=True)
    model.fit(X_IRIS, Y_IRIS)
    first = model.n_iter_[0]
    model.fit(X_IRIS, Y_IRIS)
    assert first > 0 and model.n_iter_[0] == 0


def test_inference_refuses_an_l1_fit():
    model = SoftmaxRegression(l1_ratio=0.5, C=0.4).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="L2 penalty only"):
        model.inference(X_IRIS, Y_IRIS)


def test_solvers_scikit_learn_refuses_with_l1_are_refused():
    for solver in ("lbfgs", "newton-cg", "newton-cholesky", "sag"):
        with pytest.raises(ValueError, match=f"Solver {solver} supports only 'l2'"):
            SoftmaxRegression(l1_ratio=1.0, solver=solver).fit(X_IRIS, Y_IRIS)
