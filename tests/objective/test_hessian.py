"""Hessian and Hessian-vector product kernels (objective/_kernels.py, csrc/smx_hessian.c).

Checked against the NumPy oracles (reference.multinomial_hessian / _hessp),
scikit-learn's LinearModelLoss(HalfMultinomialLoss), finite differences of
the gradient, and each other (Hessian columns = products with unit vectors).

float32 tolerances: X and coef are float32, and the oracle runs in float64
on the same float32 values, so the only float32 roundings are in the scores
(a float GEMM over d terms) and the probabilities (exp and normalisation in
float), about d * eps32 relative; the Hessian's products and sums are then
done in double.  An error of a few hundred eps32 relative to the largest
entry bounds that with margin for d up to ~40, while a wrong term (a missing
weight, a transposed block) is off by O(1).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import MultinomialLoss
from softmax_ext.objective import _kernels as kernels
from softmax_ext import reference as ref

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps


def tol(dtype):
    """Relative tolerance (to the largest entry) for a kernel vs the float64 oracle."""
    # float64: sums over n <= 3000 rows of products, rounding ~ sqrt(n) eps
    # at worst n eps; 1000 eps is far below any real error.  float32: see
    # the module docstring.
    return 1000 * EPS64 if dtype == np.float64 else 100 * EPS32


def problem(rng, n=200, d=5, K=3, sparse=False, dtype=np.float64, weighted=True,
            density=0.4, index_dtype=None):
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) > density] = 0.0
        X = sp.csr_matrix(X).astype(dtype)
        if index_dtype is not None:
            X.indices = X.indices.astype(index_dtype)
            X.indptr = X.indptr.astype(index_dtype)
    else:
        X = X.astype(dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n).astype(dtype) if weighted else None
    return X, y, sw


def make(rng, *, K=3, l2=0.0, fit_intercept=True, n_threads=1, coef_scale=0.7, **kw):
    X, y, sw = problem(rng, K=K, **kw)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept,
                          n_classes=K, n_threads=n_threads)
    coef = (coef_scale * rng.normal(size=obj.coef_shape)).astype(obj.dtype)
    return obj, X, y, sw, coef


def assert_close_rel(actual, desired, rtol):
    """|actual - desired| <= rtol * max|desired| elementwise (and shapes equal)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.shape == desired.shape
    scale = max(np.max(np.abs(desired)), np.finfo(np.float64).tiny)
    assert_allclose(actual, desired, rtol=0, atol=rtol * scale)


def f_order(coef_shape):
    """Permutation taking scikit-learn's F-ordered flat index to ours (C order)."""
    return np.arange(np.prod(coef_shape)).reshape(coef_shape).ravel(order="F")


GRID = pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
DT = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])


@GRID
@DT
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unw", "sw"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_against_oracle_and_sklearn(sparse, dtype, fit_intercept, weighted, n_threads, rng):
    K, l2 = 4, 0.3
    obj, X, y, sw, coef = make(rng, K=K, l2=l2, fit_intercept=fit_intercept, sparse=sparse,
                               dtype=dtype, weighted=weighted, n_threads=n_threads, d=6)
    H = obj.hessian(coef)
    assert H.dtype == np.float64 and H.shape == (coef.size, coef.size)
    H_ref = ref.multinomial_hessian(X, y, coef, sw, l2, fit_intercept)
    assert_close_rel(H, H_ref, tol(dtype))

    V = rng.normal(size=obj.coef_shape).astype(dtype)
    HV = obj.hessp(coef)(V)
    HV_ref = ref.multinomial_hessp(X, y, coef, V, sw, l2, fit_intercept)
    assert_close_rel(HV, HV_ref, tol(dtype))
    # the oracles agree with each other
    assert_allclose(H_ref @ V.astype(np.float64).ravel(), HV_ref.ravel(), rtol=1e-12,
                    atol=1e-13 * np.abs(HV_ref).max())

    # scikit-learn (float64 inputs: its float32 path rounds its own way)
    X64 = X.astype(np.float64)
    n = X.shape[0]
    sw_norm = (np.ones(n) / n) if sw is None else sw.astype(np.float64) / sw.astype(np.float64).sum()
    lml = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=fit_intercept)
    c64 = coef.astype(np.float64)
    _, H_sk, _ = lml.gradient_hessian(c64, X64, y.astype(float), sw_norm, l2_reg_strength=l2)
    perm = f_order(obj.coef_shape)
    assert_close_rel(H[np.ix_(perm, perm)], H_sk, tol(dtype))
    _, hessp_sk = lml.gradient_hessian_product(c64, X64, y.astype(float), sw_norm,
                                               l2_reg_strength=l2)
    assert_close_rel(HV, hessp_sk(V.astype(np.float64)), tol(dtype))


@GRID
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
def test_finite_differences_of_gradient(sparse, fit_intercept, rng):
    """Columns of H against central differences of the (float64) gradient.

    float64 only: central differences with step h have error O(h^2 f''')
    + O(eps / h); with h = 1e-5 both are ~1e-10, far below O(1) errors.  In
    float32 the gradient's own rounding (~1e-7) divided by h would swamp it.
    """
    obj, X, y, sw, coef = make(rng, K=3, l2=0.1, fit_intercept=fit_intercept, sparse=sparse,
                               n=80, d=4)
    H = obj.hessian(coef)
    h = 1e-5
    flat = coef.ravel()
    fd = np.empty_like(H)
    for j in range(flat.size):
        e = np.zeros_like(flat)
        e[j] = h
        fd[:, j] = (obj.gradient(flat + e).ravel() - obj.gradient(flat - e).ravel()) / (2 * h)
    assert_close_rel(H, fd, 1e-7)


@GRID
@DT
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
def test_hessian_columns_are_products_with_unit_vectors(sparse, dtype, fit_intercept, rng):
    obj, X, y, sw, coef = make(rng, K=3, fit_intercept=fit_intercept, sparse=sparse,
                               dtype=dtype, n=150, d=4)
    H = kernels.hessian(obj, coef=coef)
    state = kernels.probabilities(obj, coef=coef)
    cols = np.empty_like(H)
    for j in range(coef.size):
        e = np.zeros(coef.size, dtype=dtype)
        e[j] = 1.0
        cols[:, j] = kernels.hessp(obj, P=state, V=e.reshape(obj.coef_shape)).ravel()
    assert_close_rel(cols, H, tol(dtype))


@GRID
@DT
@pytest.mark.parametrize("K", [2, 3, 6])
def test_symmetric_positive_semidefinite(sparse, dtype, K, rng):
    obj, X, y, sw, coef = make(rng, K=K, sparse=sparse, dtype=dtype, n=120, d=7,
                               coef_scale=2.0)
    H = kernels.hessian(obj, coef=coef)
    assert_array_equal(H, H.T)   # one triangle computed, mirrored exactly
    # The data Hessian is a sum of PSD terms; it is singular (adding a vector
    # to every class changes nothing), so its smallest eigenvalue is 0 up to
    # rounding of order eps * ||H|| (times a few hundred for float32 inputs).
    lam = np.linalg.eigvalsh(H)
    assert lam[0] >= -tol(dtype) * lam[-1]
    # ... and exactly that null space: H (1 kron v) = 0 for every v
    v = rng.normal(size=obj.coef_shape[1])
    assert np.max(np.abs(H @ np.tile(v, K))) <= tol(dtype) * lam[-1] * np.abs(v).sum()


@GRID
@DT
@pytest.mark.parametrize("shape", [(3000, 40, 3), (700, 120, 4), (2000, 9, 2)], ids=str)
def test_threads_give_identical_results(sparse, dtype, shape, rng):
    """Units (chunks x row groups) and product groups depend on the data
    shape only, so 1 and 2 threads add the same numbers in the same order."""
    n, d, K = shape
    X, y, sw = problem(rng, n=n, d=d, K=K, sparse=sparse, dtype=dtype, density=0.2)
    coef = rng.normal(size=(K, d + 1)).astype(dtype) * 0.3
    V = rng.normal(size=(K, d + 1)).astype(dtype)
    results = []
    for nt in (1, 2):
        obj = MultinomialLoss(X, y, sample_weight=sw, n_classes=K, n_threads=nt)
        state = kernels.probabilities(obj, coef=coef)
        results.append((kernels.hessian(obj, coef=coef), state,
                        kernels.hessp(obj, P=state, V=V)))
    for a, b in zip(*results):
        assert_array_equal(a, b)
    # and they are right
    H = results[0][0]
    assert_close_rel(H, ref.multinomial_hessian(X, y, coef, sw, 0.0, True) * sw.astype(
        np.float64).sum(), tol(dtype))


@GRID
@DT
def test_inputs_not_modified(sparse, dtype, rng):
    obj, X, y, sw, coef = make(rng, K=3, sparse=sparse, dtype=dtype, l2=0.2)
    X0 = X.copy()
    sw0, coef0 = sw.copy(), coef.copy()
    V = rng.normal(size=obj.coef_shape).astype(dtype)
    V0 = V.copy()
    obj.hessian(coef)
    obj.hessp(coef)(V)
    if sparse:
        assert_array_equal(obj.X.data, X0.data)
        assert_array_equal(obj.X.indices, X0.indices)
        assert_array_equal(obj.X.indptr, X0.indptr)
    else:
        assert_array_equal(obj.X, X0)
    assert_array_equal(sw, sw0)
    assert_array_equal(coef, coef0)
    assert_array_equal(V, V0)


def test_x_is_not_copied(rng):
    """The objective keeps X as given (float32, C order), and so do the kernels."""
    X, y, sw = problem(rng, dtype=np.float32)
    obj = MultinomialLoss(X, y, sample_weight=sw)
    assert obj.X is X or np.shares_memory(obj.X, X)
    coef = rng.normal(size=obj.coef_shape).astype(np.float32)
    P = kernels.probabilities(obj, coef=coef)
    assert P.dtype == np.float32 and P.shape == (X.shape[0], obj.n_classes)


@GRID
@DT
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
@pytest.mark.parametrize("n,d,K", [(1, 1, 2), (1, 3, 2), (2, 1, 3), (5, 2, 2), (4, 2, 1)])
def test_tiny_problems(sparse, dtype, fit_intercept, n, d, K, rng):
    obj, X, y, sw, coef = make(rng, K=K, fit_intercept=fit_intercept, sparse=sparse,
                               dtype=dtype, n=n, d=d, density=0.7)
    H = obj.hessian(coef)
    assert_close_rel(H, ref.multinomial_hessian(X, y, coef, sw, 0.0, fit_intercept), tol(dtype))
    V = rng.normal(size=obj.coef_shape).astype(dtype)
    assert_close_rel(obj.hessp(coef)(V), ref.multinomial_hessp(X, y, coef, V, sw, 0.0,
                                                               fit_intercept), tol(dtype))
    if K == 1:
        assert_array_equal(H, 0.0)


@GRID
def test_intercept_only(sparse, rng):
    """d = 0 with an intercept: H is the K x K matrix sum_i s_i (diag(p) - p p^T)."""
    n, K = 30, 3
    X = np.zeros((n, 0))
    X = sp.csr_matrix(X) if sparse else X
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y, n_classes=K)
    coef = rng.normal(size=(K, 1))
    p = np.exp(coef[:, 0]) / np.exp(coef[:, 0]).sum()
    assert_allclose(obj.hessian(coef), np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@DT
def test_csr_index_dtypes(index_dtype, dtype):
    rng = np.random.default_rng(7)
    obj, X, y, sw, coef = make(rng, K=4, sparse=True, dtype=dtype, index_dtype=index_dtype)
    assert obj.X.indices.dtype == index_dtype
    dense = MultinomialLoss(X.toarray(), y, sample_weight=sw, n_classes=4)
    V = rng.normal(size=obj.coef_shape).astype(dtype)
    assert_close_rel(obj.hessian(coef), dense.hessian(coef), tol(dtype))
    assert_close_rel(obj.hessp(coef)(V), dense.hessp(coef)(V), tol(dtype))


@GRID
def test_extreme_scores(sparse, rng):
    """Scores in the hundreds: max-shifted probabilities stay finite, the
    Hessian is finite, PSD and matches the oracle."""
    obj, X, y, sw, coef = make(rng, K=4, sparse=sparse, coef_scale=300.0, n=60, d=3)
    H = obj.hessian(coef)
    assert np.all(np.isfinite(H))
    assert_close_rel(H, ref.multinomial_hessian(X, y, coef, sw, 0.0, True), 1e-9)
    assert np.linalg.eigvalsh(H)[0] >= -1e-12 * max(1.0, np.abs(H).max())


def test_strided_and_readonly_inputs(rng):
    """A strided float32 X is made C-contiguous once by the objective; a
    read-only X and a read-only state are used as they are."""
    X, y, sw = problem(rng, n=100, d=6, dtype=np.float32)
    Xs = np.asfortranarray(X)
    Xr = X.copy()
    Xr.flags.writeable = False
    coef = rng.normal(size=(3, 7)).astype(np.float32)
    H = MultinomialLoss(X, y, sample_weight=sw).hessian(coef)
    assert_array_equal(MultinomialLoss(Xs, y, sample_weight=sw).hessian(coef), H)
    obj = MultinomialLoss(Xr, y, sample_weight=sw)
    assert_array_equal(obj.hessian(coef), H)
    state = kernels.probabilities(obj, coef=coef)
    state.flags.writeable = False
    V = rng.normal(size=(3, 7)).astype(np.float32)
    kernels.hessp(obj, P=state, V=V)


def test_bad_inputs(rng):
    obj, X, y, sw, coef = make(rng, K=3)
    with pytest.raises(ValueError, match="coef has shape"):
        kernels.hessian(obj, coef=np.zeros((2, 2)))
    state = kernels.probabilities(obj, coef=coef)
    with pytest.raises(ValueError, match="V has shape"):
        kernels.hessp(obj, P=state, V=np.zeros(5))
    with pytest.raises(ValueError, match="P must be the probabilities"):
        kernels.hessp(obj, P=state[:-1], V=coef)
    with pytest.raises(ValueError, match="P must be the probabilities"):
        kernels.hessp(obj, P=state.astype(np.float32), V=coef)
    # the flat form of V is accepted
    assert_allclose(kernels.hessp(obj, P=state, V=coef.ravel()),
                    kernels.hessp(obj, P=state, V=coef))


@DT
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_hessp_dense_many_blocks_and_groups(dtype, fit_intercept, n_threads, rng):
    # Dense products run on the loss/gradient row blocks of ~256 KB of X
    # (d=40: 819 float64 or 1638 float32 rows) over up to 32 row groups; n = 7000 gives several
    # blocks, a short last block, and groups of uneven block counts (the
    # transposed V, the in-place T and the intercept sums across blocks).
    n, d, K = 7000, 40, 3
    X = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.5, 2.0, size=n)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.05, fit_intercept=fit_intercept,
                          n_threads=n_threads)
    coef = (0.2 * rng.normal(size=obj.coef_shape)).astype(dtype)
    V = rng.normal(size=obj.coef_shape).astype(dtype)
    HV = obj.hessp(coef)(V)
    HV_ref = ref.multinomial_hessp(X, y, coef, V, sw, 0.05, fit_intercept)
    # float64: n = 7000 rows, still far inside 1000 eps; float32 as tol()
    assert_close_rel(HV, HV_ref, tol(dtype))
    # bitwise independent of the thread count (fixed groups, summed in order)
    other = MultinomialLoss(X, y, sample_weight=sw, l2=0.05, fit_intercept=fit_intercept,
                            n_threads=3 - n_threads)
    assert_array_equal(other.hessp(coef)(V), HV)


def test_hessian_pass_count_follows_the_chunk_plan():
    """One pass for the probabilities, then one prefix of X per chunk of about
    512 feature pairs (whole triangle rows), ending at the chunk's last
    feature; recomputed here from that description."""
    from softmax_ext._ext import hessian as hessian_ext

    for d, fit_intercept in [(1, True), (6, True), (64, False), (100, True), (500, True)]:
        p = d + fit_intercept
        reads, count = 1.0, 0
        for a in range(p):
            count += a + 1
            if count >= 512 or a == p - 1:
                reads += min(a + 1, d) / d
                count = 0
        assert hessian_ext.x_reads(d, fit_intercept) == pytest.approx(reads, rel=1e-12)
        X = np.zeros((3, d))
        obj = MultinomialLoss(X, [0, 1, 2], fit_intercept=fit_intercept)
        before = obj.n_passes_over_X
        obj.hessian(obj.init_coef())
        assert obj.n_passes_over_X - before == max(1, round(reads))
