"""Accuracy of the vectorised exponentials of csrc/smx_math.h, in ulps.

The kernels' exponentials are inline C functions; csrc/smx_softmax.c exports
them over arrays (``smx_exp_array_f32/_f64``, compiled and vectorised exactly
as in the kernels, with the same target clones), and these tests call them
through ctypes.  References: ``np.exp`` in long double (x87, 64-bit mantissa)
for float64, ``np.exp`` in float64 for float32, so that the reference error is
far below one ulp of the tested dtype.  Special values must match ``np.exp``
exactly.  The last tests check, through the public kernels, that rows whose
shifted scores leave the fast exponential's range take the full-range path.
"""

import ctypes

import numpy as np
import pytest
import scipy.special

import softmax_ext as se
from softmax_ext._ext import softmax as _softmax

_LIB = ctypes.CDLL(_softmax.__file__)

# Inputs where the fast versions are valid (SMX_EXP_FAST_LO/HI in smx_math.h).
FAST_RANGE = {np.float64: (-708.0, 709.0), np.float32: (-87.0, 88.0)}
# The whole range from "rounds to 0" to "overflows", with a margin.
FULL_RANGE = {np.float64: (-750.0, 712.0), np.float32: (-106.0, 90.0)}
# Largest errors allowed.  float64: the fitted polynomial's error (< 2e-16
# relative) plus the roundings of the reduction and of the final s * (1 + p)
# reach just under 2 ulps (1.97 measured); the full-range Taylor version 2.2
# measured.  float32: about 1 ulp measured for both.
MAX_ULPS = {np.float64: 2.5, np.float32: 1.5}


def vexp(x, fast):
    x = np.ascontiguousarray(x)
    out = np.full_like(x, 12345.0)
    fn = _LIB.smx_exp_array_f64 if x.dtype == np.float64 else _LIB.smx_exp_array_f32
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int]
    fn.restype = None
    fn(x.ctypes.data, x.size, out.ctypes.data, int(fast))
    return out


def reference(x):
    wide = np.longdouble if x.dtype == np.float64 else np.float64
    with np.errstate(over="ignore"):
        return np.exp(x.astype(wide))


def ulp_errors(got, x):
    """|got - exp(x)| in ulps of exp(x) rounded to x's dtype (subnormal
    results: in units of the smallest subnormal)."""
    ref = reference(x)
    with np.errstate(over="ignore"):
        rounded = ref.astype(x.dtype)
    finite = np.isfinite(rounded)
    spacing = np.spacing(np.abs(rounded[finite])).astype(ref.dtype)
    return np.abs(got[finite].astype(ref.dtype) - ref[finite]) / spacing, finite


def sample(dtype, lo, hi, rng):
    return np.concatenate([
        np.linspace(lo, hi, 1_000_001),
        rng.uniform(lo, hi, 500_000),
        rng.uniform(-1.0, 1.0, 200_000),       # around 0: results near 1
        [lo, hi, 0.0, -0.0],
    ]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_exp_ulps_on_its_range(dtype, rng):
    if dtype == np.float64 and np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("no wider reference than float64 here")
    lo, hi = FAST_RANGE[dtype]
    x = sample(dtype, lo, hi, rng)
    errors, finite = ulp_errors(vexp(x, True), x)
    assert finite.all()
    assert errors.max() <= MAX_ULPS[dtype], x[finite][errors.argmax()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_full_exp_ulps_over_whole_range(dtype, rng):
    if dtype == np.float64 and np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("no wider reference than float64 here")
    lo, hi = FULL_RANGE[dtype]
    tiny = np.finfo(dtype).tiny
    x = sample(dtype, lo, hi, rng)
    got = vexp(x, False)
    errors, finite = ulp_errors(got, x)
    assert errors.max() <= MAX_ULPS[dtype], x[finite][errors.argmax()]
    # The range holds subnormal results, zeros and overflows: all checked.
    assert ((got > 0) & (got < tiny)).sum() > 1000
    assert (got == 0).sum() > 1000
    assert np.array_equal(np.isinf(got), ~finite)
    assert (got[~finite] == np.inf).all() and (~finite).sum() > 1000


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_special_values_exactly_as_numpy(dtype, fast):
    if fast:
        # Outside its range the fast version owes nothing but NaN -> NaN.
        x = np.array([np.nan, -np.nan], dtype=dtype)
    else:
        big = 1000.0 if dtype == np.float64 else 200.0
        x = np.array([-np.inf, np.inf, np.nan, big, -big, 0.0, -0.0,
                      np.finfo(dtype).max, -np.finfo(dtype).max], dtype=dtype)
    with np.errstate(over="ignore"):
        expected = np.exp(x)
    np.testing.assert_array_equal(vexp(x, fast), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_vector_lanes_and_tails(dtype, rng):
    # Lengths around the vector widths: every lane and remainder is written.
    for n in range(1, 40):
        x = rng.uniform(-5.0, 5.0, n).astype(dtype)
        for fast in (False, True):
            got = vexp(x, fast)
            np.testing.assert_allclose(got, np.exp(x.astype(np.float64)),
                                       rtol=4 * np.finfo(dtype).eps)


# Shifted scores just inside and just outside the fast range, and far
# outside (subnormal or zero exponentials): each row must match scipy.
EDGE_ROWS = {
    np.float64: [[0.0, -708.0, 1.0], [0.0, -708.5, 1.0], [0.0, -720.0, -730.0],
                 [3.0, -800.0, 2.0], [0.0, -1e300, 5.0]],
    np.float32: [[0.0, -87.0, 1.0], [0.0, -87.5, 1.0], [0.0, -90.0, -95.0],
                 [3.0, -200.0, 2.0], [0.0, -1e30, 5.0]],
}


@pytest.mark.parametrize("width", [3, 200])  # flat-block and fused-row paths
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_take_full_path_outside_fast_range(dtype, width):
    rows = np.array(EDGE_ROWS[dtype], dtype=dtype)
    # Pad to `width` columns with a score that adds a known, non-negligible
    # mass; a block mixes fast rows with rows that need the full path.
    Z = np.full((len(rows), width), -1.0, dtype=dtype)
    Z[:, :3] = rows
    Z = np.vstack([Z, np.zeros((1, width), dtype=dtype)])
    wide = Z.astype(np.float64)
    tol = 32 * np.finfo(dtype).eps
    P = se.softmax(Z)
    expected = scipy.special.softmax(wide, axis=-1)
    # Compare in ulps of each probability: also the subnormal ones.
    scale = np.maximum(np.abs(expected), np.finfo(dtype).tiny)
    assert (np.abs(P - expected) / scale).max() <= tol
    # The subnormal exponentials are there, not flushed to zero.
    assert (P[2, 1:3] > 0).all()
    # Absolute tolerance too: a row [0, -720, -730] has logsumexp
    # log(1 + 2e-313), which scipy gets through log1p and we round to 0.
    np.testing.assert_allclose(se.logsumexp(Z), scipy.special.logsumexp(wide, axis=-1),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(se.log_softmax(Z), scipy.special.log_softmax(wide, axis=-1),
                               rtol=tol, atol=tol)


# ----- the vectorised logarithm of the row sums --------------------------------

# Largest error of smx_log_array (double) in ulps: the Taylor series is exact
# to < 1e-19, so only the roundings of the reduction and of the final sum
# remain (0.82 measured).
MAX_LOG_ULPS = 1.0


def vlog(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.full_like(x, 12345.0)
    fn = _LIB.smx_log_array_f64
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
    fn.restype = None
    fn(x.ctypes.data, x.size, out.ctypes.data)
    return out


def test_log_ulps_over_positive_normals(rng):
    if np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("no wider reference than float64 here")
    x = np.concatenate([
        np.exp(rng.uniform(-708.0, 709.7, 1_000_000)),   # every binade
        rng.uniform(1.0, 1000.0, 500_000),               # sums of exponentials
        1.0 + rng.uniform(-1e-6, 1e-6, 100_000),         # log near 0
        np.nextafter(1.0, [0.0, 2.0]),
        [np.finfo(np.float64).tiny, np.finfo(np.float64).max, np.sqrt(0.5), np.sqrt(2.0)],
    ])
    ref = np.log(x.astype(np.longdouble))
    spacing = np.spacing(np.abs(ref.astype(np.float64))).astype(np.longdouble)
    errors = np.abs(vlog(x).astype(np.longdouble) - ref) / spacing
    assert errors.max() <= MAX_LOG_ULPS, x[errors.argmax()]
    assert vlog(np.array([1.0]))[0] == 0.0


def test_log_special_values_exactly_as_numpy():
    tiny = np.finfo(np.float64).tiny
    x = np.array([0.0, -0.0, -1.0, -np.inf, np.inf, np.nan, 5e-324, tiny / 3,
                  np.nextafter(tiny, 0.0), tiny, np.finfo(np.float64).max, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.log(x)
    np.testing.assert_array_equal(vlog(x), expected)


def test_log_all_lanes_and_tails(rng):
    # Lengths around the vector widths, each with and without one value that
    # needs log() (which switches the whole array to the checked loop).
    for n in range(1, 40):
        x = rng.uniform(0.5, 50.0, n)
        np.testing.assert_allclose(vlog(x), np.log(x), rtol=2 * np.finfo(np.float64).eps)
        for j in (0, n // 2, n - 1):
            y = x.copy()
            y[j] = 0.0
            with np.errstate(divide="ignore"):
                expected = np.log(y)
            got = vlog(y)
            assert got[j] == -np.inf
            np.testing.assert_allclose(got, expected, rtol=2 * np.finfo(np.float64).eps)
