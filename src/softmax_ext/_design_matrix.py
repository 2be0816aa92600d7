"""The design matrix X: the one place where its invariants are established.

Every path that hands X to a kernel (an objective binding it, ``solve``
through that objective, inference, ``predict`` / ``predict_proba`` /
``decision_function``) goes through :func:`check_design_matrix` first, and
the kernels trust what it returns:

- dense: a 2-D C-contiguous ndarray, float32 (float32 and float16 input) or
  float64 (every other real dtype), every value finite;
- sparse: a scipy CSR matrix (or array) whose data is float32 or float64 and
  finite, whose ``indices`` and ``indptr`` share one dtype (int32 or int64),
  with ``len(indptr) == n_samples + 1``, ``indptr[0] == 0``, ``indptr``
  non-decreasing, ``indptr[-1] == len(indices) == len(data)``, every column
  index in ``[0, n_features)`` and every row sorted without duplicates.

Sortedness and duplicates are recomputed, never read from scipy's cached
``has_sorted_indices`` / ``has_canonical_format`` flags: scipy builds a CSR
matrix from arrays without checking them and nothing re-checks arrays
changed later.  Valid input is returned as given (no copy); other sparse
formats are checked before scipy converts them (its conversions trust the
structure too); unsorted rows or duplicates cost one canonical copy.

The scans (``csrc/smx_check.c``) read each element once, vectorised and
threaded.  X must not be changed while an objective holds it: the check is
made when X is bound, not at every pass.
"""

import numpy as np
import scipy.sparse as sp

from ._ext import check as _check
from ._threads import effective_n_threads
from ._validation import as_float_array, float_dtype_of

__all__ = ["check_design_matrix", "check_finite"]

# Elements a thread of a scan must have (~0.1 ms of one core): below that a
# second thread costs more than it saves, and coefficient vectors are
# checked at every solver step.
_MIN_SCAN_PER_THREAD = 1 << 19


def _scan_threads(size, n_threads=None):
    if n_threads is None and size < 2 * _MIN_SCAN_PER_THREAD:
        return 1  # skip the thread look-up (microseconds)
    return effective_n_threads(n_threads, work=size, min_work_per_thread=_MIN_SCAN_PER_THREAD)


def _nonfinite_message(values, name, estimator_name):
    """scikit-learn's message for a non-finite ``values`` (its wording when it
    is importable, so that code matching on it keeps working)."""
    try:
        from sklearn.utils.validation import _assert_all_finite

        _assert_all_finite(values, input_name=name, estimator_name=estimator_name)
    except ValueError as exc:
        return str(exc)
    except ImportError:
        pass
    kind = "NaN" if np.isnan(values).any() else \
        f"infinity or a value too large for {values.dtype!r}"
    return f"Input {name} contains {kind}."


def check_finite(arr, name, *, n_threads=None, estimator_name=None):
    """Raise ValueError naming ``name`` if the float array ``arr`` holds NaN or inf.

    One threaded scan without temporaries for contiguous float32/float64
    arrays; other layouts and dtypes go through numpy.
    """
    arr = np.asarray(arr)
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    if arr.dtype in (np.float32, np.float64) and arr.flags.c_contiguous:
        bad = _check.first_nonfinite(arr.reshape(-1), _scan_threads(arr.size, n_threads))
    else:
        bad = -1 if np.isfinite(arr).all() else 0
    if bad >= 0:
        raise ValueError(_nonfinite_message(arr, name, estimator_name))


def _check_compressed(indices, indptr, n_major, n_minor, name, what):
    """The structure of a CSR (or, transposed, CSC) matrix: ValueError if broken.

    Returns whether every row (column) is sorted without duplicates.
    ``indices`` and ``indptr`` are int32 or int64 arrays of one dtype.
    """
    major, minor = ("row", "column") if what == "CSR" else ("column", "row")
    if indptr.ndim != 1 or indptr.shape[0] != n_major + 1:
        raise ValueError(
            f"{name} is a malformed {what} matrix: indptr has shape {indptr.shape}, "
            f"expected ({n_major + 1},) for {n_major} {major}s.")
    nnz = indices.shape[0]
    if indptr[0] != 0 or indptr[-1] != nnz:
        raise ValueError(
            f"{name} is a malformed {what} matrix: indptr must run from 0 to the "
            f"{nnz} stored entries, got {int(indptr[0])} .. {int(indptr[-1])}.")
    code, where, canonical = _check.check_csr(indices, indptr, n_minor, _scan_threads(nnz))
    if code == _check.CSR_BAD_INDPTR:
        raise ValueError(
            f"{name} is a malformed {what} matrix: indptr decreases or passes the "
            f"stored entries at {major} {where} (indptr[{where}] = {int(indptr[where])}, "
            f"indptr[{where + 1}] = {int(indptr[where + 1])}).")
    if code == _check.CSR_BAD_INDEX:
        raise ValueError(
            f"{name} is a malformed {what} matrix: stored entry {where} has {minor} "
            f"index {int(indices[where])}, outside [0, {n_minor}).")
    return canonical


def _index_arrays(X, name):
    """(indices, indptr) of a compressed matrix in one dtype, int32 or int64.

    Copies only when the two differ in dtype or use another integer type.
    """
    indices, indptr = np.asarray(X.indices), np.asarray(X.indptr)
    for part, arr in (("indices", indices), ("indptr", indptr)):
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise TypeError(
                f"{name} has {part} of dtype {arr.dtype} and shape {arr.shape}; a sparse "
                "matrix needs 1-D integer index arrays.")
    if indices.dtype == indptr.dtype and indices.dtype in (np.int32, np.int64):
        return indices, indptr
    # unsigned values beyond int64 wrap to negative and fail the range check
    return indices.astype(np.int64), indptr.astype(np.int64)


def _data_array(X, name, expected):
    data = np.asarray(X.data)
    if data.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex sparse dtype {data.dtype}.")
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got sparse dtype {data.dtype}.")
    if data.shape[:1] != (expected,):
        raise ValueError(
            f"{name} is a malformed sparse matrix: data has {data.shape[0] if data.ndim else 0}"
            f" entries but indices has {expected}.")
    return data


def _as_csr(X, name):
    """Any scipy sparse matrix as CSR, its structure checked before scipy
    converts it (scipy's CSC, COO and BSR conversions index with it)."""
    fmt = X.format
    n, d = X.shape
    if fmt == "csr":
        return X
    if fmt == "csc":
        indices, indptr = _index_arrays(X, name)
        _data_array(X, name, indices.shape[0])
        _check_compressed(indices, indptr, d, n, name, "CSC")
    elif fmt == "coo":
        row, col = np.asarray(X.row), np.asarray(X.col)
        if row.shape != col.shape or np.asarray(X.data).shape != row.shape:
            raise ValueError(f"{name} is a malformed COO matrix: row, col and data have "
                             f"shapes {row.shape}, {col.shape}, {np.shape(X.data)}.")
        for what, idx, size in (("row", row, n), ("column", col, d)):
            if idx.dtype.kind not in "iu":
                raise TypeError(f"{name} has COO {what} indices of dtype {idx.dtype}.")
            if idx.size and (idx.min() < 0 or idx.max() >= size):
                raise ValueError(f"{name} is a malformed COO matrix: a {what} index is "
                                 f"outside [0, {size}).")
    elif fmt == "bsr":
        R, C = X.blocksize
        indices, indptr = _index_arrays(X, name)
        if np.shape(X.data) != (indices.shape[0], R, C):
            raise ValueError(f"{name} is a malformed BSR matrix: data has shape "
                             f"{np.shape(X.data)}, expected {(indices.shape[0], R, C)}.")
        _check_compressed(indices, indptr, n // R, d // C, name, "BSR")
    # DOK, LIL and DIA convert through Python-level or numpy-level code.
    return X.tocsr()


def _check_sparse(X, name, estimator_name):
    X = _as_csr(X, name)
    n, d = X.shape
    indices, indptr = _index_arrays(X, name)
    data = _data_array(X, name, indices.shape[0])
    canonical = _check_compressed(indices, indptr, n, d, name, "CSR")
    kernel_dtype = float_dtype_of(data.dtype)
    if data.dtype != kernel_dtype:
        data = data.astype(kernel_dtype)
    check_finite(data, name, estimator_name=estimator_name)
    if data is X.data and indices is X.indices and indptr is X.indptr and canonical:
        return X
    out = type(X)((data, indices, indptr), shape=(n, d), copy=not canonical)
    if not canonical:
        # the original's flags may claim sorted rows: make scipy recompute
        out.has_sorted_indices = False
        out.has_canonical_format = False
        out.sum_duplicates()
    # scipy's constructor may pick another index dtype; keep one of the two
    out.indices, out.indptr = _index_arrays(out, name)
    return out


def check_design_matrix(X, *, name="X", estimator_name=None):
    """Validate X once for the kernels; return it (a copy only when needed).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    name : str, default "X"
        Named in error messages.
    estimator_name : str, optional
        Named in the NaN message, as scikit-learn does.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features) or CSR matrix
        The invariants in the module docstring hold.

    Raises
    ------
    TypeError
        Complex, object, string or other non-numeric data; non-integer
        sparse index arrays.
    ValueError
        Not 2-D, NaN or infinity, or a malformed sparse structure (the
        message names the row or stored entry).
    """
    if sp.issparse(X):
        if len(X.shape) != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}.")
        return _check_sparse(X, name, estimator_name)
    arr = as_float_array(X, name, order="C")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}.")
    check_finite(arr, name, estimator_name=estimator_name)
    return arr
