"""FixedClassLoss, the reference-class parametrisation, next to the symmetric one:
``symmetric``, ``null_columns`` and ``center``."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from objective_cases import problem
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import FixedClassLoss, MultinomialLoss


def test_fixed_class_two_classes_is_binary_logistic(rng):
    """FixedClassLoss(K=2, fixed=0) is scikit-learn's binary logistic objective."""
    from sklearn._loss.loss import HalfBinomialLoss

    from softmax_ext import FixedClassLoss

    X, _, sw = problem(rng)
    y = rng.integers(0, 2, size=X.shape[0])
    obj = FixedClassLoss(MultinomialLoss(X, y, sample_weight=sw, l2=0.2), fixed=0)
    lml = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    coef = rng.normal(size=obj.coef_shape)
    loss, grad = obj.loss_gradient(coef)
    loss_sk, grad_sk = lml.loss_gradient(coef.ravel(), X, y.astype(float), sw / sw.sum(), l2_reg_strength=0.2)
    assert_allclose(loss, loss_sk, rtol=1e-12)
    assert_allclose(grad.ravel(), grad_sk, rtol=1e-10, atol=1e-14)
    _, H_sk, _ = lml.gradient_hessian(coef.ravel(), X, y.astype(float), sw / sw.sum(), l2_reg_strength=0.2)
    assert_allclose(obj.hessian(coef), H_sk, rtol=1e-10, atol=1e-14)
    v = rng.normal(size=obj.coef_shape)
    assert_allclose(obj.hessp(coef)(v).ravel(), obj.hessian(coef) @ v.ravel(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_symmetric_parametrisation_and_its_null_columns(l2, fit_intercept, rng):
    X, y, sw = problem(rng, n=60, d=4)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept)
    fixed = FixedClassLoss(obj, fixed=1)
    assert obj.symmetric and not fixed.symmetric
    p = obj.coef_shape[1]
    expected = np.arange(p) if l2 == 0.0 else np.arange(4, p)   # the intercept, if any
    np.testing.assert_array_equal(obj.null_columns(), expected)
    assert fixed.null_columns().size == 0
    # shifting every class along a null column changes nothing; center removes the shift
    coef = rng.normal(size=obj.coef_shape)
    shifted = coef.copy()
    shifted[:, expected] += rng.normal(size=expected.size)
    assert_allclose(obj.loss(shifted), obj.loss(coef), rtol=1e-12)
    assert_allclose(obj.center(shifted.ravel()), obj.center(coef.ravel()), atol=1e-12)
    centred = obj.center(coef.ravel()).reshape(obj.coef_shape)
    assert_allclose(centred[:, expected].sum(axis=0), 0.0, atol=1e-12)
    flat = rng.normal(size=int(np.prod(fixed.coef_shape)))
    assert fixed.center(flat) is flat


def test_single_class_has_no_null_columns(rng):
    X, _, _ = problem(rng, n=10)
    obj = MultinomialLoss(X, np.zeros(10, dtype=int))
    assert obj.null_columns().size == 0


def test_fixed_class_asks_the_base_for_passes_over_X(rng):
    X, y, sw = problem(rng, n=80, d=5)
    base = MultinomialLoss(X, y, sample_weight=sw)
    fixed = FixedClassLoss(base)
    second, mean = fixed.feature_moments()
    assert_allclose(mean, sw @ X / sw.sum(), rtol=1e-12)
    assert_allclose(second, sw @ X ** 2 / sw.sum(), rtol=1e-12)
    A = fixed.feature_gram()
    assert_allclose(A[:5, :5], (X * sw[:, None]).T @ X / sw.sum(), rtol=1e-12)
    assert base.n_passes_over_X == fixed.n_passes_over_X == 2
