"""Loss and gradient of MultinomialLoss and its fused kernels (objective/_kernels.py,
csrc/smx_lossgrad.c): against the NumPy oracle, scikit-learn's
LinearModelLoss(HalfMultinomialLoss), finite differences, across thread counts."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.special
from numpy.testing import assert_allclose
from objective_cases import GRID, f_order, make_X, problem, sklearn_loss, tols

from softmax_ext import MultinomialLoss
from softmax_ext import reference as ref
from softmax_ext.objective import _kernels as kernels


def planned_groups(n_blocks, buffer_doubles):
    """Row groups of the loss/gradient drivers, as ``smx_lossgrad_n_groups``
    plans them (csrc/smx_lossgrad.c: SMX_LG_GROUP_BYTES = 8 MiB of buffers,
    at most SMX_LG_MAX_GROUPS = 32, at least 2, a power of two, at most one
    per block)."""
    g = (8 * 1024 * 1024) // (max(buffer_doubles, 1) * 8)
    g = max(2, min(g, 32))
    g = 1 << (g.bit_length() - 1)
    return max(1, min(g, n_blocks))


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

    # Unnormalised data terms straight from the kernels.
    s_sum = n if sw is None else float(np.sum(sw, dtype=np.float64))
    pen = 0.5 * l2 * float(np.sum(coef[:, :d].astype(np.float64) ** 2))
    data, G = kernels.loss_gradient(obj, coef=coef)
    assert G.dtype == np.float64 and G.shape == obj.coef_shape
    assert_allclose(data, (loss_ref - pen) * s_sum, rtol=rtol)
    G_ref = grad_ref.copy()
    G_ref[:, :d] -= l2 * coef[:, :d]
    assert_allclose(G / s_sum, G_ref, rtol=rtol, atol=atol)
    data_only = kernels.loss(obj, coef=coef)   # the loss-only mode: no gradient buffer
    assert data_only == data

    # Score space: scores, loss and gradient from scores.
    Xd = X.toarray() if sparse else X
    Z_ref = Xd.astype(np.float64) @ coef[:, :d].T.astype(np.float64)
    if fit_intercept:
        Z_ref += coef[:, -1]
    Z = kernels.scores(obj, coef=coef)
    assert Z.dtype == dtype and Z.shape == (n, K) and Z.flags.c_contiguous
    assert_allclose(Z, Z_ref, rtol=rtol, atol=atol * 10)
    assert_allclose(kernels.loss_from_scores(obj, Z=Z), data, rtol=rtol)
    data_z, G_z = kernels.loss_gradient_from_scores(obj, Z=Z)
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
    assert planned_groups(-(-n // rows), K * p) >= 4  # the test exercises several groups
    coef = (rng.normal(size=(K, p)) * 0.1).astype(dtype)
    results = []
    for t in (1, 2, 3):
        obj = MultinomialLoss(X, y, sample_weight=sw, n_threads=t)
        data, G = kernels.loss_gradient(obj, coef=coef)
        Z = kernels.scores(obj, coef=coef)
        data_z, G_z = kernels.loss_gradient_from_scores(obj, Z=Z)
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
    Z = kernels.scores(obj, coef=coef)
    Z0 = Z.copy()
    kernels.loss_gradient_from_scores(obj, Z=Z)
    kernels.loss_from_scores(obj, Z=Z)
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
    assert_allclose(kernels.scores(csr, coef=coef), kernels.scores(dense, coef=coef), rtol=rtol, atol=atol)
    data_d, G_d = kernels.loss_gradient(dense, coef=coef)
    data_s, G_s = kernels.loss_gradient(csr, coef=coef)
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
