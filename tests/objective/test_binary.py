"""BinaryLoss and its kernels (csrc/smx_binary.c) against the NumPy oracle, finite
differences, the fixed-class multinomial it replaces and scikit-learn's binary loss."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from objective_cases import GRID, make_X, tols
from sklearn._loss.loss import HalfBinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import reference
from softmax_ext._ext import binary as _binary
from softmax_ext.objective import BinaryLoss, FixedClassLoss, MultinomialLoss


def binary_problem(rng, n=257, d=7, sparse=False, dtype=np.float64, index_dtype=np.int32,
                   weighted=True):
    X = make_X(rng, n, d, sparse, dtype, index_dtype or np.int32)
    y = (rng.uniform(size=n) < 0.4).astype(np.int64)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, y, sw


def make(X, y, sw=None, l2=0.0, fit_intercept=True, n_threads=None):
    return BinaryLoss(MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept,
                                      n_classes=2, n_threads=n_threads))


@GRID
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_loss_gradient_hessian_hessp_match_the_oracle(sparse, index_dtype, dtype, weighted,
                                                      fit_intercept, rng):
    X, y, sw = binary_problem(rng, sparse=sparse, dtype=dtype, index_dtype=index_dtype,
                              weighted=weighted)
    obj = make(X, y, sw, l2=0.3, fit_intercept=fit_intercept)
    # coefficients exact in X's dtype, so the oracle sees the kernels' inputs
    coef = rng.normal(scale=0.5, size=obj.coef_shape).astype(dtype)
    rtol, atol = tols(dtype)
    loss, grad = obj.loss_gradient(coef)
    loss_ref, grad_ref = reference.binary_loss_gradient(X, y, coef, sw, 0.3, fit_intercept)
    assert grad.shape == obj.coef_shape and grad.dtype == dtype
    assert_allclose(loss, loss_ref, rtol=rtol)
    assert_allclose(obj.loss(coef), loss_ref, rtol=rtol)
    assert_allclose(grad, grad_ref, rtol=rtol, atol=atol)
    H_ref = reference.binary_hessian(X, y, coef, sw, 0.3, fit_intercept)
    H = obj.hessian(coef)
    assert_array_equal(H, H.T)
    assert_allclose(H, H_ref, rtol=rtol, atol=atol)
    v = rng.normal(size=obj.coef_shape).astype(dtype)
    assert_allclose(obj.hessp(coef)(v).ravel(), H_ref @ v.ravel(), rtol=rtol, atol=atol)
    # from the scores a solver holds: the same products, the same gradient
    Z = obj.scores(coef)
    assert Z.shape == (X.shape[0], 2) and not Z[:, 0].any()
    Xt = np.c_[X.toarray() if sparse else X, np.ones(X.shape[0])][:, :obj.coef_shape[1]]
    assert_allclose(Z[:, 1], Xt.astype(np.float64) @ coef.ravel().astype(np.float64),
                    rtol=rtol, atol=atol)
    assert_allclose(obj.hessp(coef, scores=Z)(v).ravel(), H_ref @ v.ravel(),
                    rtol=rtol, atol=atol)
    assert_allclose(obj.loss_gradient_scores(Z, coef)[1], grad_ref, rtol=rtol, atol=atol)


@pytest.mark.parametrize("sparse", [False, True])
def test_same_model_as_the_fixed_class_multinomial_and_scikit_learn(sparse, rng):
    """The objective it replaces, value for value; and scikit-learn's binary loss."""
    X, y, sw = binary_problem(rng, sparse=sparse)
    obj = make(X, y, sw, l2=0.2)
    fixed = FixedClassLoss(MultinomialLoss(X, y, sample_weight=sw, l2=0.2, n_classes=2))
    coef = rng.normal(size=obj.coef_shape)
    for a, b in [(obj.loss_gradient(coef), fixed.loss_gradient(coef))]:
        assert_allclose(a[0], b[0], rtol=1e-13)
        assert_allclose(a[1], b[1], rtol=1e-11, atol=1e-14)
    assert_allclose(obj.hessian(coef), fixed.hessian(coef), rtol=1e-11, atol=1e-14)
    Z = obj.scores(coef)
    assert_allclose(Z, fixed.scores(coef), rtol=1e-13, atol=1e-13)
    D = rng.normal(size=obj.coef_shape)
    assert_allclose(obj.loss_slope_scores(Z, obj.scores(D), 0.3, coef, D),
                    fixed.loss_slope_scores(Z, fixed.scores(D), 0.3, coef, D), rtol=1e-12)
    lml = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    Xd = X.toarray() if sparse else X
    loss_sk, grad_sk = lml.loss_gradient(coef.ravel(), Xd, y.astype(float), sw / sw.sum(),
                                         l2_reg_strength=0.2)
    loss, grad = obj.loss_gradient(coef)
    assert_allclose(loss, loss_sk, rtol=1e-12)
    assert_allclose(grad.ravel(), grad_sk, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("sparse", [False, True])
def test_derivatives_against_finite_differences(sparse, rng):
    """Central differences in float64 (step 1e-6: truncation ~1e-12, rounding ~1e-10)."""
    X, y, sw = binary_problem(rng, n=120, d=5, sparse=sparse)
    obj = make(X, y, sw, l2=0.1)
    coef = rng.normal(size=obj.coef_shape)
    _, grad = obj.loss_gradient(coef)
    H = obj.hessian(coef)
    h = 1e-6
    for j in range(coef.size):
        e = np.zeros(coef.size)
        e[j] = h
        e = e.reshape(coef.shape)
        fd = (obj.loss(coef + e) - obj.loss(coef - e)) / (2 * h)
        assert_allclose(grad.ravel()[j], fd, rtol=1e-6, atol=1e-8)
        fd_g = (obj.gradient(coef + e) - obj.gradient(coef - e)).ravel() / (2 * h)
        assert_allclose(H[:, j], fd_g, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_results_do_not_depend_on_the_thread_count(sparse, dtype, rng):
    X, y, sw = binary_problem(rng, n=5000, d=9, sparse=sparse, dtype=dtype)
    one, two = make(X, y, sw, l2=0.1, n_threads=1), make(X, y, sw, l2=0.1, n_threads=2)
    one.n_threads = 1   # the work heuristic may give one thread to both: force it
    two.n_threads = 2
    coef = rng.normal(size=one.coef_shape).astype(dtype)
    l1, g1 = one.loss_gradient(coef)
    l2_, g2 = two.loss_gradient(coef)
    assert l1 == l2_
    assert_array_equal(g1, g2)
    assert_array_equal(one.hessian(coef), two.hessian(coef))
    v = rng.normal(size=one.coef_shape)
    assert_array_equal(one.hessp(coef)(v), two.hessp(coef)(v))


def test_passes_over_X_are_counted(rng):
    X, y, sw = binary_problem(rng)
    obj = make(X, y, sw)
    coef = obj.init_coef()
    obj.loss_gradient(coef)
    obj.hessian(coef)        # scores + the SYRK pass
    product = obj.hessp(coef)
    product(coef)
    assert obj.n_passes_over_X == 1 + 2 + 2
    assert obj.base.n_passes_over_X == obj.n_passes_over_X


def test_only_two_classes_and_class_zero_fixed(rng):
    X, _, _ = binary_problem(rng, n=30)
    with pytest.raises(ValueError, match="two classes"):
        BinaryLoss(MultinomialLoss(X, rng.integers(0, 3, size=30), n_classes=3))
    base = MultinomialLoss(X, rng.integers(0, 2, size=30), n_classes=2)
    with pytest.raises(ValueError, match="fixed=0"):
        BinaryLoss(base, fixed=1)


def test_bindings_check_what_the_kernels_assume(rng):
    X, y, _ = binary_problem(rng, n=20, d=3)
    common = dict(X=X, fit_intercept=True, n_threads=1)
    with pytest.raises(ValueError, match="coef has shape"):
        _binary.loss_gradient(y=y, coef=np.zeros(3), **common)
    with pytest.raises(ValueError, match="y has 19 rows"):
        _binary.loss_gradient(y=y[:19], coef=np.zeros(4), **common)
    with pytest.raises(ValueError, match="G has shape"):
        _binary.loss_gradient(y=y, coef=np.zeros(4), G=np.zeros(3), **common)
    with pytest.raises(ValueError, match="z has shape"):
        _binary.loss_gradient_from_scores(y=y, z=np.zeros(19), **common)
    with pytest.raises(ValueError, match="out has shape"):
        _binary.scores(coef=np.zeros(4), out=np.zeros(21), **common)
    with pytest.raises(ValueError, match="h has shape"):
        _binary.hessp(h=np.zeros(3), v=np.zeros(4), G=np.zeros(4), **common)
    with pytest.raises(ValueError, match="H has shape"):
        _binary.hessian(h=np.zeros(20), H=np.zeros((3, 3)), **common)
    with pytest.raises(TypeError, match="G is required"):
        _binary.hessp(h=np.zeros(20), v=np.zeros(4), G=None, **common)
    Xs = sp.csr_matrix(X)
    with pytest.raises(ValueError, match="indptr must run"):
        _binary.scores(data=Xs.data, indices=Xs.indices, indptr=Xs.indptr[:-1], n_features=3,
                       coef=np.zeros(4), fit_intercept=True, out=np.zeros(19), n_threads=1)
    with pytest.raises(ValueError):   # float32 X with float64 coef: no silent cast in C
        _binary.scores(X=X.astype(np.float32), coef=np.zeros(4), fit_intercept=True,
                       out=np.zeros(20, dtype=np.float32), n_threads=1)


def test_empty_and_featureless_problems(rng):
    X = np.zeros((5, 0))
    y = np.array([0, 1, 1, 0, 1])
    obj = make(X, y)
    loss, grad = obj.loss_gradient(obj.init_coef())
    assert_allclose(loss, np.log(2.0))
    assert_allclose(grad, [[0.5 - 0.6]])
    assert_allclose(obj.hessian(obj.init_coef()), [[0.25]])
