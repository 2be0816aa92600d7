"""The row-wise kernels against the NumPy oracles and scipy.special."""

import numpy as np
import pytest
import scipy.sparse
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

import softmax_ext as se
from softmax_ext import reference as ref

from conftest import DTYPES, tolerance

FUNCS = {
    "softmax": (se.softmax, ref.softmax, lambda Z: scipy.special.softmax(Z, axis=-1)),
    "log_softmax": (se.log_softmax, ref.log_softmax, lambda Z: scipy.special.log_softmax(Z, axis=-1)),
    "logsumexp": (se.logsumexp, ref.logsumexp, lambda Z: scipy.special.logsumexp(Z, axis=-1)),
}


def assert_close(actual, expected, dtype, *, scale=1.0):
    """Equal NaN/inf pattern, then relative closeness with an absolute floor.

    The floor ``tol * scale`` covers results near 0 (log-softmax of the top
    class, tiny probabilities) where only absolute accuracy is meaningful.
    """
    tol = tolerance(dtype)
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    assert_array_equal(np.isnan(actual), np.isnan(expected))
    finite = np.isfinite(expected)
    assert_array_equal(actual[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)])
    assert_allclose(actual[finite], expected[finite], rtol=tol, atol=tol * scale)


def scores(rng, n, K, dtype, spread=5.0):
    return (rng.standard_normal((n, K)) * spread).astype(dtype)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 257, 5000])
@pytest.mark.parametrize("K", [1, 2, 10, 1031])
def test_against_oracle_and_scipy(name, dtype, n, K, rng):
    ours, oracle, scipy_fn = FUNCS[name]
    Z = scores(rng, n, K, dtype)
    result = ours(Z)
    assert result.dtype == dtype
    expected_shape = (n,) if name == "logsumexp" else (n, K)
    assert result.shape == expected_shape
    scale = np.max(np.abs(Z), initial=1.0) if name != "softmax" else 1.0
    assert_close(result, oracle(Z), dtype, scale=scale)
    if n > 0:
        assert_close(result, scipy_fn(Z.astype(np.float64)), dtype, scale=scale)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_sums_to_one_and_k1_is_one(name, dtype, rng):
    Z = scores(rng, 300, 7, dtype, spread=30)
    P = se.softmax(Z)
    assert_allclose(P.sum(axis=1), 1.0, rtol=tolerance(dtype, 8))
    assert_array_equal(se.softmax(Z[:, :1]), np.ones((300, 1), dtype=dtype))
    assert_array_equal(se.log_softmax(Z[:, :1]), np.zeros((300, 1), dtype=dtype))


SPECIAL_ROWS = [
    [np.inf, 1.0],
    [np.inf, np.inf],
    [-np.inf, -np.inf],
    [-np.inf, 1.0],
    [np.nan, 1.0],
    [1.0, np.nan],
    [1e308, -1e308],
    [1e308, 1e308],
    [-1e308, -1e308],
    [1e308, 1e307],
    [-745.0, 0.0],
    [-800.0, 0.0],
    [709.0, 0.0],
    [-np.inf, -np.inf, 3.0],
]


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("row", SPECIAL_ROWS, ids=str)
def test_special_values_match_scipy(name, row):
    ours, _, scipy_fn = FUNCS[name]
    Z = np.array([row] * 3)  # several rows so both threads see one
    with np.errstate(all="ignore"):
        expected = scipy_fn(Z)
    assert_close(ours(Z, n_threads=2), expected, np.float64, scale=1.0)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_special_values_float32(name):
    ours, _, scipy_fn = FUNCS[name]
    big = np.finfo(np.float32).max
    rows = [[np.inf, 1.0], [-np.inf, -np.inf], [np.nan, 0.0], [big, -big], [big, big], [-100.0, 0.0]]
    Z = np.array(rows, dtype=np.float32)
    with np.errstate(all="ignore"):
        # Rounded to float32 as the result is: -6.8e38 overflows to -inf.
        expected = scipy_fn(Z.astype(np.float64)).astype(np.float32)
    assert_close(ours(Z), expected, np.float32, scale=1.0)


def test_nan_row_is_nan_and_other_rows_unaffected(rng):
    Z = scores(rng, 50, 6, np.float64)
    Z[17, 3] = np.nan
    P = se.softmax(Z)
    assert np.all(np.isnan(P[17]))
    assert np.all(np.isnan(se.log_softmax(Z)[17]))
    assert np.isnan(se.logsumexp(Z)[17])
    mask = np.arange(50) != 17
    assert_close(P[mask], ref.softmax(Z[mask]), np.float64)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_layouts_and_input_untouched(name, dtype, rng):
    ours = FUNCS[name][0]
    base = scores(rng, 400, 24, dtype)
    expected = ours(base)
    fortran = np.asfortranarray(base)
    strided = np.repeat(base, 2, axis=1)[:, ::2]
    readonly = base.copy()
    readonly.flags.writeable = False
    for Z in (fortran, strided, readonly):
        before = Z.copy()
        assert_array_equal(ours(Z), expected)
        assert_array_equal(Z, before)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("K", [3, 10, 1031])
def test_threads_bitwise_equal(name, dtype, K, rng):
    ours = FUNCS[name][0]
    Z = scores(rng, 3001, K, dtype)
    assert_array_equal(ours(Z, n_threads=1), ours(Z, n_threads=2))
    assert_array_equal(ours(Z, n_threads=1), ours(Z, n_threads=7))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_out_argument(name, rng):
    ours = FUNCS[name][0]
    Z = scores(rng, 20, 5, np.float64)
    out = np.empty_like(Z)
    assert ours(Z, out=out) is out
    assert_array_equal(out, ours(Z))
    v = Z[0]
    out1 = np.empty(5)
    assert ours(v, out=out1) is out1
    assert_array_equal(out1, ours(Z)[0])
    with pytest.raises(ValueError, match="shape"):
        ours(Z, out=np.empty((20, 4)))
    with pytest.raises(TypeError, match="dtype"):
        ours(Z, out=np.empty((20, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        ours(Z, out=np.empty((5, 20)).T)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_out_overlapping_input(name, rng):
    # out may be Z itself (in place) or overlap it shifted by rows: the result
    # must be that of a separate output either way
    ours, _, theirs = FUNCS[name]
    Z = scores(rng, 6, 4, np.float64)
    expected = theirs(Z[:-1])
    buf = Z.copy()
    ours(buf[:-1], out=buf[1:])
    assert_allclose(buf[1:], expected, rtol=1e-14, atol=1e-15)
    buf = Z.copy()
    ours(buf[1:], out=buf[:-1])
    assert_allclose(buf[:-1], theirs(Z[1:]), rtol=1e-14, atol=1e-15)
    buf = Z.copy()
    ours(buf, out=buf)
    assert_allclose(buf, theirs(Z), rtol=1e-14, atol=1e-15)


def test_cross_entropy_out_overlapping_input(rng):
    Z = scores(rng, 6, 4, np.float64)
    y = np.array([0, 1, 2, 3, 0])
    loss, R = se.cross_entropy(Z[:-1], y)
    buf = Z.copy()
    loss2, _ = se.cross_entropy(buf[:-1], y, out=buf[1:])
    assert loss2 == pytest.approx(loss, rel=1e-14)
    assert_allclose(buf[1:], R, rtol=1e-14, atol=1e-15)


def test_one_dimensional_and_integer_input():
    v = np.array([1, 2, 3])
    assert se.softmax(v).shape == (3,)
    assert se.softmax(v).dtype == np.float64
    lse = se.logsumexp(v)
    assert np.ndim(lse) == 0
    assert_allclose(lse, scipy.special.logsumexp(v), rtol=1e-15)
    assert_allclose(se.log_softmax([0.0, 0.0]), np.log([0.5, 0.5]), rtol=1e-15)
    assert se.softmax(np.array([[1.0, 2.0]], dtype=np.float16)).dtype == np.float32


def test_empty_rows_and_columns():
    assert se.softmax(np.zeros((0, 4))).shape == (0, 4)
    assert se.logsumexp(np.zeros((0, 4))).shape == (0,)
    assert_array_equal(se.logsumexp(np.zeros((3, 0))), [-np.inf] * 3)
    assert se.softmax(np.zeros((3, 0))).shape == (3, 0)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_bad_input_raises_clear_errors(name):
    ours = FUNCS[name][0]
    with pytest.raises(TypeError, match="complex"):
        ours(np.ones((2, 2), dtype=complex))
    with pytest.raises(TypeError, match="numeric"):
        ours(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="numeric"):
        ours(np.array([[1.0, None]], dtype=object))
    with pytest.raises(ValueError, match="3 dimensions"):
        ours(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="0 dimensions"):
        ours(np.float64(3.0))
    with pytest.raises(ValueError, match="n_threads"):
        ours(np.ones((2, 2)), n_threads=0)
    with pytest.raises(TypeError, match="n_threads"):
        ours(np.ones((2, 2)), n_threads=1.5)
    with pytest.raises(TypeError, match="sparse"):
        ours(scipy.sparse.csr_matrix(np.ones((2, 2))))


# ----- fused cross-entropy ---------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("K", [1, 2, 10, 1031])
def test_cross_entropy_against_oracle(dtype, weighted, K, rng):
    n = 2003
    Z = scores(rng, n, K, dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0, 3, size=n).astype(dtype) if weighted else None
    loss, R = se.cross_entropy(Z, y, sample_weight=sw)
    loss_ref, R_ref = ref.cross_entropy(Z, y, sw)
    assert R.dtype == dtype and R.shape == (n, K)
    assert_allclose(loss, loss_ref, rtol=tolerance(dtype, 64))
    assert_close(R, R_ref, dtype, scale=3.0)
    loss_only, none = se.cross_entropy(Z, y, sample_weight=sw, residual=False)
    assert none is None and loss_only == loss
    for threads in (1, 2, 5):
        loss_t, R_t = se.cross_entropy(Z, y, sample_weight=sw, n_threads=threads)
        assert loss_t == loss
        assert_array_equal(R_t, R)


def test_cross_entropy_is_scipy_log_softmax(rng):
    Z = scores(rng, 100, 4, np.float64, spread=50)
    y = rng.integers(0, 4, size=100)
    loss, _ = se.cross_entropy(Z, y)
    expected = -np.sum(scipy.special.log_softmax(Z, axis=1)[np.arange(100), y])
    assert_allclose(loss, expected, rtol=1e-13)


def test_cross_entropy_gradient_matches_finite_differences(rng):
    Z = scores(rng, 5, 4, np.float64)
    y = rng.integers(0, 4, size=5)
    sw = rng.uniform(0.5, 2, size=5)
    _, R = se.cross_entropy(Z, y, sample_weight=sw)
    h = 1e-6
    for i, k in [(0, 0), (2, 3), (4, 1)]:
        Zp, Zm = Z.copy(), Z.copy()
        Zp[i, k] += h
        Zm[i, k] -= h
        fd = (se.cross_entropy(Zp, y, sample_weight=sw)[0] - se.cross_entropy(Zm, y, sample_weight=sw)[0]) / (2 * h)
        assert_allclose(R[i, k], fd, rtol=1e-6, atol=1e-8)


def test_cross_entropy_bad_labels_and_weights():
    Z = np.zeros((3, 4))
    with pytest.raises(ValueError, match="label 4"):
        se.cross_entropy(Z, [0, 4, 1])
    with pytest.raises(ValueError, match="label -1"):
        se.cross_entropy(Z, [0, -1, 1])
    with pytest.raises(ValueError, match="integer"):
        se.cross_entropy(Z, [0, 1.5, 1])
    # non-integer labels of any type are a ValueError naming the value (issue 2/3)
    with pytest.raises(ValueError, match="'a'"):
        se.cross_entropy(Z, ["a", "b", "c"])
    with pytest.raises(ValueError, match="1e\\+20"):
        se.cross_entropy(Z, [0.0, 1e20, 1.0])
    _, R = se.cross_entropy(Z, np.array([0, 3, 1], dtype=object))
    assert_array_equal(R, se.cross_entropy(Z, [0, 3, 1])[1])
    with pytest.raises(ValueError, match="y has 2 rows but Z has 3"):
        se.cross_entropy(Z, [0, 1])
    with pytest.raises(ValueError, match="sample_weight"):
        se.cross_entropy(Z, [0, 1, 2], sample_weight=[1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        se.cross_entropy(Z, [0, 1, 2], sample_weight=[1, -2, 1])
    with pytest.raises(ValueError, match="NaN"):
        se.cross_entropy(Z, [0, 1, 2], sample_weight=[1, np.nan, 1])
    with pytest.raises(ValueError, match="2-D"):
        se.cross_entropy(np.zeros(4), [0])


# ----- properties --------------------------------------------------------------

finite_or_special = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([np.inf, -np.inf, np.nan, 0.0, -745.5, 709.9]),
)


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
        elements=finite_or_special,
    )
)
def test_property_matches_scipy_on_any_values(Z):
    with np.errstate(all="ignore"):
        for name, (ours, _, scipy_fn) in FUNCS.items():
            expected = scipy_fn(Z)
            scale = max(1.0, float(np.max(np.abs(Z[np.isfinite(Z)]), initial=1.0)))
            assert_close(ours(Z), expected, np.float64, scale=scale if name != "softmax" else 1.0)


@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=30),
        elements=st.floats(-1e4, 1e4, width=32),
    )
)
def test_property_float32_probabilities(Z):
    P = se.softmax(Z)
    assert P.dtype == np.float32 and P.shape == Z.shape
    assert np.all((P >= 0) & (P <= 1))
    assert_allclose(P.sum(axis=-1), 1.0, rtol=tolerance(np.float32, 8))
    lse = se.logsumexp(Z)
    assert np.all(lse >= np.max(Z, axis=-1) - 1e-3 * np.maximum(1, np.abs(np.max(Z, axis=-1))))


# ----- narrow rows: the transposed path, every width ---------------------------

# Widths of the narrow-row path (K < 64 columns, compiled with K constant up
# to 16) and the first wide ones; 1000 rows span several transposed
# sub-blocks, the last one partial.
NARROW_KS = list(range(1, 18)) + [31, 32, 33, 47, 63, 64, 65]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("K", NARROW_KS)
def test_every_narrow_width_against_oracle(K, dtype, rng):
    n = 1000
    Z = scores(rng, n, K, dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0, 3, size=n).astype(dtype)
    for name, (ours, oracle, _) in FUNCS.items():
        result = ours(Z, n_threads=1)
        scale = np.max(np.abs(Z)) if name != "softmax" else 1.0
        assert_close(result, oracle(Z), dtype, scale=scale)
        assert_array_equal(ours(Z, n_threads=2), result)
    loss, R = se.cross_entropy(Z, y, sample_weight=sw, n_threads=1)
    loss_ref, R_ref = ref.cross_entropy(Z, y, sw)
    assert_allclose(loss, loss_ref, rtol=tolerance(dtype, 64))
    assert_close(R, R_ref, dtype, scale=3.0)
    loss2, R2 = se.cross_entropy(Z, y, sample_weight=sw, n_threads=2)
    assert loss2 == loss
    assert_array_equal(R2, R)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("K", [2, 10, 37])
def test_special_rows_inside_large_narrow_blocks(K, dtype, rng):
    # Special rows scattered through a large array: the sub-blocks holding
    # them take the full-range path, their neighbours the fast one; every
    # row must still match scipy, and the result must not depend on threads.
    n = 5000
    Z = scores(rng, n, K, dtype)
    big = float(np.finfo(dtype).max)
    specials = [[np.inf], [-np.inf] * K, [np.nan], [big, -big], [big, big],
                [-big] * K, [-np.inf, 0.0], [-800.0, 0.0], [np.nan, np.inf]]
    where = rng.choice(n, size=60, replace=False)
    for j, i in enumerate(where):
        row = specials[j % len(specials)]
        Z[i, :min(len(row), K)] = row[:K]
    Z64 = Z.astype(np.float64)
    with np.errstate(all="ignore"):
        for name, (ours, _, scipy_fn) in FUNCS.items():
            result = ours(Z, n_threads=1)
            # scipy in float64 on the same values, rounded to the dtype as
            # the kernels' results are (overflow to inf included).
            expected = scipy_fn(Z64).astype(dtype)
            # Each special row with its own absolute floor (its largest
            # finite magnitude), the ordinary rows with theirs.
            for i in where:
                finite = np.abs(Z64[i][np.isfinite(Z64[i])])
                scale = 1.0 if name == "softmax" else max(1.0, float(np.max(finite, initial=1.0)))
                assert_close(result[i], expected[i], dtype, scale=scale)
            ordinary = np.setdiff1d(np.arange(n), where)
            scale = 1.0 if name == "softmax" else float(np.max(np.abs(Z64[ordinary])))
            assert_close(result[ordinary], expected[ordinary], dtype, scale=scale)
            assert_array_equal(ours(Z, n_threads=2), result)
