"""SoftmaxRegression against scikit-learn's LogisticRegression, and its behaviour as an estimator.

Parity: both estimators minimise the same strictly convex objective (for
C < inf, or C = inf on non-separable binary data), so with tight tolerances
the minimisers agree.  The reference is LogisticRegression(solver="newton-cg",
tol=1e-10): a Newton method converges quadratically, so its coefficients are
accurate far beyond the 1e-5 relative we require (scikit-learn's own lbfgs
stops on a relative decrease of the loss of 64 eps and is only good to a few
1e-6 on digits, which is why it is not the reference).
"""

import functools
import pickle
import re
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
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from softmax_ext.estimator import SoftmaxRegression

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


# ----------------------------------------------------------------- parity
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", DATASETS)
def test_parity_with_logistic_regression(name, solver, fit_intercept):
    est = ours(name, solver, fit_intercept)
    ref = reference(name, fit_intercept)
    assert_same_model(est, ref, dataset(name)[0])
    if not fit_intercept:
        assert_array_equal(est.intercept_, np.zeros_like(est.intercept_))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name, weights", [
    ("wine", "sample_weight"), ("breast_cancer", "balanced"),
    ("sparse_multi", "dict+sample_weight"), ("dense_binary", "dict+sample_weight"),
    ("sparse_binary", "sample_weight"), ("dense_multi", "balanced"),
])
def test_parity_with_weights(name, solver, weights):
    est = ours(name, solver, weights=weights)
    assert_same_model(est, reference(name, weights=weights), dataset(name)[0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name, C", [
    ("wine", 1e-3), ("breast_cancer", 100.0), ("sparse_binary", 1e-3), ("iris", 100.0),
    ("dense_multi", 0.1),
])
def test_parity_over_C(name, solver, C):
    est = ours(name, solver, C=C)
    assert_same_model(est, reference(name, C=C), dataset(name)[0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ["dense_binary", "sparse_binary"])
def test_parity_no_penalty_binary(name, solver):
    """C=inf on non-separable binary data: a unique optimum, coefficients compared."""
    est = ours(name, solver, C=np.inf)
    assert_same_model(est, reference(name, C=np.inf), dataset(name)[0])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", ["dense_multi", "sparse_multi"])
def test_parity_no_penalty_multiclass(name, solver):
    """C=inf multinomial: the coefficients are determined only up to a common
    shift of every class, so the model (its probabilities) is compared; after
    centring over classes (which we do, as scikit-learn's iterates do) the
    coefficients agree as well."""
    X = dataset(name)[0]
    est = ours(name, solver, C=np.inf)
    ref = reference(name, C=np.inf)
    assert_same_model(est, ref, X, check_coef=False)
    assert_allclose(est.coef_.sum(axis=0), 0.0, atol=1e-10 * np.abs(est.coef_).max())
    centred = ref.coef_ - ref.coef_.mean(axis=0)
    assert_allclose(est.coef_, centred, rtol=1e-4, atol=1e-4 * np.abs(centred).max())


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_no_penalty_rank_deficient_X_gives_the_gradient_methods_solution(solver, n_classes):
    """C=inf with collinear columns (make_classification's redundant features):
    the optimum is a set (any move along the null space of X keeps every
    probability).  scikit-learn's solvers, started at zero, stay in the row
    space of X and end at the one optimum there; every solver of ours must too
    (newton-cholesky amplified gradient rounding along the null space and
    ended 50% away, with the same probabilities)."""
    X, y = make_classification(1500, 30, n_informative=15, n_redundant=2,
                               n_classes=n_classes, flip_y=0.1, random_state=n_classes)
    X = np.c_[X, np.full(len(y), 3.0)]  # and a constant column, collinear with the intercept
    assert np.linalg.matrix_rank(X) == 29
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000, solver="newton-cg")
    ref.fit(X, y)
    est = SoftmaxRegression(C=np.inf, tol=OUR_TOL, max_iter=OUR_MAX_ITER, solver=solver,
                            n_threads=OUR_N_THREADS).fit(X, y)
    assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=PROBA_ATOL)
    assert_allclose(est.coef_, ref.coef_, rtol=COEF_RTOL,
                    atol=COEF_RTOL * np.abs(ref.coef_).max())
    assert_allclose(est.intercept_, ref.intercept_, rtol=COEF_RTOL,
                    atol=COEF_RTOL * np.abs(ref.intercept_).max())


def test_no_penalty_multiclass_against_statsmodels():
    """An independent oracle: statsmodels' MNLogit (maximum likelihood, reference-class
    parametrisation) gives the same probabilities as the unpenalised fit."""
    sm = pytest.importorskip("statsmodels.api")
    X, y = dataset("dense_multi")
    y_enc = np.unique(y, return_inverse=True)[1]
    with warnings.catch_warnings():
        # statsmodels' Newton stops on the step size, which oscillates at rounding
        # level after convergence; the gradient (score) is checked instead.
        warnings.simplefilter("ignore")
        res = sm.MNLogit(y_enc, sm.add_constant(X)).fit(method="newton", maxiter=50,
                                                         tol=1e-12, disp=0)
    assert np.max(np.abs(res.mle_retvals["score"])) < 1e-12
    est = SoftmaxRegression(C=np.inf, tol=OUR_TOL, max_iter=OUR_MAX_ITER,
                            n_threads=OUR_N_THREADS).fit(X, y)
    assert_allclose(est.predict_proba(X), res.predict(sm.add_constant(X)), atol=PROBA_ATOL)
    # Reference-class coefficients: differences to class 0.
    ours_diff = (est.coef_[1:] - est.coef_[0]).T
    assert_allclose(ours_diff, np.asarray(res.params)[1:], rtol=1e-5,
                    atol=1e-5 * np.abs(ours_diff).max())


def test_verbose_reports_iterations(capsys):
    X, y = dataset("iris")
    SoftmaxRegression(verbose=1, solver="lbfgs", n_threads=OUR_N_THREADS).fit(X, y)
    out = capsys.readouterr().out
    assert "lbfgs" in out and "iter" in out
    SoftmaxRegression(verbose=0, n_threads=OUR_N_THREADS).fit(X, y)
    assert capsys.readouterr().out == ""


def test_sparse_and_dense_give_the_same_model():
    X, y = dataset("sparse_multi")
    a = SoftmaxRegression(tol=OUR_TOL, max_iter=OUR_MAX_ITER, n_threads=OUR_N_THREADS).fit(X, y)
    b = SoftmaxRegression(tol=OUR_TOL, max_iter=OUR_MAX_ITER,
                          n_threads=OUR_N_THREADS).fit(X.toarray(), y)
    # Two fits to a gradient of 1e-10 from differently rounded products: the
    # coefficients agree to about tol / (smallest Hessian eigenvalue, >= 1/(C n)).
    assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()), rtol=1e-6, atol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # max_iter=5
@pytest.mark.parametrize("kind", ["float64", "float32", "csr64", "csr32", "csr-int64-indices"])
def test_X_is_not_copied(kind, monkeypatch):
    """The objective works on the caller's X: dense C-ordered float32/float64 and
    CSR (also with int64 indices) reach it without a copy."""
    import softmax_ext.estimator as mod

    seen = []

    class Spy(mod.MultinomialLoss):
        def __init__(self, X, *args, **kwargs):
            super().__init__(X, *args, **kwargs)
            seen.append(self.X)

    monkeypatch.setattr(mod, "MultinomialLoss", Spy)
    X, y = dataset("sparse_multi")
    dtype = np.float32 if kind.endswith("32") else np.float64
    X = X.astype(dtype) if kind.startswith("csr") else np.ascontiguousarray(X.toarray(), dtype)
    if kind == "csr-int64-indices":
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    SoftmaxRegression(max_iter=5, n_threads=OUR_N_THREADS).fit(X, y)
    (Xo,) = seen
    if sp.issparse(X):
        assert Xo.format == "csr" and Xo.dtype == X.dtype
        assert np.shares_memory(Xo.data, X.data) and np.shares_memory(Xo.indices, X.indices)
    else:
        assert Xo.dtype == X.dtype and np.shares_memory(Xo, X)


@pytest.mark.parametrize("fmt", ["csc", "coo"])
def test_other_sparse_formats_are_accepted(fmt):
    X, y = dataset("sparse_binary")
    a = SoftmaxRegression(tol=OUR_TOL, n_threads=OUR_N_THREADS).fit(X, y)
    b = SoftmaxRegression(tol=OUR_TOL, n_threads=OUR_N_THREADS).fit(X.asformat(fmt), y)
    assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(b.predict_proba(X.asformat(fmt)), a.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_float32_stays_float32_and_is_close(name):
    """float32 X: coefficients are float32 and close to the float64 optimum.

    The objective and gradient are evaluated in float32 (accumulated in
    double), so the gradient is only known to ~1e-6 relative and the fit
    cannot be tightened below that: tol=1e-5, and the coefficients are
    compared at 1e-3 relative (gradient error / smallest Hessian eigenvalue,
    which is >= 1 / (C n) ~ 2e-3 on breast cancer), the probabilities at 2e-3.
    """
    X, y = dataset(name)
    X32 = X.astype(np.float32)
    est = SoftmaxRegression(tol=1e-5, max_iter=10_000).fit(X32, y)
    ref = reference(name)
    assert est.coef_.dtype == np.float32 and est.intercept_.dtype == np.float32
    assert est.predict_proba(X32).dtype == np.float32
    scale = np.abs(ref.coef_).max()
    assert_allclose(est.coef_, ref.coef_, rtol=1e-3, atol=1e-3 * scale)
    assert_allclose(est.predict_proba(X32), ref.predict_proba(X), atol=2e-3)


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
        warnings.simplefilter("ignore", ConvergenceWarning)
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
    ({"solver": "liblinear"}, "The 'solver' parameter of SoftmaxRegression must be a str "
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

    from softmax_ext.estimator import SoftmaxRegression

    X, y = load_iris(return_X_y=True)
    model = SoftmaxRegression(solver="lbfgs", max_iter=500).fit(X, y)
    assert model.n_passes_over_X_ >= 2 * int(model.n_iter_[0])
