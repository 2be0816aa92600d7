"""SoftmaxRegression against scikit-learn's LogisticRegression, and its behaviour as an estimator.

Parity: both estimators minimise the same strictly convex objective (for
C < inf, or C = inf on non-separable binary data), so with tight tolerances
the minimisers agree.  The reference is LogisticRegression(solver="newton-cg",
tol=1e-10): a Newton method converges quadratically, so its coefficients are
accurate far beyond the 1e-5 relative we require (scikit-learn's own lbfgs
stops on a relative decrease of the loss of 64 eps and is only good to a few
1e-6 on digits, which is why it is not the reference).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from softmax_ext.linear_model import SoftmaxRegression

# the autouse fixture too: pytest uses the fixtures a test module holds
from estimator_cases import (  # noqa: F401
    SOLVERS, COEF_RTOL, PROBA_ATOL, OUR_TOL, OUR_MAX_ITER, OUR_N_THREADS, dataset, DATASETS,
    reference, ours, assert_same_model, _single_threaded_blas)


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
    import softmax_ext.objective._build as mod

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


@pytest.mark.parametrize("form", ["dense", "float32", "csr", "binary", "no intercept"])
def test_decision_function_by_the_kernel_is_the_product(form):
    """The scores kernel against X @ coef_.T + intercept_ in float64 (float32
    X: 20 products summed in float32 by both, rounded apart at ~1e-6)."""
    X, y = make_classification(300, 20, n_informative=6, n_classes=2 if form == "binary" else 4,
                               random_state=3)
    X = X.astype(np.float32) if form == "float32" else X
    X = sp.csr_matrix(np.where(np.abs(X) > 0.8, X, 0.0)) if form == "csr" else X
    est = SoftmaxRegression(fit_intercept=form != "no intercept").fit(X, y)
    Xd = X.toarray() if sp.issparse(X) else X
    expected = (Xd.astype(np.float64) @ est.coef_.T.astype(np.float64)
                + est.intercept_.astype(np.float64))
    expected = expected.ravel() if form == "binary" else expected
    scores = est.decision_function(X)
    assert scores.dtype == X.dtype and scores.shape == expected.shape
    tol = 1e-5 if form == "float32" else 1e-12
    assert_allclose(scores, expected, rtol=tol, atol=tol)
    assert_allclose(est.predict_proba(X).sum(axis=1), 1.0, rtol=tol)


def test_decision_function_where_the_kernel_does_not_apply():
    """A sparsified coef_ and X of another dtype than coef_ are multiplied as
    scikit-learn multiplies them (float32 X on a float64 model: float64 scores)."""
    X, y = make_classification(200, 8, n_informative=4, n_classes=3, random_state=0)
    est = SoftmaxRegression().fit(X, y)
    dense = est.decision_function(X)
    scores32 = est.decision_function(X.astype(np.float32))
    assert scores32.dtype == np.float64
    assert_allclose(scores32, X.astype(np.float32) @ est.coef_.T + est.intercept_, rtol=1e-12)
    est.sparsify()
    assert sp.issparse(est.coef_)
    assert_allclose(est.decision_function(X), dense, rtol=1e-12, atol=1e-12)
