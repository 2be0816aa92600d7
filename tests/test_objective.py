"""MultinomialLoss against scikit-learn's LinearModelLoss(HalfMultinomialLoss)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import MultinomialLoss


def problem(rng, n=300, d=7, K=4, sparse=False, dtype=np.float64, weighted=True):
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) < 0.7] = 0.0
        X = sp.csr_matrix(X)
    X = X.astype(dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, y, sw


def sklearn_loss(K, fit_intercept):
    return LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=fit_intercept)


def f_order(coef_shape):
    """Permutation taking scikit-learn's F-ordered flat index to ours (C order)."""
    return np.arange(np.prod(coef_shape)).reshape(coef_shape).ravel(order="F")


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_against_sklearn(sparse, fit_intercept, weighted, rng):
    X, y, sw = problem(rng, sparse=sparse, weighted=weighted)
    K, l2 = 4, 0.37
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept)
    lml = sklearn_loss(K, fit_intercept)
    sw_norm = (np.ones(len(y)) if sw is None else sw) / (len(y) if sw is None else sw.sum())
    coef = rng.normal(size=obj.coef_shape)
    loss, grad = obj.loss_gradient(coef)
    loss_sk, grad_sk = lml.loss_gradient(coef, X, y.astype(float), sw_norm, l2_reg_strength=l2)
    assert_allclose(loss, loss_sk, rtol=1e-12)
    assert_allclose(grad, grad_sk, rtol=1e-10, atol=1e-13)
    _, H_sk, _ = lml.gradient_hessian(coef, X, y.astype(float), sw_norm, l2_reg_strength=l2)
    perm = f_order(obj.coef_shape)
    assert_allclose(obj.hessian(coef)[np.ix_(perm, perm)], H_sk, rtol=1e-10, atol=1e-13)
    _, hessp_sk = lml.gradient_hessian_product(coef, X, y.astype(float), sw_norm, l2_reg_strength=l2)
    v = rng.normal(size=obj.coef_shape)
    assert_allclose(obj.hessp(coef)(v), hessp_sk(v), rtol=1e-10, atol=1e-13)


def test_score_space_matches_direct(rng):
    X, y, sw = problem(rng)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.1)
    coef = rng.normal(size=obj.coef_shape)
    Z = obj.scores(coef)
    assert_allclose(obj.loss_scores(Z, coef), obj.loss(coef), rtol=1e-14)
    l1, g1 = obj.loss_gradient_scores(Z, coef)
    l2, g2 = obj.loss_gradient(coef)
    assert_allclose(l1, l2, rtol=1e-14)
    assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


def test_bad_labels_and_shapes(rng):
    X, y, _ = problem(rng, n=10)
    with pytest.raises(ValueError, match="label 4"):
        MultinomialLoss(X, np.where(y == 0, 4, y), n_classes=4)
    with pytest.raises(ValueError, match="integer"):
        MultinomialLoss(X, y + 0.5)
    obj = MultinomialLoss(X, y, n_classes=4)
    with pytest.raises(ValueError, match="coef has shape"):
        obj.loss(np.zeros((3, 3)))


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
