"""The input checks at the public boundary (softmax_ext._validation): dtype
rules, the messages (naming the argument, the expected and the actual), and
that inputs are never modified."""

import re

import numpy as np
import pytest
import scipy.sparse

from softmax_ext._validation import (
    as_float_array,
    as_rows,
    check_labels,
    check_out,
    check_sample_weight,
    float_dtype_of,
    separate_from_out,
)


# ------------------------------------------------ dtypes

@pytest.mark.parametrize("dtype, expected", [
    (np.float32, np.float32), (np.float16, np.float32), (np.float64, np.float64),
    (np.longdouble, np.float64), (np.int8, np.float64), (np.int64, np.float64),
    (np.uint16, np.float64), (np.bool_, np.float64), ("f4", np.float32), ("<f8", np.float64),
])
def test_float_dtype_of(dtype, expected):
    assert float_dtype_of(dtype) is expected


@pytest.mark.parametrize("dtype, expected", [
    (np.float32, np.float32), (np.float16, np.float32), (np.float64, np.float64),
    (np.int32, np.float64), (np.bool_, np.float64), (np.uint8, np.float64),
])
def test_as_float_array_dtype_rules(dtype, expected):
    Z = np.arange(6).reshape(2, 3).astype(dtype)
    out = as_float_array(Z)
    assert out.dtype == expected
    np.testing.assert_array_equal(out, Z.astype(expected))


def test_as_float_array_does_not_copy_a_kernel_dtype():
    for dtype in (np.float32, np.float64):
        Z = np.ones((3, 4), dtype=dtype)
        assert as_float_array(Z) is Z
        # strided input keeps its layout unless order="C" is asked for
        S = Z[:, ::2]
        assert np.shares_memory(as_float_array(S), Z)
        C = as_float_array(S, order="C")
        assert C.flags.c_contiguous and not np.shares_memory(C, Z)


def test_as_float_array_converts_dtype_and_layout_without_touching_the_input():
    Z = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4))
    before = Z.copy()
    out = as_float_array(Z, order="C")
    assert out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, before)
    np.testing.assert_array_equal(Z, before)
    assert Z.dtype == np.int64 and Z.flags.f_contiguous


def test_as_float_array_accepts_lists():
    out = as_float_array([[1, 2], [3, 4]])
    assert out.dtype == np.float64 and out.shape == (2, 2)


def test_as_float_array_rejects_sparse_naming_the_argument():
    with pytest.raises(TypeError, match=r"scores must be a dense array; got a scipy sparse "
                                        r"csr_matrix \(convert it with \.toarray\(\)\)"):
        as_float_array(scipy.sparse.csr_matrix(np.eye(2)), name="scores")


def test_as_float_array_rejects_complex():
    with pytest.raises(TypeError, match=r"Z must be real, got complex dtype complex128"):
        as_float_array(np.ones(3, dtype=complex))


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([1, None], dtype=object),
                                 np.array([b"x"]), np.array(["2020-01-01"], dtype="M8[D]")])
def test_as_float_array_rejects_non_numeric_naming_the_dtype(bad):
    with pytest.raises(TypeError, match=r"W must be a numeric array, got dtype "
                                        + re.escape(str(bad.dtype))):
        as_float_array(bad, name="W")


# ------------------------------------------------ rows

def test_as_rows_turns_one_row_into_2d():
    Z2, was_1d = as_rows(np.arange(4.0))
    assert was_1d and Z2.shape == (1, 4) and Z2.flags.c_contiguous


def test_as_rows_keeps_2d_and_makes_it_contiguous():
    Z = np.arange(12.0).reshape(3, 4)
    Z2, was_1d = as_rows(Z)
    assert not was_1d and Z2 is Z
    S = Z[:, ::2]
    S2, _ = as_rows(S)
    assert S2.flags.c_contiguous
    np.testing.assert_array_equal(S2, S)


@pytest.mark.parametrize("shape", [(), (2, 2, 2)])
def test_as_rows_rejects_other_dimensions(shape):
    Z = np.zeros(shape)
    with pytest.raises(ValueError, match=rf"logits must be a 1-D or 2-D array of scores, got an "
                                         rf"array with {len(shape)} dimensions"):
        as_rows(Z, name="logits")


# ------------------------------------------------ out

def test_check_out_returns_the_array_itself():
    out = np.empty((2, 3))
    assert check_out(out, (2, 3), np.float64) is out


def test_check_out_messages():
    with pytest.raises(TypeError, match=r"res must be a numpy.ndarray, got list"):
        check_out([[0.0]], (1, 1), np.float64, name="res")
    with pytest.raises(ValueError, match=r"out has shape \(3, 2\), expected \(2, 3\)"):
        check_out(np.empty((3, 2)), (2, 3), np.float64)
    with pytest.raises(TypeError, match=r"out has dtype float32, expected float64"):
        check_out(np.empty((2, 3), np.float32), (2, 3), np.float64)
    with pytest.raises(ValueError, match=r"out must be C-contiguous"):
        check_out(np.empty((3, 2)).T, (2, 3), np.float64)
    ro = np.empty((2, 3))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"out is read-only"):
        check_out(ro, (2, 3), np.float64)


def test_separate_from_out():
    Z = np.arange(12.0).reshape(3, 4)
    assert separate_from_out(Z, None) is Z
    assert separate_from_out(Z, np.empty_like(Z)) is Z            # no overlap
    assert separate_from_out(Z, Z) is Z                           # exactly in place
    assert separate_from_out(Z, Z.view()) is Z                    # same memory and strides
    buf = np.arange(16.0).reshape(4, 4)
    shifted = separate_from_out(buf[:-1], buf[1:])                # overlapping, shifted by a row
    assert not np.shares_memory(shifted, buf)
    np.testing.assert_array_equal(shifted, buf[:-1])


# ------------------------------------------------ labels

def test_check_labels_returns_contiguous_int64():
    for y in ([0, 2, 1], np.array([0, 2, 1], np.uint8), np.array([0.0, 2.0, 1.0]),
              np.array([True, False, True]), np.array([0, 2, 1], dtype=object),
              np.array([0, 9, 2, 9, 1])[::2]):
        labels = check_labels(y, 3, 3)
        assert labels.dtype == np.int64 and labels.flags.c_contiguous
        np.testing.assert_array_equal(labels, np.asarray(y).astype(np.int64))


def test_check_labels_shape_messages():
    with pytest.raises(ValueError, match=r"y must be 1-D, got shape \(2, 1\)"):
        check_labels(np.zeros((2, 1)), 2, 3)
    with pytest.raises(ValueError, match=r"target has 2 rows but Z has 3"):
        check_labels([0, 1], 3, 3, name="target")


@pytest.mark.parametrize("y, shown", [
    ([0, 1.5, 2], "1.5"), ([0, np.nan, 1], "nan"), ([0, np.inf, 1], "inf"),
    ([0, None, 1], "nan"), (np.array([0, {}, 1], dtype=object), "{}"),
    (["a", "b", "c"], "'a'"),
])
def test_check_labels_rejects_non_integers(y, shown):
    with pytest.raises(ValueError, match=r"y must hold integer class labels, got .*"
                                         + re.escape(shown)):
        check_labels(y, 3, 3)


def test_check_labels_range_messages():
    with pytest.raises(ValueError, match=r"y holds label 3, outside \[0, 3\) for 3 classes"):
        check_labels([0, 3, 1], 3, 3)
    with pytest.raises(ValueError, match=r"y holds label -1, outside \[0, 3\) for 3 classes"):
        check_labels([0, -1, 5], 3, 3)
    # no number of classes yet: only >= 0 is checked
    np.testing.assert_array_equal(check_labels([0, 7, 1], 3, None), [0, 7, 1])
    with pytest.raises(ValueError, match=r"y holds label -2; labels must be >= 0"):
        check_labels([0, -2, 1], 3, None)


def test_check_labels_empty():
    labels = check_labels(np.array([], dtype=np.float64), 0, 3)
    assert labels.dtype == np.int64 and labels.shape == (0,)


def test_check_labels_does_not_modify_its_input():
    y = np.array([0.0, 2.0, 1.0])
    check_labels(y, 3, 3)
    np.testing.assert_array_equal(y, [0.0, 2.0, 1.0])
    assert y.dtype == np.float64


# ------------------------------------------------ sample weights

def test_check_sample_weight_none_stays_none():
    assert check_sample_weight(None, 5, np.float64) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_check_sample_weight_dtype_and_scalar(dtype):
    sw = check_sample_weight([1, 2, 3], 3, dtype)
    assert sw.dtype == dtype and sw.flags.c_contiguous
    np.testing.assert_array_equal(sw, [1, 2, 3])
    full = check_sample_weight(2.5, 4, dtype)
    assert full.dtype == dtype
    np.testing.assert_array_equal(full, np.full(4, 2.5))


def test_check_sample_weight_messages():
    with pytest.raises(TypeError, match=r"sample_weight must be numeric, got dtype <U1"):
        check_sample_weight(["a", "b"], 2, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\), expected \(3,\)"):
        check_sample_weight([1.0, 2.0], 3, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3, 1\), expected \(3,\)"):
        check_sample_weight(np.ones((3, 1)), 3, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight contains NaN or infinity"):
        check_sample_weight([1.0, np.nan, 1.0], 3, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight contains NaN or infinity"):
        check_sample_weight([1.0, np.inf, 1.0], 3, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative"):
        check_sample_weight([1.0, -0.5, 1.0], 3, np.float64)


def test_check_sample_weight_does_not_modify_its_input():
    w = np.array([1, 2, 3], dtype=np.int64)
    out = check_sample_weight(w, 3, np.float64)
    out[0] = 99.0
    np.testing.assert_array_equal(w, [1, 2, 3])
