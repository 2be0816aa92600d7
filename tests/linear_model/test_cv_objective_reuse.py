"""The path's one objective per fold: ``set_objective_l2`` gives a built
objective exactly what a new one at that strength computes, so the paths of
SoftmaxRegressionCV are the fits SoftmaxRegression makes at each C."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from softmax_ext import SoftmaxRegression
from softmax_ext.linear_model._liblinear import penalise_intercept
from softmax_ext.linear_model._path import fit_path
from softmax_ext.objective import build_objective
from softmax_ext.objective._penalty import set_objective_l2


def _data(n_classes, sparse=False):
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0, n_classes=n_classes,
                               random_state=0)
    return (sp.csr_matrix(X) if sparse else X), y


def _terms(obj, coef, v):
    loss, grad = obj.loss_gradient(coef)
    return [np.asarray(loss), np.asarray(grad), np.asarray(obj.hessp(coef)(v))]


@pytest.mark.parametrize("scaling", [None, 2.0])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_changed_strength_computes_what_a_new_objective_does(n_classes, scaling):
    X, y = _data(n_classes)
    reused = build_objective(X, y, n_classes=n_classes, l2=0.5)
    fresh = build_objective(X, y, n_classes=n_classes, l2=0.03)
    if scaling is not None:
        penalise_intercept(reused, scaling)
        penalise_intercept(fresh, scaling)
    assert set_objective_l2(reused, 0.03) is reused
    rng = np.random.default_rng(0)
    coef, v = rng.normal(size=(2,) + reused.coef_shape)
    for a, b in zip(_terms(reused, coef, v), _terms(fresh, coef, v)):
        # the same arithmetic on the same numbers: equal to rounding
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    assert reused.l2 == 0.03 and reused.regularizer.l2 == 0.03
    if n_classes == 2:
        assert reused.base.l2 == 0.03 and reused.base.regularizer is reused.regularizer


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf, "1", True])
def test_bad_strength_is_refused(bad):
    obj = build_objective(*_data(3), n_classes=3, l2=0.1)
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        set_objective_l2(obj, bad)
    assert obj.l2 == 0.1


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_path_points_are_the_estimators_fits(n_classes, sparse):
    X, y = _data(n_classes, sparse)
    Cs = np.array([10.0, 0.01, 0.3])  # any order: fitted in increasing C
    coefs, n_iter, _ = fit_path(X, y, n_classes, Cs, tol=1e-10, max_iter=500)
    assert np.all(n_iter >= 0)
    for C, w in zip(Cs, coefs):
        est = SoftmaxRegression(C=C, tol=1e-10, max_iter=500).fit(X, y)
        # both at a gradient norm <= 1e-10 of the same strongly convex objective
        np.testing.assert_allclose(w[:, :-1], est.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(w[:, -1], est.intercept_, rtol=1e-6, atol=1e-8)
