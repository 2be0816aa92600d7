"""Input checks shared by the public functions: done once, at the boundary."""

import numpy as np
import scipy.sparse


def float_dtype_of(dtype):
    """The kernel dtype for input of ``dtype``: float32 stays, float16 widens to
    float32, every other real dtype becomes float64."""
    return np.float32 if np.dtype(dtype) in (np.float32, np.float16) else np.float64


def as_float_array(Z, name="Z", order="K"):
    """Return ``Z`` as a float32 or float64 ndarray, never modifying it.

    ``order="C"`` also makes it C-contiguous, in the same (single) copy.

    float32 (and float16) stays single precision; integers, booleans and
    other real floats become float64.  Complex, object, string and other
    non-numeric arrays raise a TypeError that names the dtype.
    """
    if scipy.sparse.issparse(Z):
        raise TypeError(
            f"{name} must be a dense array; got a scipy sparse {type(Z).__name__} "
            "(convert it with .toarray())."
        )
    arr = np.asarray(Z)
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}.")
    if kind not in "biuf":
        raise TypeError(
            f"{name} must be a numeric array, got dtype {arr.dtype} "
            "(object, string or other non-numeric data)."
        )
    return arr.astype(float_dtype_of(arr.dtype), order=order, copy=False)


def as_rows(Z, name="Z"):
    """Validate ``Z`` as 1-D (one row) or 2-D and return a C-contiguous 2-D view.

    Returns
    -------
    Z2 : ndarray of shape (n, K), C-contiguous, float32 or float64
        A copy only when the layout or dtype requires one.
    was_1d : bool
    """
    arr = as_float_array(Z, name)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be a 1-D or 2-D array of scores, got an array with "
            f"{arr.ndim} dimensions and shape {arr.shape}."
        )
    was_1d = arr.ndim == 1
    arr2 = arr.reshape(1, -1) if was_1d else arr
    return np.ascontiguousarray(arr2), was_1d


def check_out(out, shape, dtype, name="out"):
    """Check a user-provided output array; return it as given."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}.")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} has shape {out.shape}, expected {tuple(shape)}.")
    if out.dtype != dtype:
        raise TypeError(f"{name} has dtype {out.dtype}, expected {np.dtype(dtype)}.")
    if not out.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous.")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only.")
    return out


def separate_from_out(Z2, out):
    """``Z2``, or a copy of it when it overlaps ``out`` other than exactly.

    The row kernels may write a row in place (``out is Z``, same memory and
    strides): each row is read before it is written.  Any other overlap (say
    ``out = Z[1:]`` for ``Z[:-1]``) would overwrite rows not yet read.
    """
    if out is None or not np.may_share_memory(Z2, out):
        return Z2
    same = (Z2.__array_interface__["data"][0] == out.__array_interface__["data"][0]
            and Z2.strides == out.strides and Z2.shape == out.shape)
    return Z2 if same else Z2.copy()


def check_labels(y, n_samples, n_classes, name="y"):
    """Return integer labels in [0, n_classes) as a C-contiguous int64 array.

    ``n_classes=None`` checks only that the labels are integers >= 0.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} rows but Z has {n_samples}.")
    if arr.dtype.kind == "O":  # e.g. a list mixing ints and None, or boxed ints
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            bad = next((v for v in arr if not isinstance(v, (int, float, np.number))), arr[0])
            raise ValueError(f"{name} must hold integer class labels, got {bad!r}.") from None
    if arr.dtype.kind == "f":
        ok = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < 2.0**62)
        if arr.size and not np.all(ok):
            raise ValueError(f"{name} must hold integer class labels, got {arr[~ok][0]!r}.")
    elif arr.dtype.kind not in "iub":
        # non-integer labels are a ValueError (issue 3), whatever their type
        shown = repr(arr[0]) + ", ..." if arr.size else "nothing"
        raise ValueError(
            f"{name} must hold integer class labels, got {shown} (dtype {arr.dtype}).")
    labels = np.ascontiguousarray(arr, dtype=np.int64)
    if labels.size and n_classes is None:  # no upper bound (yet): only >= 0
        if labels.min() < 0:
            raise ValueError(f"{name} holds label {labels.min()}; labels must be >= 0.")
    elif labels.size:
        lo, hi = labels.min(), labels.max()
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"{name} holds label {bad}, outside [0, {n_classes}) for "
                f"{n_classes} classes."
            )
    return labels


def check_sample_weight(sample_weight, n_samples, dtype):
    """Return non-negative finite weights of ``dtype`` (None stays None)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight)
    if sw.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {sw.dtype}.")
    if sw.ndim == 0:
        sw = np.full(n_samples, sw, dtype=dtype)
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has shape {sw.shape}, expected ({n_samples},)."
        )
    sw = np.ascontiguousarray(sw, dtype=dtype)
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative.")
    return sw
