"""Cython bindings of the Hessian kernels (csrc/smx_hessian.c).

Callers in ``softmax_ext.hessian`` validate dtypes and layouts; these
functions re-check shapes (cheap), release the GIL around each C call, and
turn a status code into an exception.  The dense kernels call BLAS from
OpenMP threads: call them inside ``_threads.single_threaded_blas()``.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

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


cdef int64_t _n_params(int64_t d, bint fit_intercept):
    return d + (1 if fit_intercept else 0)


def x_reads(int64_t n_features, bint fit_intercept):
    """Passes over X one Hessian assembly makes (fractional: prefixes of rows)."""
    return smx_hessian_x_reads(n_features, fit_intercept)


def _check_coef_shape(name, shape, int64_t K, int64_t p):
    if shape[0] != K or shape[1] != p:
        raise ValueError(f"{name} has shape {tuple(shape[:2])}, expected {(K, p)}")


def _check_rows(name, int64_t got, int64_t n):
    if got != n:
        raise ValueError(f"{name} has {got} rows, expected {n}")


def _check_csr_lengths(int64_t nnz_data, int64_t nnz_idx, int64_t n_ptr, int64_t n):
    """The O(1) part of the CSR invariants (softmax_ext._design_matrix checks the rest)."""
    if nnz_data != nnz_idx:
        raise ValueError(f"CSR data has {nnz_data} entries but indices has {nnz_idx}")
    if n < 0 or n_ptr != n + 1:
        raise ValueError(f"CSR indptr has {n_ptr} entries, expected n_samples + 1 = {n + 1}")


def _check_csr_ends(int64_t first, int64_t last, int64_t nnz):
    if first != 0 or last != nnz:
        raise ValueError(f"CSR indptr must run from 0 to nnz={nnz}, got {first} .. {last}")


# ------------------------------------------------------------------ dense

def probs_dense(const floating[:, ::1] X,      # IN  (n, d)
                const floating[:, ::1] coef,   # IN  (K, p)
                bint fit_intercept,
                floating[:, ::1] P,            # OUT (n, K)
                int n_threads):
    """P = softmax(X W^T + b) row by row."""
    cdef int status = SMX_OK
    cdef int64_t n = X.shape[0], d = X.shape[1], K = coef.shape[0]
    _check_coef_shape("coef", coef.shape, K, _n_params(d, fit_intercept))
    _check_coef_shape("P", P.shape, n, K)
    if n == 0 or K == 0:
        return
    with nogil:
        if floating is float:
            status = smx_probs_dense_f32(&X[0, 0] if d > 0 else NULL, n, d,
                                         &coef[0, 0] if coef.shape[1] > 0 else NULL, K,
                                         fit_intercept, &P[0, 0], &_blas, n_threads)
        else:
            status = smx_probs_dense_f64(&X[0, 0] if d > 0 else NULL, n, d,
                                         &coef[0, 0] if coef.shape[1] > 0 else NULL, K,
                                         fit_intercept, &P[0, 0], &_blas, n_threads)
    raise_status(status, "Hessian", "problem too large for the BLAS int sizes of the Hessian kernel")


def hessian_dense(const floating[:, ::1] X,     # IN  (n, d)
                  const floating[::1] sw,       # IN  (n,) or None
                  const floating[:, ::1] coef,  # IN  (K, p)
                  bint fit_intercept,
                  double[:, ::1] H,             # OUT (K p, K p)
                  int n_threads):
    """Unnormalised data Hessian into H (every entry written)."""
    cdef int status = SMX_OK
    cdef int64_t n = X.shape[0], d = X.shape[1], K = coef.shape[0]
    cdef int64_t p = _n_params(d, fit_intercept)
    cdef const floating *sw_ptr = NULL
    _check_coef_shape("coef", coef.shape, K, p)
    _check_coef_shape("H", H.shape, K * p, K * p)
    if sw is not None:
        _check_rows("sample_weight", sw.shape[0], n)
        if n > 0:
            sw_ptr = &sw[0]
    if K * p == 0:
        return
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    while True:   # Ctrl-C stops the assembly (see _ext/sigint.pxd)
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
    raise_status(status, "Hessian", "problem too large for the BLAS int sizes of the Hessian kernel")


def probs_csr(const floating[::1] data,      # IN  (nnz,)
              const index_t[::1] indices,    # IN  (nnz,) column indices in [0, d)
              const index_t[::1] indptr,     # IN  (n + 1,)
              int64_t n,
              int64_t d,
              const floating[:, ::1] coef,   # IN  (K, p)
              bint fit_intercept,
              floating[:, ::1] P,            # OUT (n, K)
              int n_threads):
    """P = softmax(X W^T + b) for CSR X."""
    cdef int status = SMX_OK
    cdef int64_t K = coef.shape[0]
    _check_csr_lengths(data.shape[0], indices.shape[0], indptr.shape[0], n)
    _check_csr_ends(indptr[0], indptr[n], indices.shape[0])
    _check_coef_shape("coef", coef.shape, K, _n_params(d, fit_intercept))
    _check_coef_shape("P", P.shape, n, K)
    if n == 0 or K == 0:
        return
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
    raise_status(status, "Hessian", "problem too large for the BLAS int sizes of the Hessian kernel")


def hessian_csr(const floating[::1] data,      # IN  (nnz,)
                const index_t[::1] indices,    # IN  (nnz,) no duplicates within a row
                const index_t[::1] indptr,     # IN  (n + 1,)
                int64_t n,
                int64_t d,
                const floating[::1] sw,        # IN  (n,) or None
                const floating[:, ::1] coef,   # IN  (K, p)
                bint fit_intercept,
                double[:, ::1] H,              # OUT (K p, K p)
                int n_threads):
    """Unnormalised data Hessian of CSR X into H (every entry written)."""
    cdef int status = SMX_OK
    cdef int64_t K = coef.shape[0]
    cdef int64_t p = _n_params(d, fit_intercept)
    cdef const floating *sw_ptr = NULL
    _check_csr_lengths(data.shape[0], indices.shape[0], indptr.shape[0], n)
    _check_csr_ends(indptr[0], indptr[n], indices.shape[0])
    _check_coef_shape("coef", coef.shape, K, p)
    _check_coef_shape("H", H.shape, K * p, K * p)
    if sw is not None:
        _check_rows("sample_weight", sw.shape[0], n)
        if n > 0:
            sw_ptr = &sw[0]
    if K * p == 0:
        return
    cdef const floating *dp = &data[0] if data.shape[0] > 0 else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] > 0 else NULL
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    while True:   # Ctrl-C stops the assembly (see _ext/sigint.pxd)
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
    raise_status(status, "Hessian", "problem too large for the BLAS int sizes of the Hessian kernel")
