"""MultinomialLoss against scikit-learn's LinearModelLoss(HalfMultinomialLoss)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import FixedClassLoss, MultinomialLoss


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


# ---------------------------------------------------------------------------
# The fused loss/gradient kernels (softmax_ext.lossgrad, csrc/smx_lossgrad.c)
# ---------------------------------------------------------------------------
import scipy.special

from softmax_ext._ext import lossgrad as _lossgrad
from softmax_ext import lossgrad as lg
from softmax_ext import reference as ref


def make_X(rng, n, d, sparse, dtype, index_dtype=np.int32, density=0.3):
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) >= density] = 0.0
        X = sp.csr_matrix(X).astype(dtype)
        X.indices = X.indices.astype(index_dtype)
        X.indptr = X.indptr.astype(index_dtype)
        return X
    return X.astype(dtype)


def tols(dtype):
    """(rtol, atol) against the float64 oracle on the same (rounded) inputs.

    float64: a few hundred ulps covers the different summation orders (BLAS
    blocks, groups).  float32: the scores and the residual are computed and
    rounded in float32 (sgemm, float32 softmax), so each term carries errors
    of a few float32 ulps times the size of the sum (d terms in a score, n
    terms in a gradient entry, with cancellation); 2000 eps32 ~ 2.4e-4 bounds
    that comfortably at these sizes, while a wrong formula is off by O(1).
    """
    eps = np.finfo(dtype).eps
    return (256 * eps, 256 * eps) if dtype == np.float64 else (2000 * eps, 2000 * eps)


GRID = pytest.mark.parametrize("sparse,index_dtype", [(False, None), (True, np.int32), (True, np.int64)],
                               ids=["dense", "csr32", "csr64"])


@GRID
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_lossgrad_against_oracle_and_sklearn(sparse, index_dtype, dtype, fit_intercept,
                                             weighted, n_threads, rng):
    n, d, K, l2 = 700, 9, 5, 0.3
    X = make_X(rng, n, d, sparse, dtype, index_dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n).astype(dtype) if weighted else None
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept,
                          n_threads=n_threads)
    assert obj.X is X or not sparse  # CSR with int32/int64 indices is used as given
    coef = (rng.normal(size=obj.coef_shape) * 0.5).astype(dtype)
    rtol, atol = tols(dtype)

    loss_ref, grad_ref = ref.multinomial_loss_gradient(X, y, coef, sw, l2, fit_intercept)
    loss, grad = obj.loss_gradient(coef)
    assert grad.dtype == dtype and grad.shape == obj.coef_shape
    assert_allclose(loss, loss_ref, rtol=rtol)
    assert_allclose(grad, grad_ref, rtol=rtol, atol=atol)
    assert_allclose(obj.loss(coef), loss_ref, rtol=rtol)

    # Unnormalised data terms straight from lossgrad.
    s_sum = n if sw is None else float(np.sum(sw, dtype=np.float64))
    pen = 0.5 * l2 * float(np.sum(coef[:, :d].astype(np.float64) ** 2))
    data, G = lg.loss_gradient(obj, coef)
    assert G.dtype == np.float64 and G.shape == obj.coef_shape
    assert_allclose(data, (loss_ref - pen) * s_sum, rtol=rtol)
    G_ref = grad_ref.copy()
    G_ref[:, :d] -= l2 * coef[:, :d]
    assert_allclose(G / s_sum, G_ref, rtol=rtol, atol=atol)
    data_only, none = lg.loss_gradient(obj, coef, want_grad=False)
    assert none is None and data_only == data

    # Score space: scores, loss and gradient from scores.
    Xd = X.toarray() if sparse else X
    Z_ref = Xd.astype(np.float64) @ coef[:, :d].T.astype(np.float64)
    if fit_intercept:
        Z_ref += coef[:, -1]
    Z = lg.scores(obj, coef)
    assert Z.dtype == dtype and Z.shape == (n, K) and Z.flags.c_contiguous
    assert_allclose(Z, Z_ref, rtol=rtol, atol=atol * 10)
    assert_allclose(lg.loss_from_scores(obj, Z), data, rtol=rtol)
    data_z, G_z = lg.loss_gradient_from_scores(obj, Z)
    assert_allclose(data_z, data, rtol=rtol)
    assert_allclose(G_z, G, rtol=rtol, atol=atol * s_sum)

    # scikit-learn: sample weights normalised to sum 1, l2 as is.
    lml = sklearn_loss(K, fit_intercept)
    sw_norm = (np.ones(n) if sw is None else sw.astype(np.float64)) / s_sum
    X64 = X.astype(np.float64)
    loss_sk, grad_sk = lml.loss_gradient(coef.astype(np.float64), X64, y.astype(float), sw_norm,
                                         l2_reg_strength=l2)
    assert_allclose(loss, loss_sk, rtol=rtol)
    assert_allclose(grad, grad_sk, rtol=rtol, atol=atol)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_gradient_finite_differences(sparse, fit_intercept, rng):
    n, d, K, l2 = 200, 6, 4, 0.2
    X = make_X(rng, n, d, sparse, np.float64)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept)
    coef = rng.normal(size=obj.coef_shape)
    _, grad = obj.loss_gradient(coef)
    h = 1e-6
    fd = np.empty(coef.size)
    for j in range(coef.size):
        e = np.zeros(coef.size)
        e[j] = h
        e = e.reshape(coef.shape)
        fd[j] = (obj.loss(coef + e) - obj.loss(coef - e)) / (2 * h)
    # Central differences: truncation O(h^2 f''') ~ 1e-12, rounding
    # O(eps f / h) ~ 1e-10 for f ~ 1.
    assert_allclose(grad.ravel(), fd, rtol=1e-6, atol=1e-8)


@GRID
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_bitwise_identical_across_threads(sparse, index_dtype, dtype, rng):
    # Enough rows for many blocks and several groups (dense: d = 300 gives
    # blocks of under 1000 rows; CSR blocks have 256 rows).
    n, d, K = 9000, 300 if not sparse else 40, 7
    X = make_X(rng, n, d, sparse, dtype, index_dtype, density=0.1)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n).astype(dtype)
    p = d + 1
    rows = 256 if sparse else max(16, min(4096, (256 * 1024) // (d * np.dtype(dtype).itemsize)))
    assert _lossgrad.n_groups(-(-n // rows), K * p) >= 4  # the test exercises several groups
    coef = (rng.normal(size=(K, p)) * 0.1).astype(dtype)
    results = []
    for t in (1, 2, 3):
        obj = MultinomialLoss(X, y, sample_weight=sw, n_threads=t)
        data, G = lg.loss_gradient(obj, coef)
        Z = lg.scores(obj, coef)
        data_z, G_z = lg.loss_gradient_from_scores(obj, Z)
        results.append((data, G, Z, data_z, G_z))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sparse", [False, True])
def test_inputs_not_modified(sparse, rng):
    n, d, K = 600, 5, 3
    X = make_X(rng, n, d, sparse, np.float64)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n)
    X0 = X.copy()
    y0, sw0 = y.copy(), sw.copy()
    obj = MultinomialLoss(X, y, sample_weight=sw)
    coef = rng.normal(size=obj.coef_shape)
    coef0 = coef.copy()
    obj.loss_gradient(coef)
    Z = lg.scores(obj, coef)
    Z0 = Z.copy()
    lg.loss_gradient_from_scores(obj, Z)
    lg.loss_from_scores(obj, Z)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(coef, coef0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(sw, sw0)
    if sparse:
        for attr in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(X, attr), getattr(X0, attr))
    else:
        np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("n,K", [(1, 3), (5, 3), (37, 2), (40, 1)])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_small_and_edge_cases(sparse, dtype, n, K, fit_intercept, rng):
    """n = 1, n smaller than one block, K = 2, K = 1 (loss 0, gradient 0)."""
    d = 4
    X = make_X(rng, n, d, sparse, dtype, density=0.6)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n).astype(dtype)
    obj = MultinomialLoss(X, y, sample_weight=sw, fit_intercept=fit_intercept, n_classes=K,
                          n_threads=2)
    coef = rng.normal(size=obj.coef_shape).astype(dtype)
    rtol, atol = tols(dtype)
    loss_ref, grad_ref = ref.multinomial_loss_gradient(X, y, coef, sw, 0.0, fit_intercept)
    loss, grad = obj.loss_gradient(coef)
    assert_allclose(loss, loss_ref, rtol=rtol, atol=atol)
    assert_allclose(grad, grad_ref, rtol=rtol, atol=atol)
    if K == 1:
        assert loss == 0.0 and np.all(grad == 0.0)
    Z = obj.scores(coef)
    assert_allclose(obj.loss_gradient_scores(Z, coef)[1], grad, rtol=rtol, atol=atol)


def test_no_features(rng):
    """d = 0: only intercepts (the scores are b), or nothing at all."""
    n, K = 50, 3
    X = np.empty((n, 0))
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y, n_classes=K)
    coef = rng.normal(size=obj.coef_shape)
    loss, grad = obj.loss_gradient(coef)
    loss_ref, grad_ref = ref.multinomial_loss_gradient(X, y, coef, None, 0.0, True)
    assert_allclose(loss, loss_ref, rtol=1e-13)
    assert_allclose(grad, grad_ref, rtol=1e-13, atol=1e-15)
    obj0 = MultinomialLoss(X, y, n_classes=K, fit_intercept=False)
    loss0, grad0 = obj0.loss_gradient(obj0.init_coef())
    assert_allclose(loss0, np.log(K), rtol=1e-14)
    assert grad0.shape == (K, 0)


def test_extreme_scores_stay_finite(rng):
    """Scores near +-800 overflow a naive exp; the max-shift keeps everything finite."""
    n, d, K = 300, 3, 4
    X = rng.normal(size=(n, d)) * 100
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y)
    coef = rng.normal(size=obj.coef_shape) * 5
    loss, grad = obj.loss_gradient(coef)
    Z = obj.scores(coef)
    assert np.abs(Z).max() > 800
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    loss_ref = np.mean(scipy.special.logsumexp(Z, axis=1) - Z[np.arange(n), y])
    assert_allclose(loss, loss_ref, rtol=1e-12)


def test_binding_rejects_bad_shapes(rng):
    n, d, K = 20, 3, 4
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n)
    coef = np.zeros((K, d + 1))
    G = np.empty((K, d + 1))
    with pytest.raises(ValueError, match="coef has shape"):
        _lossgrad.dense(X, y, None, np.zeros((K, d)), True, K, None, None, G, 1)
    with pytest.raises(ValueError, match="y has 19 rows"):
        _lossgrad.dense(X, y[:-1], None, coef, True, K, None, None, G, 1)
    with pytest.raises(ValueError, match="sample_weight has"):
        _lossgrad.dense(X, y, np.ones(n + 1), coef, True, K, None, None, G, 1)
    with pytest.raises(ValueError, match="G has shape"):
        _lossgrad.dense(X, y, None, coef, True, K, None, None, np.empty((K, d)), 1)
    with pytest.raises(ValueError, match="Zin has shape"):
        _lossgrad.dense(X, y, None, None, True, K, np.zeros((n, K + 1)), None, G, 1)
    with pytest.raises(ValueError, match="not both"):
        _lossgrad.dense(X, y, None, coef, True, K, np.zeros((n, K)), None, G, 1)
    with pytest.raises(ValueError, match="n_classes"):
        _lossgrad.dense(X, y, None, coef[:0], True, 0, None, None, None, 1)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        _lossgrad.dense(X, y, None, coef.astype(np.float32), True, K, None, None, G, 1)
    P = np.full((n, K), 1.0 / K)
    with pytest.raises(ValueError, match="P has shape"):
        _lossgrad.dense(X, y, None, coef, True, K, None, None, G, 1, P[:-1])
    with pytest.raises(ValueError, match="needs coef"):
        _lossgrad.dense(X, y, None, coef, True, K, None, None, None, 1, P)
    Xs = sp.csr_matrix(X)
    with pytest.raises(ValueError, match="P has shape"):
        _lossgrad.csr(Xs.data, Xs.indices, Xs.indptr, d, y, None, coef, True, K,
                      None, None, G, 1, np.full((n, K - 1), 1.0 / K))
    with pytest.raises(ValueError, match="indptr"):
        _lossgrad.csr(Xs.data, Xs.indices, Xs.indptr + 1, d, y, None, coef, True, K,
                      None, None, G, 1)
    with pytest.raises(ValueError, match="indices has"):
        _lossgrad.csr(Xs.data, Xs.indices[:-1], Xs.indptr, d, y, None, coef, True, K,
                      None, None, G, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fixed", [False, True])
def test_loss_slope_scores_along_a_line(dtype, fixed, rng):
    """loss_slope_scores is the objective along coef + t D and its t-derivative."""
    from softmax_ext import FixedClassLoss

    X, y, sw = problem(rng, dtype=dtype)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.3)
    if fixed:
        obj = FixedClassLoss(obj, fixed=2)
    coef = rng.normal(size=obj.coef_shape).astype(dtype)
    D = rng.normal(size=obj.coef_shape).astype(dtype)
    Z = obj.scores(coef).astype(np.float64)
    XD = obj.scores(D).astype(np.float64)
    for t in (0.0, 0.37, 1.5):
        loss, slope = obj.loss_slope_scores(Z, XD, t, coef, D)
        # float32 coefficients at coef + t D round differently from Z + t XD
        # computed in float64: a few float32 ulps of the loss
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        assert_allclose(loss, obj.loss(coef.astype(np.float64) + t * D), rtol=rtol)
        h = 1e-6
        fd = (obj.loss_slope_scores(Z, XD, t + h, coef, D)[0]
              - obj.loss_slope_scores(Z, XD, t - h, coef, D)[0]) / (2 * h)
        assert_allclose(slope, fd, rtol=1e-5, atol=1e-7)


def test_hessp_from_scores_equals_hessp(rng):
    X, y, sw = problem(rng)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.2)
    coef = rng.normal(size=obj.coef_shape)
    v = rng.normal(size=obj.coef_shape)
    passes = obj.n_passes_over_X
    hv = obj.hessp(coef, scores=obj.scores(coef))(v)
    assert obj.n_passes_over_X == passes + 2  # scores, one product: no setup pass
    assert_allclose(hv, obj.hessp(coef)(v), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_csr_rows_of_every_length_match_dense(index_dtype, rng):
    # The CSR forward adds four nonzeros at a time and prefetches rows 16
    # nonzeros ahead (never past the block's last nonzero): rows of 0 to 60
    # nonzeros, in blocks of 256 rows, cover the unrolled part, every
    # remainder 0-3, empty rows and prefetches that would cross a block end.
    n, d, K = 700, 80, 6
    lengths = np.arange(n) % 61
    X = np.zeros((n, d))
    for i, m in enumerate(lengths):
        cols = rng.choice(d, size=m, replace=False)
        X[i, cols] = rng.normal(size=m)
    Xs = sp.csr_matrix(X)
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    assert np.array_equal(np.diff(Xs.indptr), lengths)
    y = rng.integers(0, K, size=n)
    coef = rng.normal(size=(K, d + 1)) * 0.3
    dense = MultinomialLoss(X, y, n_threads=2)
    csr = MultinomialLoss(Xs, y, n_threads=2)
    rtol, atol = tols(np.float64)
    assert_allclose(lg.scores(csr, coef), lg.scores(dense, coef), rtol=rtol, atol=atol)
    data_d, G_d = lg.loss_gradient(dense, coef)
    data_s, G_s = lg.loss_gradient(csr, coef)
    assert_allclose(data_s, data_d, rtol=rtol)
    # Gradient entries are sums of n terms of size ~1: atol scaled by n.
    assert_allclose(G_s, G_d, rtol=rtol, atol=atol * n)


@pytest.mark.parametrize("K", [1, 2, 3, 10, 16, 17, 23])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_csr_rows_for_every_class_count(K, dtype, rng):
    """CSR row loops compiled with K constant (2..16) and the generic one (K = 1, > 16).

    Rows with an odd and an even number of nonzeros and empty rows (the
    constant-K forward loop takes nonzeros two at a time); scores against
    X @ W.T + b, the loss and gradient against the NumPy oracle.
    """
    n, d = 64, 40
    X = rng.normal(size=(n, d))
    X[rng.uniform(size=X.shape) < 0.8] = 0.0
    X[5] = 0.0
    X[7, :] = 0.0
    X[7, 3] = 1.5   # one nonzero
    X = sp.csr_matrix(X.astype(dtype))
    assert len(set(np.diff(X.indptr) % 2)) == 2
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y, n_classes=K, n_threads=2)
    coef = rng.normal(size=obj.coef_shape).astype(dtype)
    rtol, atol = tols(dtype)
    Z = obj.scores(coef)
    assert_allclose(Z, X.toarray().astype(np.float64) @ coef[:, :d].T.astype(np.float64)
                    + coef[:, d].astype(np.float64), rtol=rtol, atol=atol)
    loss_ref, grad_ref = ref.multinomial_loss_gradient(X, y, coef, None, 0.0, True)
    loss, grad = obj.loss_gradient(coef)
    assert_allclose(loss, loss_ref, rtol=rtol, atol=atol)
    assert_allclose(grad, grad_ref, rtol=rtol, atol=atol)
