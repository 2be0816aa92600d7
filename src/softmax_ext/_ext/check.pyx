"""Cython bindings of the whole-array input checks (csrc/smx_check.c).

Called only by ``softmax_ext._design_matrix``, which turns what they find
into errors that name the argument.  They release the GIL around each scan.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

ctypedef fused index_t:
    int32_t
    int64_t

cdef extern from "smx_check.h" nogil:
    enum:
        SMX_CSR_VALID
        SMX_CSR_BAD_INDPTR
        SMX_CSR_BAD_INDEX
    int64_t smx_first_nonfinite_f32(const float *x, int64_t size, int n_threads)
    int64_t smx_first_nonfinite_f64(const double *x, int64_t size, int n_threads)
    int smx_check_csr_i32(const int32_t *indices, const int32_t *indptr, int64_t n, int64_t d,
                          int64_t nnz, int n_threads, int64_t *where, int *canonical)
    int smx_check_csr_i64(const int64_t *indices, const int64_t *indptr, int64_t n, int64_t d,
                          int64_t nnz, int n_threads, int64_t *where, int *canonical)

CSR_VALID = SMX_CSR_VALID
CSR_BAD_INDPTR = SMX_CSR_BAD_INDPTR
CSR_BAD_INDEX = SMX_CSR_BAD_INDEX


def first_nonfinite(const floating[::1] x,   # IN  (size,)
                    int n_threads):
    """Index of the first NaN or infinity in ``x``, or -1 when all are finite."""
    cdef int64_t size = x.shape[0], where = -1
    if size == 0:
        return -1
    with nogil:
        if floating is float:
            where = smx_first_nonfinite_f32(&x[0], size, n_threads)
        else:
            where = smx_first_nonfinite_f64(&x[0], size, n_threads)
    return where


def check_csr(const index_t[::1] indices,   # IN  (nnz,)
              const index_t[::1] indptr,    # IN  (n + 1,)
              int64_t n_features,
              int n_threads):
    """Scan a CSR structure whose indptr runs from 0 to ``len(indices)``.

    Returns
    -------
    code : int
        ``CSR_VALID``, ``CSR_BAD_INDPTR`` (``where`` is the row) or
        ``CSR_BAD_INDEX`` (``where`` is the entry), the first problem in row
        order.
    where : int
    canonical : bool
        Every row strictly increasing (sorted, no duplicates); meaningful
        when the code is ``CSR_VALID``.
    """
    cdef int64_t n = indptr.shape[0] - 1, nnz = indices.shape[0], where = -1
    cdef int code = SMX_CSR_VALID, canonical = 1
    # The scan reads indptr[0..n] and indices[indptr[r0]..indptr[r1]) only
    # after checking these ends and the order of indptr.
    if n < 0 or indptr[0] != 0 or indptr[n] != nnz or n_features < 0:
        raise ValueError("check_csr needs indptr running from 0 to len(indices) "
                         "and n_features >= 0")
    with nogil:
        if index_t is int32_t:
            code = smx_check_csr_i32(&indices[0] if nnz > 0 else NULL, &indptr[0], n,
                                     n_features, nnz, n_threads, &where, &canonical)
        else:
            code = smx_check_csr_i64(&indices[0] if nnz > 0 else NULL, &indptr[0], n,
                                     n_features, nnz, n_threads, &where, &canonical)
    return code, where, bool(canonical)
