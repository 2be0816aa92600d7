"""solver="liblinear": liblinear's objective (intercept penalised through
intercept_scaling) against scikit-learn's liblinear itself, and its refusals."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from softmax_ext import SoftmaxRegression


def _data():
    X, y = make_classification(200, 8, random_state=0)
    X[:, 0] += 3.0  # an uncentred column: the intercept penalty matters
    return X, y


# liblinear at tol=1e-12 stops within ~1e-8 of the optimum (its own stopping
# rule); ours runs to max|grad| <= 1e-10: 1e-6 leaves room for both.
@pytest.mark.parametrize("kw", [
    {}, {"intercept_scaling": 10.0}, {"intercept_scaling": 0.3, "C": 0.1}, {"dual": True},
    {"l1_ratio": 1, "C": 0.5}, {"l1_ratio": 1, "C": 0.5, "intercept_scaling": 5.0},
    {"fit_intercept": False, "l1_ratio": 1}, {"class_weight": "balanced"},
])
@pytest.mark.parametrize("sparse", [False, True])
def test_liblinear_matches_liblinear(kw, sparse):
    X, y = _data()
    Xf = sp.csr_matrix(X) if sparse else X
    ref = LogisticRegression(solver="liblinear", tol=1e-12, max_iter=10_000, **kw).fit(X, y)
    ours = SoftmaxRegression(solver="liblinear", tol=1e-10, max_iter=1000, **kw).fit(Xf, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, np.broadcast_to(ref.intercept_, (1,)), atol=1e-6)
    assert ours.coef_.dtype == np.float64


def test_liblinear_penalises_the_intercept():
    X, y = _data()
    free = SoftmaxRegression(solver="lbfgs", C=0.01, tol=1e-10).fit(X, y)
    lib = SoftmaxRegression(solver="liblinear", C=0.01, tol=1e-10).fit(X, y)
    assert abs(lib.intercept_[0]) < abs(free.intercept_[0])


def test_liblinear_float32_gives_float64():
    X, y = _data()
    ours = SoftmaxRegression(solver="liblinear", tol=1e-8).fit(X.astype(np.float32), y)
    ref = LogisticRegression(solver="liblinear", tol=1e-12, max_iter=10_000).fit(X, y)
    assert ours.coef_.dtype == np.float64
    # float32 data: its rounding (eps 1.2e-7) moves the optimum by ~1e-6
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


@pytest.mark.parametrize("kw, match", [
    ({"C": np.inf}, "not supported for the liblinear solver"),
    ({"l1_ratio": 0.5}, "Only 'saga' solver supports elasticnet"),
    ({"l1_ratio": 1, "dual": True}, "penalty='l1' and loss='logistic_regression'"),
])
def test_liblinear_refusals(kw, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        SoftmaxRegression(solver="liblinear", **kw).fit(X, y)


def test_liblinear_refuses_multiclass_large_values_int64():
    X, y = _data()
    with pytest.raises(ValueError, match="does not support multiclass"):
        SoftmaxRegression(solver="liblinear").fit(X, np.arange(200) % 3)
    with pytest.raises(ValueError, match="maximum value > 1e30"):
        SoftmaxRegression(solver="liblinear").fit(np.array([[0.0], [1e100]]), [0, 1])
    Xs = sp.csr_matrix(X)
    Xs.indices, Xs.indptr = Xs.indices.astype(np.int64), Xs.indptr.astype(np.int64)
    for solver in ("liblinear", "sag", "saga"):
        with pytest.raises(ValueError, match="32-bit integer indices"):
            SoftmaxRegression(solver=solver).fit(Xs, y)
    SoftmaxRegression(solver="lbfgs").fit(Xs, y)


@pytest.mark.parametrize("solver, match", [
    ("liblinear", "Liblinear failed to converge"),
    ("sag", "The max_iter was reached which means the coef_ did not converge"),
    ("saga", "The max_iter was reached which means the coef_ did not converge"),
])
def test_convergence_wording(solver, match):
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match=match):
        SoftmaxRegression(solver=solver, max_iter=1, tol=1e-15).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SoftmaxRegression(solver=solver, tol=1e-6).fit(X, y)


def test_intercept_penalty_derivatives():
    """Penalty(intercept_scaling=s): value (l2/2)(|W|^2 + |b|^2/s^2), its gradient by
    central differences (exact for a quadratic up to rounding), Hessian and line terms."""
    from softmax_ext.objective._penalty import Penalty

    rng = np.random.default_rng(0)
    pen = Penalty(0.7, 3, 4, intercept_scaling=2.5)
    coef, D = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    W, b = coef[:, :3], coef[:, 3]
    assert pen.value(coef) == pytest.approx(0.35 * (np.sum(W**2) + np.sum(b**2) / 6.25))
    grad = pen.add_gradient(coef, np.zeros_like(coef))
    h = 1e-6
    fd = np.array([(pen.value(coef + h * E) - pen.value(coef - h * E)) / (2 * h)
                   for E in np.eye(8).reshape(8, 2, 4)]).reshape(2, 4)
    np.testing.assert_allclose(grad, fd, rtol=1e-7, atol=1e-9)
    H = pen.add_hessian(np.zeros((8, 8)))
    np.testing.assert_allclose(H @ D.ravel(), pen.add_hessp(D, np.zeros_like(D)).ravel())
    first, second = pen.line_terms(coef, D)
    val, slope = pen.along_line(coef, D, 0.3)
    assert val == pytest.approx(pen.value(coef) + 0.3 * first + 0.045 * second)
    assert slope == pytest.approx(first + 0.3 * second)
    assert pen.unpenalised_columns().size == 0
    assert pen.for_features(2).intercept_l1_factor == pytest.approx(0.4)
