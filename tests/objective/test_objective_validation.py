"""What the objective and its bindings accept and refuse: labels, shapes, dtypes."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from objective_cases import problem

from softmax_ext import FixedClassLoss, MultinomialLoss
from softmax_ext._ext import lossgrad as _lossgrad


def test_bad_labels_and_shapes(rng):
    X, y, _ = problem(rng, n=10)
    with pytest.raises(ValueError, match="label 4"):
        MultinomialLoss(X, np.where(y == 0, 4, y), n_classes=4)
    with pytest.raises(ValueError, match="integer"):
        MultinomialLoss(X, y + 0.5)
    obj = MultinomialLoss(X, y, n_classes=4)
    with pytest.raises(ValueError, match="coef has shape"):
        obj.loss(np.zeros((3, 3)))

def test_bad_labels_without_n_classes(rng):
    # n_classes is inferred from max(y): bad labels must be caught first, as a
    # ValueError naming the value (inf gave an OverflowError)
    X, y, _ = problem(rng, n=10)
    for bad, shown in [(np.inf, "inf"), (np.nan, "nan"), (-1, "-1"), (2.5, "2.5")]:
        yb = y.astype(float)
        yb[3] = bad
        with pytest.raises(ValueError, match=shown):
            MultinomialLoss(X, yb)
    with pytest.raises(ValueError, match="n_classes"):
        MultinomialLoss(X, y, n_classes=True)
    with pytest.raises(ValueError, match="integer class labels"):
        MultinomialLoss(X, np.array(["a", "b"])[y % 2])
    with pytest.raises(ValueError, match="integer class labels"):
        MultinomialLoss(X, np.array(["a", "b"])[y % 2], n_classes=2)
    Xc = sp.csr_matrix(X).astype(complex)
    with pytest.raises(TypeError, match="complex"):
        MultinomialLoss(Xc, y)

@pytest.mark.parametrize("fixed", [False, True])
def test_gradient_and_hessp_have_shape_and_dtype_of_coef(fixed, rng):
    # the API contract: "the gradient with the shape and dtype of coef"; a
    # flat coef (as scipy.optimize passes it) gets a flat gradient
    X, y, sw = problem(rng, n=50)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.1)
    if fixed:
        obj = FixedClassLoss(obj)
    coef = rng.normal(size=obj.coef_shape)
    loss, grad = obj.loss_gradient(coef)
    for given in [coef.ravel(), coef.astype(np.float32), coef.ravel().tolist()]:
        loss_g, grad_g = obj.loss_gradient(given)
        assert grad_g.shape == np.shape(given)
        expected_dtype = np.float32 if np.asarray(given).dtype == np.float32 else np.float64
        assert grad_g.dtype == expected_dtype
        assert_allclose(grad_g.ravel(), grad.ravel(), rtol=1e-6, atol=1e-7)
        assert obj.gradient(given).shape == np.shape(given)
    product = obj.hessp(coef)
    v = rng.normal(size=obj.coef_shape)
    Hv = product(v)
    assert Hv.shape == v.shape
    Hv_flat = product(v.ravel())
    assert Hv_flat.shape == (v.size,)
    assert_allclose(Hv_flat, Hv.ravel(), rtol=1e-14)
    assert product(v.astype(np.float32)).dtype == np.float32
    # the float32 gradient of a float64 problem is the float64 one rounded
    X32 = X.astype(np.float32)
    obj32 = MultinomialLoss(X32, y, l2=0.1)
    assert obj32.loss_gradient(obj32.init_coef())[1].dtype == np.float32

def test_binding_rejects_bad_shapes(rng):
    n, d, K = 20, 3, 4
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n)
    coef = np.zeros((K, d + 1))
    G = np.empty((K, d + 1))
    common = dict(fit_intercept=True, n_threads=1)
    with pytest.raises(ValueError, match="coef has shape"):
        _lossgrad.loss_gradient(X=X, y=y, coef=np.zeros((K, d)), G=G, **common)
    with pytest.raises(ValueError, match="y has 19 rows"):
        _lossgrad.loss_gradient(X=X, y=y[:-1], coef=coef, G=G, **common)
    with pytest.raises(ValueError, match="sample_weight has"):
        _lossgrad.loss_gradient(X=X, y=y, sample_weight=np.ones(n + 1), coef=coef, G=G,
                                **common)
    with pytest.raises(ValueError, match="G has shape"):
        _lossgrad.loss_gradient(X=X, y=y, coef=coef, G=np.empty((K, d)), **common)
    with pytest.raises(ValueError, match="G has shape"):
        _lossgrad.loss_gradient_from_scores(X=X, y=y, Z=np.zeros((n, K + 1)), G=G, **common)
    with pytest.raises(ValueError, match="Z has shape"):
        _lossgrad.loss_gradient_from_scores(X=X, y=y, Z=np.zeros((n + 1, K)), G=G, **common)
    with pytest.raises(ValueError, match="out has shape"):
        _lossgrad.scores(X=X, coef=coef, out=np.empty((n, K + 1)), **common)
    with pytest.raises(ValueError, match="n_classes"):
        _lossgrad.loss(X=X, y=y, coef=coef[:0], **common)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        _lossgrad.loss_gradient(X=X, y=y, coef=coef.astype(np.float32), G=G, **common)
    with pytest.raises(TypeError, match="coef is required"):
        _lossgrad.loss(X=X, y=y, coef=None, **common)
    P = np.full((n, K), 1.0 / K)
    with pytest.raises(ValueError, match="P has shape"):
        _lossgrad.hessp(X=X, P=P[:-1], V=coef, G=G, **common)
    with pytest.raises(ValueError, match="V has shape"):
        _lossgrad.hessp(X=X, P=P, V=coef[:, :-1], G=G, **common)
    Xs = sp.csr_matrix(X)
    csr = dict(data=Xs.data, indices=Xs.indices, n_features=d)
    with pytest.raises(ValueError, match="P has shape"):
        _lossgrad.hessp(indptr=Xs.indptr, P=np.full((n, K - 1), 1.0 / K), V=coef, G=G,
                        **csr, **common)
    with pytest.raises(ValueError, match="indptr"):
        _lossgrad.loss_gradient(indptr=Xs.indptr + 1, y=y, coef=coef, G=G, **csr, **common)
    with pytest.raises(ValueError, match="indices has"):
        _lossgrad.loss_gradient(data=Xs.data, indices=Xs.indices[:-1], indptr=Xs.indptr,
                                n_features=d, y=y, coef=coef, G=G, **common)
    # one form of X: dense or all of the CSR parts
    with pytest.raises(ValueError, match="not both"):
        _lossgrad.loss(X=X, indptr=Xs.indptr, **csr, y=y, coef=coef, **common)
    with pytest.raises(ValueError, match="all of the CSR parts"):
        _lossgrad.loss(data=Xs.data, indptr=Xs.indptr, y=y, coef=coef, **common)
