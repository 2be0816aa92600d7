"""Cython bindings of the row-wise softmax kernels (csrc/smx_softmax.c).

These functions trust their callers in ``softmax_ext.special`` for dtypes,
label ranges and sample weights; they re-check only shapes, which is cheap,
and release the GIL around each C call.
"""

from cython cimport floating
from libc.stdint cimport int64_t

from softmax_ext._ext.status cimport SMX_OK, raise_status

cdef extern from "smx_softmax.h" nogil:
    int smx_openmp_enabled()
    int smx_omp_max_threads()
    int smx_logsumexp_f32(const float *Z, int64_t n, int64_t K, float *out, int n_threads)
    int smx_logsumexp_f64(const double *Z, int64_t n, int64_t K, double *out, int n_threads)
    int smx_softmax_f32(const float *Z, int64_t n, int64_t K, float *out, int n_threads)
    int smx_softmax_f64(const double *Z, int64_t n, int64_t K, double *out, int n_threads)
    int smx_log_softmax_f32(const float *Z, int64_t n, int64_t K, float *out, int n_threads)
    int smx_log_softmax_f64(const double *Z, int64_t n, int64_t K, double *out, int n_threads)
    int smx_cross_entropy_f32(const float *Z, int64_t n, int64_t K, const int64_t *y,
                              const float *sw, float *R, double *loss, int n_threads)
    int smx_line_eval_f32(const float *Z, const float *XD, double t, int64_t n, int64_t K,
                          const int64_t *y, const float *sw, double *loss, double *slope,
                          int n_threads)
    int smx_line_eval_f64(const double *Z, const double *XD, double t, int64_t n, int64_t K,
                          const int64_t *y, const double *sw, double *loss, double *slope,
                          int n_threads)
    int smx_cross_entropy_f64(const double *Z, int64_t n, int64_t K, const int64_t *y,
                              const double *sw, double *R, double *loss, int n_threads)

def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(smx_openmp_enabled())


def omp_max_threads():
    """omp_get_max_threads() as seen by the kernels (1 without OpenMP)."""
    return smx_omp_max_threads()


def _check_same_shape(Z, out):
    if Z.shape[0] != out.shape[0] or Z.shape[1] != out.shape[1]:
        raise ValueError(
            f"out has shape {tuple(out.shape[:2])}, expected {tuple(Z.shape[:2])}")


def logsumexp_rows(const floating[:, ::1] Z,   # IN  (n, K)
                   floating[::1] out,          # OUT (n,)
                   int n_threads):
    """out[i] = logsumexp(Z[i])."""
    cdef int status = SMX_OK
    cdef int64_t n = Z.shape[0], K = Z.shape[1]
    if out.shape[0] != n:
        raise ValueError(f"out has {out.shape[0]} rows, expected {n}")
    if n == 0:
        return
    with nogil:
        if floating is float:
            status = smx_logsumexp_f32(&Z[0, 0] if K > 0 else NULL, n, K, &out[0], n_threads)
        else:
            status = smx_logsumexp_f64(&Z[0, 0] if K > 0 else NULL, n, K, &out[0], n_threads)
    raise_status(status, "row-wise")


def softmax_rows(const floating[:, ::1] Z,   # IN  (n, K)
                 floating[:, ::1] out,       # OUT (n, K)
                 int n_threads):
    """out[i] = softmax(Z[i])."""
    cdef int status = SMX_OK
    cdef int64_t n = Z.shape[0], K = Z.shape[1]
    _check_same_shape(Z, out)
    if n == 0 or K == 0:
        return
    with nogil:
        if floating is float:
            status = smx_softmax_f32(&Z[0, 0], n, K, &out[0, 0], n_threads)
        else:
            status = smx_softmax_f64(&Z[0, 0], n, K, &out[0, 0], n_threads)
    raise_status(status, "row-wise")


def log_softmax_rows(const floating[:, ::1] Z,   # IN  (n, K)
                     floating[:, ::1] out,       # OUT (n, K)
                     int n_threads):
    """out[i] = log_softmax(Z[i])."""
    cdef int status = SMX_OK
    cdef int64_t n = Z.shape[0], K = Z.shape[1]
    _check_same_shape(Z, out)
    if n == 0 or K == 0:
        return
    with nogil:
        if floating is float:
            status = smx_log_softmax_f32(&Z[0, 0], n, K, &out[0, 0], n_threads)
        else:
            status = smx_log_softmax_f64(&Z[0, 0], n, K, &out[0, 0], n_threads)
    raise_status(status, "row-wise")


def cross_entropy_rows(const floating[:, ::1] Z,        # IN  (n, K)
                       const int64_t[::1] y,            # IN  (n,) labels in [0, K)
                       const floating[::1] sw,          # IN  (n,) or None
                       floating[:, ::1] R,              # OUT (n, K) or None
                       int n_threads):
    """Weighted cross-entropy sum; residual s_i (softmax(Z[i]) - onehot(y_i)) into R."""
    cdef int status = SMX_OK
    cdef int64_t n = Z.shape[0], K = Z.shape[1]
    cdef double loss = 0.0
    cdef const floating *sw_ptr = NULL
    cdef floating *R_ptr = NULL
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but Z has {n}")
    if sw is not None and sw.shape[0] != n:
        raise ValueError(f"sample_weight has {sw.shape[0]} rows but Z has {n}")
    if R is not None:
        _check_same_shape(Z, R)
    if n == 0:
        return 0.0
    if K == 0:
        raise ValueError("Z must have at least one column (class)")
    if sw is not None:
        sw_ptr = &sw[0]
    if R is not None:
        R_ptr = &R[0, 0]
    with nogil:
        if floating is float:
            status = smx_cross_entropy_f32(&Z[0, 0], n, K, &y[0], sw_ptr, R_ptr, &loss, n_threads)
        else:
            status = smx_cross_entropy_f64(&Z[0, 0], n, K, &y[0], sw_ptr, R_ptr, &loss, n_threads)
    raise_status(status, "row-wise")
    return loss


def line_eval_rows(const floating[:, ::1] Z,      # IN  (n, K) scores at t = 0
                   const floating[:, ::1] XD,     # IN  (n, K) scores of the direction
                   double t,
                   const int64_t[::1] y,          # IN  (n,) labels in [0, K)
                   const floating[::1] sw,        # IN  (n,) or None
                   int n_threads):
    """(loss, slope) of the data term at Z + t XD: O(n K), no temporaries."""
    cdef int status = SMX_OK
    cdef int64_t n = Z.shape[0], K = Z.shape[1]
    cdef double loss = 0.0, slope = 0.0
    cdef const floating *sw_ptr = NULL
    _check_same_shape(Z, XD)
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but Z has {n}")
    if sw is not None and sw.shape[0] != n:
        raise ValueError(f"sample_weight has {sw.shape[0]} rows but Z has {n}")
    if n == 0:
        return 0.0, 0.0
    if K == 0:
        raise ValueError("Z must have at least one column (class)")
    if sw is not None:
        sw_ptr = &sw[0]
    with nogil:
        if floating is float:
            status = smx_line_eval_f32(&Z[0, 0], &XD[0, 0], t, n, K, &y[0], sw_ptr,
                                       &loss, &slope, n_threads)
        else:
            status = smx_line_eval_f64(&Z[0, 0], &XD[0, 0], t, n, K, &y[0], sw_ptr,
                                       &loss, &slope, n_threads)
    raise_status(status, "row-wise")
    return loss, slope
