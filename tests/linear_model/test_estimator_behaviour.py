"""SoftmaxRegression as an estimator: its attributes, labels and weights, threads,
warm start, and its use in pickles, pipelines and searches (against
LogisticRegression where it has the same behaviour).
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import LinAlgWarning
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_ext.linear_model import SoftmaxRegression

# the autouse fixture too: pytest uses the fixtures a test module holds
from estimator_cases import (  # noqa: F401
    COEF_RTOL, PROBA_ATOL, OUR_TOL, OUR_MAX_ITER, OUR_N_THREADS, dataset, reference,
    _single_threaded_blas)


# ----------------------------------------------------------------- attributes
@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_attributes_like_logistic_regression(name, fit_intercept):
    X, y = dataset(name)
    est = SoftmaxRegression(fit_intercept=fit_intercept, max_iter=1000).fit(X, y)
    ref = LogisticRegression(fit_intercept=fit_intercept, max_iter=1000).fit(X, y)
    for attr in ("coef_", "intercept_", "classes_"):
        assert getattr(est, attr).shape == getattr(ref, attr).shape, attr
    assert est.n_iter_.shape == (1,) and est.n_iter_.dtype == np.int32
    assert 0 < est.n_iter_[0] <= 1000
    assert est.n_features_in_ == X.shape[1]
    assert est.decision_function(X).shape == ref.decision_function(X).shape
    assert est.predict_proba(X).shape == (X.shape[0], len(ref.classes_))
    assert est.score(X, y) == pytest.approx(ref.score(X, y), abs=2 / len(y))


def test_binary_decision_function_and_proba_are_logistic():
    X, y = dataset("breast_cancer")
    est = SoftmaxRegression().fit(X, y)
    z = est.decision_function(X)
    assert z.ndim == 1
    assert_allclose(z, X @ est.coef_[0] + est.intercept_[0], rtol=1e-12, atol=1e-12)
    p = est.predict_proba(X)
    assert_allclose(p[:, 1], 1.0 / (1.0 + np.exp(-z)), rtol=1e-12, atol=1e-15)
    assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    assert_array_equal(est.predict(X), est.classes_[(z > 0).astype(int)])


@pytest.mark.parametrize("name", ["breast_cancer", "digits"])
def test_log_proba_matches_log_of_proba(name):
    X, y = dataset(name)
    est = SoftmaxRegression(C=1e4, max_iter=500, n_threads=OUR_N_THREADS).fit(X, y)
    logp = est.predict_log_proba(X)
    p = est.predict_proba(X)
    mask = p > 1e-300  # log of an underflowed probability is -inf; log_softmax is not
    assert_allclose(logp[mask], np.log(p[mask]), rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(logp))


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = dataset("iris")
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = SoftmaxRegression().fit(df, y)
    assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X)


@pytest.mark.parametrize("labels", [
    np.array(["setosa", "versicolor", "virginica"], dtype=object),
    np.array([-5, 10, 1000]),
    np.array([1.0, 3.0, -2.0]),
    np.array([True, False]),
])
def test_arbitrary_labels(labels):
    X, y = dataset("iris")
    if len(labels) == 2:
        y = (y > 0).astype(int)
    y_lab = labels[y]
    est = SoftmaxRegression(tol=OUR_TOL, max_iter=OUR_MAX_ITER).fit(X, y_lab)
    ref = LogisticRegression(tol=1e-10, max_iter=1000, solver="newton-cg").fit(X, y_lab)
    assert_array_equal(est.classes_, ref.classes_)
    assert_array_equal(est.predict(X), ref.predict(X))
    assert est.predict(X).dtype == ref.predict(X).dtype
    assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=PROBA_ATOL)


def test_class_weight_is_sample_weight():
    X, y = dataset("wine")
    cw = {0: 0.5, 1: 2.0, 2: 1.5}
    a = SoftmaxRegression(class_weight=cw, tol=OUR_TOL).fit(X, y)
    b = SoftmaxRegression(tol=OUR_TOL).fit(X, y, sample_weight=np.array([cw[c] for c in y]))
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)


def test_zero_weight_equals_removal_and_integer_weight_equals_repetition():
    X, y = dataset("iris")
    sw = np.ones(len(y))
    sw[:20] = 0
    sw[-10:] = 3
    a = SoftmaxRegression(tol=OUR_TOL).fit(X, y, sample_weight=sw)
    keep = np.repeat(np.arange(len(y)), sw.astype(int))
    b = SoftmaxRegression(tol=OUR_TOL).fit(X[keep], y[keep])
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-6, atol=1e-7)


def test_inputs_not_modified():
    X, y = dataset("wine")
    X = X.copy()
    y = y.copy()
    sw = np.linspace(0.1, 1, len(y))
    copies = X.copy(), y.copy(), sw.copy()
    est = SoftmaxRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
    est.predict_proba(X)
    for a, b in zip((X, y, sw), copies):
        assert_array_equal(a, b)


def test_multiclass_intercepts_are_centred():
    X, y = dataset("dense_multi")
    est = SoftmaxRegression(max_iter=500).fit(X, y)
    assert abs(est.intercept_.sum()) < 1e-10
    assert_allclose(est.coef_.sum(axis=0), 0.0, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), d=st.integers(1, 5), k=st.integers(2, 5),
       log_scale=st.integers(-6, 6), dtype=st.sampled_from([np.float32, np.float64]),
       sparse=st.booleans(), fit_intercept=st.booleans(),
       C=st.sampled_from([1e-6, 1.0, 1e6]), seed=st.integers(0, 2**31 - 1))
def test_property_valid_problems(n, d, k, log_scale, dtype, sparse, fit_intercept, C, seed):
    """Any small well-formed problem, at any feature scale: finite model, shapes,
    probabilities that sum to one and agree with predict and the log-probabilities."""
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, d)) * 10.0 ** log_scale).astype(dtype)
    y = rng.integers(0, k, size=n)
    y[:2] = [0, 1]
    if sparse:
        X = sp.csr_matrix(X * (rng.random(X.shape) < 0.5))
    with warnings.catch_warnings():
        # max_iter=50 on any scale, and newton-cholesky's scikit-learn warning when a
        # drawn problem's Hessian is singular (it falls back to lbfgs): both expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", LinAlgWarning)
        est = SoftmaxRegression(C=C, fit_intercept=fit_intercept, max_iter=50).fit(X, y)
    k_seen = len(np.unique(y))
    assert est.coef_.shape == (1 if k_seen == 2 else k_seen, d)
    assert est.coef_.dtype == dtype
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    P = est.predict_proba(X)
    assert P.shape == (n, k_seen) and np.all(P >= 0)
    assert_allclose(P.sum(axis=1), 1.0, rtol=16 * np.finfo(dtype).eps)
    logP = est.predict_log_proba(X)
    assert logP.shape == P.shape and np.all(logP <= 0) and np.all(np.isfinite(logP))
    normal = P > 1e6 * np.finfo(dtype).tiny  # log of an underflowed probability is not kept
    assert_allclose(logP[normal], np.log(P[normal]), rtol=1e-4, atol=64 * np.finfo(dtype).eps)
    pred = est.predict(X)
    assert set(pred) <= set(est.classes_)
    top = P[np.arange(n), np.searchsorted(est.classes_, pred)]
    assert np.all(top >= P.max(axis=1) - 8 * np.finfo(dtype).eps)


# ----------------------------------------------------------------- threads
@pytest.mark.parametrize("name, tol", [("digits", 1e-4), ("breast_cancer", 1e-8),
                                       ("sparse_multi", 1e-8)])
def test_n_threads_one_vs_default(name, tol):
    X, y = dataset(name)
    a = SoftmaxRegression(n_threads=1, max_iter=500, tol=tol).fit(X, y)
    b = SoftmaxRegression(max_iter=500, tol=tol).fit(X, y)
    assert_array_equal(a.predict(X), b.predict(X))
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)
    # Same model, predictions with the other thread count: identical up to rounding.
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9, atol=1e-12)
    b.set_params(n_threads=1)
    p1 = b.predict_proba(X)
    b.set_params(n_threads=None)
    assert_allclose(b.predict_proba(X), p1, rtol=1e-14, atol=0)


# ----------------------------------------------------------------- warm start
@pytest.mark.parametrize("name", ["wine", "breast_cancer"])
def test_warm_start_reuses_coefficients(name):
    X, y = dataset(name)
    est = SoftmaxRegression(warm_start=True, tol=1e-8, max_iter=1000).fit(X, y)
    first = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_[0] <= 1  # already optimal
    assert_allclose(est.coef_, first, rtol=1e-6, atol=1e-8)
    # A warm start from a good point needs fewer iterations than a cold one.
    cold = SoftmaxRegression(C=2.0, tol=1e-8, max_iter=1000).fit(X, y)
    est.set_params(C=2.0).fit(X, y)
    assert est.n_iter_[0] < cold.n_iter_[0]
    assert_allclose(est.coef_, cold.coef_, rtol=1e-5, atol=1e-5 * np.abs(cold.coef_).max())


def test_warm_start_with_changed_classes_like_sklearn():
    """Same number of classes, other labels: reused.  Different number: the
    same ValueError as scikit-learn's."""
    X, y = dataset("iris")
    est = SoftmaxRegression(warm_start=True, max_iter=500).fit(X, y)
    est.fit(X, np.array(["a", "b", "c"])[y])
    assert_array_equal(est.classes_, ["a", "b", "c"])
    ref = LogisticRegression(warm_start=True).fit(X, y)
    yb = (y > 0).astype(int)
    with pytest.raises(ValueError, match="Initialization coef is of shape") as ours_err:
        est.fit(X, yb)
    with pytest.raises(ValueError, match="Initialization coef is of shape") as ref_err:
        ref.fit(X, yb)
    assert str(ref_err.value) in str(ours_err.value)
    # Without warm_start the same refit works.
    est.set_params(warm_start=False).fit(X, yb)
    assert est.coef_.shape == (1, 4)


def test_failed_refit_leaves_the_fitted_model_intact():
    X, y = dataset("iris")
    est = SoftmaxRegression(warm_start=True, max_iter=500).fit(X, y)
    before = est.predict_proba(X)
    state = {k: v for k, v in vars(est).items() if k.endswith("_")}
    with pytest.raises(ValueError, match="Initialization coef"):
        est.fit(X[:, :3], y)  # warm start from 4 features to 3
    with pytest.raises(ValueError, match="only one class"):
        est.fit(X[:, :2], np.zeros(len(y)))
    assert {k: v for k, v in vars(est).items() if k.endswith("_")}.keys() == state.keys()
    assert est.n_features_in_ == 4
    assert_array_equal(est.predict_proba(X), before)
    fresh = SoftmaxRegression()
    with pytest.raises(ValueError):
        fresh.fit(X, np.zeros(len(y)))
    assert not hasattr(fresh, "n_features_in_")
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_warm_start_when_fit_intercept_changes():
    X, y = dataset("wine")
    est = SoftmaxRegression(warm_start=True, fit_intercept=False, tol=OUR_TOL).fit(X, y)
    est.set_params(fit_intercept=True).fit(X, y)
    ref = reference("wine")
    assert_allclose(est.coef_, ref.coef_, rtol=COEF_RTOL, atol=COEF_RTOL)


# ----------------------------------------------------------------- integration
def test_pickle_roundtrip():
    X, y = dataset("dense_multi")
    est = SoftmaxRegression().fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    assert_array_equal(clone.coef_, est.coef_)
    assert_array_equal(clone.predict_proba(X), est.predict_proba(X))
    assert clone.get_params() == est.get_params()


@pytest.mark.parametrize("name", ["dense_binary", "dense_multi", "sparse_multi"])
def test_sparsify_densify_like_logistic_regression(name):
    # LogisticRegression's SparseCoefMixin: coef_ to CSR and back, predictions
    # unchanged; a sparsified model still warm-starts and gives inference
    X, y = dataset(name)
    est = SoftmaxRegression(C=10.0, tol=1e-8, warm_start=True).fit(X, y)
    proba, scores, labels = est.predict_proba(X), est.decision_function(X), est.predict(X)
    dense = est.coef_.copy()
    assert est.sparsify() is est and sp.issparse(est.coef_)
    assert_allclose(est.predict_proba(X), proba, rtol=1e-12, atol=1e-15)
    assert_allclose(est.decision_function(X), scores, rtol=1e-12, atol=1e-12)
    assert_array_equal(est.predict(X), labels)
    res = est.inference(X, y)
    assert np.all(np.isfinite(res.params))
    est.fit(X, y)  # warm start from the sparse coef_
    assert not sp.issparse(est.coef_) and est.n_iter_[0] <= 1
    est.sparsify()
    assert est.densify() is est and isinstance(est.coef_, np.ndarray)
    assert_allclose(est.coef_, dense, rtol=1e-6, atol=1e-8)


def test_pipeline_gridsearch_cross_val_score_match_sklearn():
    X, y = load_wine(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ours_pipe = make_pipeline(StandardScaler(), SoftmaxRegression(tol=OUR_TOL,
                                                                  max_iter=OUR_MAX_ITER))
    ref_pipe = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=1000,
                                                                  solver="newton-cg"))
    assert_allclose(cross_val_score(ours_pipe, X, y, cv=cv),
                    cross_val_score(ref_pipe, X, y, cv=cv))
    grid = {"softmaxregression__C": [0.01, 1.0, 100.0]}
    gs = GridSearchCV(ours_pipe, grid, cv=cv, scoring="neg_log_loss").fit(X, y)
    ref_grid = {"logisticregression__C": grid["softmaxregression__C"]}
    ref_gs = GridSearchCV(ref_pipe, ref_grid, cv=cv, scoring="neg_log_loss").fit(X, y)
    assert_allclose(gs.cv_results_["mean_test_score"], ref_gs.cv_results_["mean_test_score"],
                    rtol=1e-6)
    assert gs.best_params_["softmaxregression__C"] == ref_gs.best_params_[
        "logisticregression__C"]


def test_convergence_warning_names_iterations():
    X, y = dataset("digits")
    with pytest.warns(ConvergenceWarning, match="iteration"):
        est = SoftmaxRegression(max_iter=2, solver="lbfgs").fit(X, y)
    assert est.n_iter_[0] <= 2


def test_max_iter_zero_gives_zero_model():
    X, y = dataset("iris")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SoftmaxRegression(max_iter=0).fit(X, y)
    assert_array_equal(est.coef_, 0.0)
    assert_allclose(est.predict_proba(X), 1 / 3)
