"""Cython bindings of the binary logistic kernels (csrc/smx_binary.c).

One function per mode, every argument keyword-only:

- ``loss_gradient``: the data loss at ``coef`` (p,) and, when ``G`` is
  given, the gradient into it (one pass over X);
- ``loss_gradient_from_scores``: the same from the scores ``z`` (n,) (the
  backward pass only);
- ``scores``: ``z = X w + b`` into ``out`` (n,);
- ``hessp``: the data part of a Hessian-vector product, ``G = X~^T diag(h)
  X~ v``, for the Hessian weights ``h`` (n,) float64 of the expansion point;
- ``hessian``: ``H = X~^T diag(h) X~`` (p, p) float64 (Ctrl-C stops it).

X is dense (``X``, C-contiguous) or CSR (``data``, ``indices``, ``indptr``,
``n_features``).  Callers (``softmax_ext.objective._binary``) pass validated
data: labels in {0, 1}, weights, coefficients and scores in X's dtype,
canonical CSR.  These bindings check what the kernels assume (shapes and
lengths: cheap), release the GIL around each C call and turn a status into
an exception.  The dense Hessian calls BLAS from OpenMP threads: call it
inside ``_threads.single_threaded_blas()``.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

from softmax_ext._ext.design cimport check_rows, design_shape
from softmax_ext._ext.status cimport SMX_EINTR, SMX_OK, raise_status
from softmax_ext._ext.sigint cimport smx_sigint_saved, smx_stop_flag, sigint_begin, sigint_end

from softmax_ext._ext.blas cimport fill_blas, smx_blas

ctypedef fused index_t:
    int32_t
    int64_t

cdef extern from "smx_binary.h" nogil:
    int smx_binary_dense_f32(const float *X, int64_t n, int64_t d, const int64_t *y,
                             const float *sw, const float *coef, int fit_intercept,
                             const float *zin, float *zout, const double *hw, double *loss,
                             double *G, int n_threads)
    int smx_binary_dense_f64(const double *X, int64_t n, int64_t d, const int64_t *y,
                             const double *sw, const double *coef, int fit_intercept,
                             const double *zin, double *zout, const double *hw, double *loss,
                             double *G, int n_threads)
    int smx_binary_hessian_dense_f32(const float *X, int64_t n, int64_t d, const double *hw,
                                     int fit_intercept, double *H, int n_threads,
                                     const smx_blas *blas, const smx_stop_flag *stop)
    int smx_binary_hessian_dense_f64(const double *X, int64_t n, int64_t d, const double *hw,
                                     int fit_intercept, double *H, int n_threads,
                                     const smx_blas *blas, const smx_stop_flag *stop)
    int smx_binary_csr_f32_i32(const float *data, const int32_t *indices, const int32_t *indptr,
                               int64_t n, int64_t d, const int64_t *y, const float *sw,
                               const float *coef, int fit_intercept, const float *zin,
                               float *zout, const double *hw, double *loss, double *G,
                               int n_threads)
    int smx_binary_csr_f32_i64(const float *data, const int64_t *indices, const int64_t *indptr,
                               int64_t n, int64_t d, const int64_t *y, const float *sw,
                               const float *coef, int fit_intercept, const float *zin,
                               float *zout, const double *hw, double *loss, double *G,
                               int n_threads)
    int smx_binary_csr_f64_i32(const double *data, const int32_t *indices,
                               const int32_t *indptr, int64_t n, int64_t d, const int64_t *y,
                               const double *sw, const double *coef, int fit_intercept,
                               const double *zin, double *zout, const double *hw,
                               double *loss, double *G, int n_threads)
    int smx_binary_csr_f64_i64(const double *data, const int64_t *indices,
                               const int64_t *indptr, int64_t n, int64_t d, const int64_t *y,
                               const double *sw, const double *coef, int fit_intercept,
                               const double *zin, double *zout, const double *hw,
                               double *loss, double *G, int n_threads)
    int smx_binary_hessian_csr_f32_i32(const float *data, const int32_t *indices,
                                       const int32_t *indptr, int64_t n, int64_t d,
                                       const double *hw, int fit_intercept, double *H,
                                       int n_threads, const smx_stop_flag *stop)
    int smx_binary_hessian_csr_f32_i64(const float *data, const int64_t *indices,
                                       const int64_t *indptr, int64_t n, int64_t d,
                                       const double *hw, int fit_intercept, double *H,
                                       int n_threads, const smx_stop_flag *stop)
    int smx_binary_hessian_csr_f64_i32(const double *data, const int32_t *indices,
                                       const int32_t *indptr, int64_t n, int64_t d,
                                       const double *hw, int fit_intercept, double *H,
                                       int n_threads, const smx_stop_flag *stop)
    int smx_binary_hessian_csr_f64_i64(const double *data, const int64_t *indices,
                                       const int64_t *indptr, int64_t n, int64_t d,
                                       const double *hw, int fit_intercept, double *H,
                                       int n_threads, const smx_stop_flag *stop)


cdef smx_blas _blas_table
fill_blas(&_blas_table)

cdef int64_t _INT_MAX = 2147483647
_TOO_LARGE = "n_features is too large for the BLAS (32-bit) interface"


# ------------------------------------------------------------------ checks

def _check_vector(str name, arr, int64_t length):
    """``arr`` is 1-D of ``length`` entries."""
    if arr is None:
        raise TypeError(f"{name} is required in this mode, got None")
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"{name} has shape {tuple(arr.shape)}, expected ({length},)")


def _shape(X, data, indices, indptr, n_features, bint fit_intercept):
    """``(n, d, sparse, p)`` of X, p = d + fit_intercept."""
    n, d, sparse = design_shape(X, data, indices, indptr, n_features)
    return n, d, sparse, d + fit_intercept


def _check_weights(int64_t n, sample_weight):
    if sample_weight is not None:
        check_rows("sample_weight", sample_weight, n)


# ------------------------------------------------------------------ modes

def loss_gradient(*, X=None, data=None, indices=None, indptr=None, n_features=None,
                  y, sample_weight=None, coef, bint fit_intercept, G=None, int n_threads):
    """Data loss (returned) at ``coef`` (p,) and, when ``G`` (p,) float64 is
    given, the gradient into it: one pass over X."""
    n, d, sparse, p = _shape(X, data, indices, indptr, n_features, fit_intercept)
    _check_vector("coef", coef, p)
    check_rows("y", y, n)
    _check_weights(n, sample_weight)
    if G is not None:
        _check_vector("G", G, p)
    return _run(sparse, X, data, indices, indptr, d, y, sample_weight, coef, fit_intercept,
                None, None, None, G, n_threads)


def loss_gradient_from_scores(*, X=None, data=None, indices=None, indptr=None,
                              n_features=None, y, sample_weight=None, z, bint fit_intercept,
                              G=None, int n_threads):
    """Data loss (returned) and, with ``G``, the gradient from the scores ``z`` (n,)."""
    n, d, sparse, p = _shape(X, data, indices, indptr, n_features, fit_intercept)
    _check_vector("z", z, n)
    check_rows("y", y, n)
    _check_weights(n, sample_weight)
    if G is not None:
        _check_vector("G", G, p)
    return _run(sparse, X, data, indices, indptr, d, y, sample_weight, None, fit_intercept,
                z, None, None, G, n_threads)


def scores(*, X=None, data=None, indices=None, indptr=None, n_features=None, coef,
           bint fit_intercept, out, int n_threads):
    """Scores ``z = X w + b`` into ``out`` (n,), one pass over X."""
    n, d, sparse, p = _shape(X, data, indices, indptr, n_features, fit_intercept)
    _check_vector("coef", coef, p)
    _check_vector("out", out, n)
    _run(sparse, X, data, indices, indptr, d, None, None, coef, fit_intercept, None, out,
         None, None, n_threads)


def hessp(*, X=None, data=None, indices=None, indptr=None, n_features=None, h, v,
          bint fit_intercept, G, int n_threads):
    """``G = X~^T diag(h) X~ v`` into ``G`` (p,) float64, one pass over X."""
    n, d, sparse, p = _shape(X, data, indices, indptr, n_features, fit_intercept)
    _check_vector("h", h, n)
    _check_vector("v", v, p)
    _check_vector("G", G, p)
    _run(sparse, X, data, indices, indptr, d, None, None, v, fit_intercept, None, None, h, G,
         n_threads)


def hessian(*, X=None, data=None, indices=None, indptr=None, n_features=None, h,
            bint fit_intercept, H, int n_threads):
    """``H = X~^T diag(h) X~`` into ``H`` (p, p) float64, C order; Ctrl-C stops it."""
    n, d, sparse, p = _shape(X, data, indices, indptr, n_features, fit_intercept)
    _check_vector("h", h, n)
    if H is None or H.ndim != 2 or H.shape[0] != p or H.shape[1] != p:
        raise ValueError(f"H has shape {None if H is None else tuple(H.shape)}, "
                         f"expected ({p}, {p})")
    if not sparse and p > _INT_MAX:
        raise ValueError(_TOO_LARGE)
    if sparse:
        _hessian_csr(data, indices, indptr, d, h, fit_intercept, H, n_threads)
    else:
        _hessian_dense(X, h, fit_intercept, H, n_threads)


# ------------------------------------------------------------------ C calls

def _run(bint sparse, X, data, indices, indptr, int64_t d, y, sw, coef, bint fit_intercept,
         zin, zout, h, G, int n_threads):
    """The C driver in the mode the non-None arguments select (checked by the caller)."""
    if sparse:
        return _csr(data, indices, indptr, d, y, sw, coef, fit_intercept, zin, zout, h, G,
                    n_threads)
    return _dense(X, y, sw, coef, fit_intercept, zin, zout, h, G, n_threads)


def _dense(const floating[:, ::1] X,        # IN  (n, d)
           const int64_t[::1] y,            # IN  (n,) labels in {0, 1}, or None
           const floating[::1] sw,          # IN  (n,) or None
           const floating[::1] coef,        # IN  (p,) or None
           bint fit_intercept,
           const floating[::1] zin,         # IN  (n,) or None
           floating[::1] zout,              # OUT (n,) or None
           const double[::1] h,             # IN  (n,) or None
           double[::1] G,                   # OUT (p,) or None
           int n_threads):
    cdef int64_t n = X.shape[0], d = X.shape[1]
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const int64_t *y_p = NULL
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const double *h_p = NULL
    cdef double *G_p = NULL
    cdef const floating *X_p = NULL
    if G is not None and G.shape[0] > 0:
        G_p = &G[0]
    if n == 0:
        if G is not None:
            G[:] = 0.0
        return 0.0
    if d > 0:
        X_p = &X[0, 0]
    if y is not None:
        y_p = &y[0]
    if sw is not None:
        sw_p = &sw[0]
    if coef is not None and coef.shape[0] > 0:
        coef_p = &coef[0]
    if zin is not None:
        zin_p = &zin[0]
    if zout is not None:
        zout_p = &zout[0]
    if h is not None:
        h_p = &h[0]
    with nogil:
        if floating is float:
            status = smx_binary_dense_f32(X_p, n, d, y_p, sw_p, coef_p, fit_intercept, zin_p,
                                          zout_p, h_p, &loss, G_p, n_threads)
        else:
            status = smx_binary_dense_f64(X_p, n, d, y_p, sw_p, coef_p, fit_intercept, zin_p,
                                          zout_p, h_p, &loss, G_p, n_threads)
    raise_status(status, "binary loss/gradient", _TOO_LARGE)
    return loss


def _csr(const floating[::1] data,         # IN  (nnz,)
         const index_t[::1] indices,       # IN  (nnz,) column indices in [0, d)
         const index_t[::1] indptr,        # IN  (n + 1,)
         int64_t d,
         const int64_t[::1] y,             # IN  (n,) or None
         const floating[::1] sw,           # IN  (n,) or None
         const floating[::1] coef,         # IN  (p,) or None
         bint fit_intercept,
         const floating[::1] zin,          # IN  (n,) or None
         floating[::1] zout,               # OUT (n,) or None
         const double[::1] h,              # IN  (n,) or None
         double[::1] G,                    # OUT (p,) or None
         int n_threads):
    cdef int64_t n = indptr.shape[0] - 1
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const int64_t *y_p = NULL
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const double *h_p = NULL
    cdef double *G_p = NULL
    cdef const floating *data_p = NULL
    cdef const index_t *indices_p = NULL
    if G is not None and G.shape[0] > 0:
        G_p = &G[0]
    if n == 0:
        if G is not None:
            G[:] = 0.0
        return 0.0
    if data.shape[0] > 0:
        data_p = &data[0]
        indices_p = &indices[0]
    if y is not None:
        y_p = &y[0]
    if sw is not None:
        sw_p = &sw[0]
    if coef is not None and coef.shape[0] > 0:
        coef_p = &coef[0]
    if zin is not None:
        zin_p = &zin[0]
    if zout is not None:
        zout_p = &zout[0]
    if h is not None:
        h_p = &h[0]
    with nogil:
        if floating is float:
            if index_t is int32_t:
                status = smx_binary_csr_f32_i32(data_p, indices_p, &indptr[0], n, d, y_p, sw_p,
                                                coef_p, fit_intercept, zin_p, zout_p, h_p,
                                                &loss, G_p, n_threads)
            else:
                status = smx_binary_csr_f32_i64(data_p, indices_p, &indptr[0], n, d, y_p, sw_p,
                                                coef_p, fit_intercept, zin_p, zout_p, h_p,
                                                &loss, G_p, n_threads)
        else:
            if index_t is int32_t:
                status = smx_binary_csr_f64_i32(data_p, indices_p, &indptr[0], n, d, y_p, sw_p,
                                                coef_p, fit_intercept, zin_p, zout_p, h_p,
                                                &loss, G_p, n_threads)
            else:
                status = smx_binary_csr_f64_i64(data_p, indices_p, &indptr[0], n, d, y_p, sw_p,
                                                coef_p, fit_intercept, zin_p, zout_p, h_p,
                                                &loss, G_p, n_threads)
    raise_status(status, "binary loss/gradient", _TOO_LARGE)
    return loss


def _hessian_dense(const floating[:, ::1] X,   # IN  (n, d)
                   const double[::1] h,        # IN  (n,)
                   bint fit_intercept,
                   double[:, ::1] H,           # OUT (p, p)
                   int n_threads):
    cdef int64_t n = X.shape[0], d = X.shape[1]
    cdef int status = SMX_OK
    cdef const floating *X_p = NULL
    cdef double *H_p = NULL
    cdef const double *h_p = NULL
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    if H.shape[0] == 0:
        return
    H_p = &H[0, 0]
    if n == 0:
        H[:, :] = 0.0
        return
    if d > 0:
        X_p = &X[0, 0]
    h_p = &h[0]
    while True:
        stop = sigint_begin(&saved)
        with nogil:
            if floating is float:
                status = smx_binary_hessian_dense_f32(X_p, n, d, h_p, fit_intercept, H_p,
                                                      n_threads, &_blas_table, stop)
            else:
                status = smx_binary_hessian_dense_f64(X_p, n, d, h_p, fit_intercept, H_p,
                                                      n_threads, &_blas_table, stop)
        if not sigint_end(&saved, stop, status == SMX_EINTR):
            break
    raise_status(status, "binary Hessian", _TOO_LARGE)


def _hessian_csr(const floating[::1] data,     # IN  (nnz,)
                 const index_t[::1] indices,   # IN  (nnz,)
                 const index_t[::1] indptr,    # IN  (n + 1,)
                 int64_t d,
                 const double[::1] h,          # IN  (n,)
                 bint fit_intercept,
                 double[:, ::1] H,             # OUT (p, p)
                 int n_threads):
    cdef int64_t n = indptr.shape[0] - 1
    cdef int status = SMX_OK
    cdef const floating *data_p = NULL
    cdef const index_t *indices_p = NULL
    cdef double *H_p = NULL
    cdef const double *h_p = NULL
    cdef smx_sigint_saved saved
    cdef const smx_stop_flag *stop
    if H.shape[0] == 0:
        return
    H_p = &H[0, 0]
    if n == 0:
        H[:, :] = 0.0
        return
    if data.shape[0] > 0:
        data_p = &data[0]
        indices_p = &indices[0]
    h_p = &h[0]
    while True:
        stop = sigint_begin(&saved)
        with nogil:
            if floating is float:
                if index_t is int32_t:
                    status = smx_binary_hessian_csr_f32_i32(data_p, indices_p, &indptr[0], n, d,
                                                            h_p, fit_intercept, H_p, n_threads,
                                                            stop)
                else:
                    status = smx_binary_hessian_csr_f32_i64(data_p, indices_p, &indptr[0], n, d,
                                                            h_p, fit_intercept, H_p, n_threads,
                                                            stop)
            else:
                if index_t is int32_t:
                    status = smx_binary_hessian_csr_f64_i32(data_p, indices_p, &indptr[0], n, d,
                                                            h_p, fit_intercept, H_p, n_threads,
                                                            stop)
                else:
                    status = smx_binary_hessian_csr_f64_i64(data_p, indices_p, &indptr[0], n, d,
                                                            h_p, fit_intercept, H_p, n_threads,
                                                            stop)
        if not sigint_end(&saved, stop, status == SMX_EINTR):
            break
    raise_status(status, "binary Hessian")
