"""Cython bindings of the Hessian kernels (csrc/smx_hessian.c).

- ``probabilities``: ``P = softmax(X W^T + b)`` row by row, one pass over X;
- ``hessian``: the unnormalised data Hessian into ``H``;
- ``x_reads``: the passes over X one assembly makes (the objective counts
  its passes with it).

Every argument is keyword-only; X is dense (``X``, C-contiguous) or CSR
(``data``, ``indices``, ``indptr``, ``n_features``).  Callers in
``softmax_ext.objective._kernels`` validate dtypes and layouts; these
functions re-check shapes (cheap), release the GIL around each C call, and
turn a status code into an exception.  The dense kernels call BLAS from
OpenMP threads: call them inside ``_threads.single_threaded_blas()``.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

from softmax_ext._ext.design cimport check_rows, check_shape, design_shape
from softmax_ext._ext.status cimport SMX_EINTR, SMX_OK, raise_status
from softmax_ext._ext.sigint cimport smx_sigint_saved, smx_stop_flag, sigint_begin, sigint_end

from softmax_ext._ext.blas cimport fill_blas, smx_blas

ctypedef fused index_t:
    int32_t
    int64_t

cdef extern from "smx_hessian.h" nogil:
    double smx_hessian_x_reads(int64_t d, int fit_intercept)
    int smx_probs_dense_f32(const float *X, int64_t n, int64_t d, const float *coef, int64_t K,
                            int fit_intercept, float *P, const smx_blas *blas, int n_threads)
    int smx_probs_dense_f64(const double *X, int64_t n, int64_t d, const double *coef,
                            int64_t K, int fit_intercept, double *P, const smx_blas *blas,
                            int n_threads)
    int smx_hessian_dense_f32(const float *X, int64_t n, int64_t d, const float *sw,
                              const float *coef, int64_t K, int fit_intercept, double *H,
                              const smx_blas *blas, int n_threads, const smx_stop_flag *stop)
    int smx_hessian_dense_f64(const double *X, int64_t n, int64_t d, const double *sw,
                              const double *coef, int64_t K, int fit_intercept, double *H,
                              const smx_blas *blas, int n_threads, const smx_stop_flag *stop)

    int smx_probs_csr_f32_i32(const float *data, const int32_t *indices, const int32_t *indptr,
                              int64_t n, int64_t d, const float *coef, int64_t K,
                              int fit_intercept, float *P, int n_threads)
    int smx_probs_csr_f32_i64(const float *data, const int64_t *indices, const int64_t *indptr,
                              int64_t n, int64_t d, const float *coef, int64_t K,
                              int fit_intercept, float *P, int n_threads)
    int smx_probs_csr_f64_i32(const double *data, const int32_t *indices,
                              const int32_t *indptr, int64_t n, int64_t d, const double *coef,
                              int64_t K, int fit_intercept, double *P, int n_threads)
    int smx_probs_csr_f64_i64(const double *data, const int64_t *indices,
                              const int64_t *indptr, int64_t n, int64_t d, const double *coef,
                              int64_t K, int fit_intercept, double *P, int n_threads)

    int smx_hessian_csr_f32_i32(const float *data, const int32_t *indices,
                                const int32_t *indptr, int64_t n, int64_t d, const float *sw,
                                const float *coef, int64_t K, int fit_intercept, double *H,
                                int n_threads, const smx_stop_flag *stop)
    int smx_hessian_csr_f32_i64(const float *data, const int64_t *indices,
                                const int64_t *indptr, int64_t n, int64_t d, const float *sw,
                                const float *coef, int64_t K, int fit_intercept, double *H,
                                int n_threads, const smx_stop_flag *stop)
    int smx_hessian_csr_f64_i32(const double *data, const int32_t *indices,
                                const int32_t *indptr, int64_t n, int64_t d, const double *sw,
                                const double *coef, int64_t K, int fit_intercept, double *H,
                                int n_threads, const smx_stop_flag *stop)
    int smx_hessian_csr_f64_i64(const double *data, const int64_t *indices,
                                const int64_t *indptr, int64_t n, int64_t d, const double *sw,
                                const double *coef, int64_t K, int fit_intercept, double *H,
                                int n_threads, const smx_stop_flag *stop)


cdef smx_blas _blas
fill_blas(&_blas)

_TOO_LARGE = "problem too large for the BLAS int sizes of the Hessian kernel"


def x_reads(int64_t n_features, bint fit_intercept):
    """Passes over X one Hessian assembly makes (fractional: prefixes of rows)."""
    return smx_hessian_x_reads(n_features, fit_intercept)


def probabilities(*, X=None, data=None, indices=None, indptr=None, n_features=None, coef,
                  bint fit_intercept, out, int n_threads):
    """``out = softmax(X W^T + b)`` (n, K) for coefficients ``coef`` (K, p)."""
    n, d, sparse = design_shape(X, data, indices, indptr, n_features)
    check_shape("coef", coef, None, d + fit_intercept)
    check_shape("out", out, n, coef.shape[0])
    if n == 0 or coef.shape[0] == 0:
        return
    if sparse:
        _probs_csr(data, indices, indptr, d, coef, fit_intercept, out, n_threads)
    else:
        _probs_dense(X, coef, fit_intercept, out, n_threads)


def hessian(*, X=None, data=None, indices=None, indptr=None, n_features=None,
            sample_weight=None, coef, bint fit_intercept, H, int n_threads):
    """Unnormalised data Hessian at ``coef`` (K, p) into ``H`` (K p, K p), every
    entry written; Ctrl-C stops the assembly (see _ext/sigint.pxd)."""
    n, d, sparse = design_shape(X, data, indices, indptr, n_features)
    p = d + fit_intercept
    check_shape("coef", coef, None, p)
    K = coef.shape[0]
    check_shape("H", H, K * p, K * p)
    if sample_weight is not None:
        check_rows("sample_weight", sample_weight, n)
    if K * p == 0:
        return
    if sparse:
        _hessian_csr(data, indices, indptr, n, d, sample_weight, coef, fit_intercept, H,
                     n_threads)
    else:
        _hessian_dense(X, sample_weight, coef, fit_intercept, H, n_threads)


# ------------------------------------------------------------------ C calls

def _probs_dense(const floating[:, ::1] X,      # IN  (n, d)
                 const floating[:, ::1] coef,   # IN  (K, p)
                 bint fit_intercept,
                 floating[:, ::1] P,            # OUT (n, K)
                 int n_threads):
    cdef int status = SMX_OK
    cdef int64_t n = X.shape[0], d = X.shape[1], K = coef.shape[0]
    with nogil:
        if floating is float:
            status = smx_probs_dense_f32(&X[0, 0] if d > 0 else NULL, n, d,
                                         &coef[0, 0] if coef.shape[1] > 0 else NULL, K,
                                         fit_intercept, &P[0, 0], &_blas, n_threads)
        else:
            status = smx_probs_dense_f64(&X[0, 0] if d > 0 else NULL, n, d,
                                         &coef[0, 0] if coef.shape[1] > 0 else NULL, K,
                                         fit_intercept, &P[0, 0], &_blas, n_threads)
    raise_status(status, "Hessian", _TOO_LARGE)


def _hessian_dense(const floating[:, ::1] X,     # IN  (n, d)
                   const floating[::1] sw,       # IN  (n,) or None
                   const floating[:, ::1] coef,  # IN  (K, p)
                   bint fit_intercept,
                   double[:, ::1] H,             # OUT (K p, K p)
                   int n_threads):
    cdef int status = SMX_OK
    cdef int64_t n = X.shape[0], d = X.shape[1], K = coef.shape[0]
    cdef const floating *sw_ptr = &sw[0] if sw is not None and n > 0 else NULL
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    while True:
        stop = sigint_begin(&saved)
        with nogil:
            if floating is float:
                status = smx_hessian_dense_f32(&X[0, 0] if n > 0 and d > 0 else NULL, n, d,
                                               sw_ptr, &coef[0, 0], K, fit_intercept, &H[0, 0],
                                               &_blas, n_threads, stop)
            else:
                status = smx_hessian_dense_f64(&X[0, 0] if n > 0 and d > 0 else NULL, n, d,
                                               sw_ptr, &coef[0, 0], K, fit_intercept, &H[0, 0],
                                               &_blas, n_threads, stop)
        if not sigint_end(&saved, stop, status == SMX_EINTR):
            break
    raise_status(status, "Hessian", _TOO_LARGE)


def _probs_csr(const floating[::1] data,      # IN  (nnz,)
               const index_t[::1] indices,    # IN  (nnz,) column indices in [0, d)
               const index_t[::1] indptr,     # IN  (n + 1,)
               int64_t d,
               const floating[:, ::1] coef,   # IN  (K, p)
               bint fit_intercept,
               floating[:, ::1] P,            # OUT (n, K)
               int n_threads):
    cdef int status = SMX_OK
    cdef int64_t n = indptr.shape[0] - 1, K = coef.shape[0]
    cdef const floating *dp = &data[0] if data.shape[0] > 0 else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const floating *cp = &coef[0, 0] if coef.shape[1] > 0 else NULL
    with nogil:
        if floating is float:
            if index_t is int32_t:
                status = smx_probs_csr_f32_i32(dp, ip, &indptr[0], n, d, cp, K, fit_intercept,
                                               &P[0, 0], n_threads)
            else:
                status = smx_probs_csr_f32_i64(dp, ip, &indptr[0], n, d, cp, K, fit_intercept,
                                               &P[0, 0], n_threads)
        else:
            if index_t is int32_t:
                status = smx_probs_csr_f64_i32(dp, ip, &indptr[0], n, d, cp, K, fit_intercept,
                                               &P[0, 0], n_threads)
            else:
                status = smx_probs_csr_f64_i64(dp, ip, &indptr[0], n, d, cp, K, fit_intercept,
                                               &P[0, 0], n_threads)
    raise_status(status, "Hessian", _TOO_LARGE)


def _hessian_csr(const floating[::1] data,      # IN  (nnz,)
                 const index_t[::1] indices,    # IN  (nnz,) no duplicates within a row
                 const index_t[::1] indptr,     # IN  (n + 1,)
                 int64_t n,
                 int64_t d,
                 const floating[::1] sw,        # IN  (n,) or None
                 const floating[:, ::1] coef,   # IN  (K, p)
                 bint fit_intercept,
                 double[:, ::1] H,              # OUT (K p, K p)
                 int n_threads):
    cdef int status = SMX_OK
    cdef int64_t K = coef.shape[0]
    cdef const floating *sw_ptr = &sw[0] if sw is not None and n > 0 else NULL
    cdef const floating *dp = &data[0] if data.shape[0] > 0 else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] > 0 else NULL
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    while True:
        stop = sigint_begin(&saved)
        with nogil:
            if floating is float:
                if index_t is int32_t:
                    status = smx_hessian_csr_f32_i32(dp, ip, &indptr[0], n, d, sw_ptr,
                                                     &coef[0, 0], K, fit_intercept, &H[0, 0],
                                                     n_threads, stop)
                else:
                    status = smx_hessian_csr_f32_i64(dp, ip, &indptr[0], n, d, sw_ptr,
                                                     &coef[0, 0], K, fit_intercept, &H[0, 0],
                                                     n_threads, stop)
            else:
                if index_t is int32_t:
                    status = smx_hessian_csr_f64_i32(dp, ip, &indptr[0], n, d, sw_ptr,
                                                     &coef[0, 0], K, fit_intercept, &H[0, 0],
                                                     n_threads, stop)
                else:
                    status = smx_hessian_csr_f64_i64(dp, ip, &indptr[0], n, d, sw_ptr,
                                                     &coef[0, 0], K, fit_intercept, &H[0, 0],
                                                     n_threads, stop)
        if not sigint_end(&saved, stop, status == SMX_EINTR):
            break
    raise_status(status, "Hessian", _TOO_LARGE)
