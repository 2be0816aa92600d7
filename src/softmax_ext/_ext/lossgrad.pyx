"""Cython bindings of the fused multinomial loss/gradient kernels (csrc/smx_lossgrad.c).

One function per mode of the C drivers, every argument keyword-only:

- ``loss``: the data loss at ``coef``;
- ``loss_gradient``: the loss and the gradient into ``G``;
- ``loss_gradient_from_scores``: the loss and gradient from precomputed
  scores ``Z`` (the backward pass only);
- ``scores``: ``Z = X W^T + b`` into ``out``;
- ``hessp``: the data part of a Hessian-vector product, ``G = H_data V``, at
  the point whose probabilities are ``P``.

Each takes dense X (``X``, C-contiguous) or CSR X (``data``, ``indices``,
``indptr``, ``n_features``), and returns the unnormalised data loss
``sum_i s_i CE_i`` (double; 0 for ``scores`` and ``hessp``).  The C drivers
choose their mode by which pointers are NULL; that choice is made here, once
per function, in the private ``_dense`` / ``_csr`` calls.

Callers (``softmax_ext.objective._kernels``) pass validated data: labels in
``[0, n_classes)`` (checked once by ``MultinomialLoss``), sample weights,
coefficients and scores already in X's dtype, canonical CSR.  These bindings
check what the kernel of each mode assumes (shapes and lengths, which is
cheap), release the GIL around each C call and turn a status code into an
exception.  The dense kernels call BLAS from OpenMP threads: call them inside
``_threads.single_threaded_blas()``.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

from softmax_ext._ext.design cimport check_rows, check_shape, design_shape
from softmax_ext._ext.status cimport SMX_OK, raise_status

from softmax_ext._ext.blas cimport fill_blas, smx_blas

ctypedef fused index_t:
    int32_t
    int64_t

cdef extern from "smx_lossgrad.h" nogil:
    int smx_lossgrad_dense_f32(const float *X, int64_t n, int64_t d, int64_t K,
                               const int64_t *y, const float *sw, const float *coef,
                               int fit_intercept, const float *Zin, float *Zout,
                               const float *P, double *loss, double *G, int n_threads, const smx_blas *blas)
    int smx_lossgrad_dense_f64(const double *X, int64_t n, int64_t d, int64_t K,
                               const int64_t *y, const double *sw, const double *coef,
                               int fit_intercept, const double *Zin, double *Zout,
                               const double *P, double *loss, double *G, int n_threads, const smx_blas *blas)
    int smx_lossgrad_csr_f32_i32(const float *data, const int32_t *indices,
                                 const int32_t *indptr, int64_t n, int64_t d, int64_t K,
                                 const int64_t *y, const float *sw, const float *coef,
                                 int fit_intercept, const float *Zin, float *Zout,
                                 const float *P, double *loss, double *G, int n_threads)
    int smx_lossgrad_csr_f32_i64(const float *data, const int64_t *indices,
                                 const int64_t *indptr, int64_t n, int64_t d, int64_t K,
                                 const int64_t *y, const float *sw, const float *coef,
                                 int fit_intercept, const float *Zin, float *Zout,
                                 const float *P, double *loss, double *G, int n_threads)
    int smx_lossgrad_csr_f64_i32(const double *data, const int32_t *indices,
                                 const int32_t *indptr, int64_t n, int64_t d, int64_t K,
                                 const int64_t *y, const double *sw, const double *coef,
                                 int fit_intercept, const double *Zin, double *Zout,
                                 const double *P, double *loss, double *G, int n_threads)
    int smx_lossgrad_csr_f64_i64(const double *data, const int64_t *indices,
                                 const int64_t *indptr, int64_t n, int64_t d, int64_t K,
                                 const int64_t *y, const double *sw, const double *coef,
                                 int fit_intercept, const double *Zin, double *Zout,
                                 const double *P, double *loss, double *G, int n_threads)


cdef smx_blas _blas_table
fill_blas(&_blas_table)

cdef int64_t _INT_MAX = 2147483647
_TOO_LARGE = "n_features or n_classes is too large for the BLAS (32-bit) interface"


# ------------------------------------------------------------------ checks

def _check_classes(int64_t K):
    if K < 1:
        raise ValueError(f"n_classes must be >= 1, got {K}")


def _check_params(int64_t p, int64_t K, bint sparse):
    """The dense kernels hand p and K to BLAS as 32-bit ints."""
    if not sparse and (p > _INT_MAX or K > _INT_MAX):
        raise ValueError(_TOO_LARGE)


def _coef_mode(X, data, indices, indptr, n_features, name, coef, bint fit_intercept):
    """``(n, d, sparse, K)`` for a mode that reads coefficients (``coef`` or ``V``)."""
    n, d, sparse = design_shape(X, data, indices, indptr, n_features)
    check_shape(name, coef, None, d + fit_intercept)
    K = coef.shape[0]
    _check_classes(K)
    _check_params(d + fit_intercept, K, sparse)
    return n, d, sparse, K


def _check_weights(int64_t n, sample_weight):
    """Optional sample weights, one per row."""
    if sample_weight is not None:
        check_rows("sample_weight", sample_weight, n)


# ------------------------------------------------------------------ modes

def loss(*, X=None, data=None, indices=None, indptr=None, n_features=None,
         y, sample_weight=None, coef, bint fit_intercept, int n_threads):
    """Data loss ``sum_i s_i CE_i`` (double) at ``coef`` (K, p), one pass over X."""
    n, d, sparse, K = _coef_mode(X, data, indices, indptr, n_features, "coef", coef,
                                 fit_intercept)
    check_rows("y", y, n)
    _check_weights(n, sample_weight)
    return _run(sparse, X, data, indices, indptr, d, y, sample_weight, coef, fit_intercept, K,
                None, None, None, n_threads, None)


def loss_gradient(*, X=None, data=None, indices=None, indptr=None, n_features=None,
                  y, sample_weight=None, coef, bint fit_intercept, G, int n_threads):
    """Data loss (returned) and gradient into ``G`` (K, p) float64, one pass over X."""
    n, d, sparse, K = _coef_mode(X, data, indices, indptr, n_features, "coef", coef,
                                 fit_intercept)
    check_rows("y", y, n)
    _check_weights(n, sample_weight)
    check_shape("G", G, K, d + fit_intercept)
    return _run(sparse, X, data, indices, indptr, d, y, sample_weight, coef, fit_intercept, K,
                None, None, G, n_threads, None)


def loss_gradient_from_scores(*, X=None, data=None, indices=None, indptr=None,
                              n_features=None, y, sample_weight=None, Z, bint fit_intercept,
                              G, int n_threads):
    """Data loss (returned) and gradient into ``G`` from the scores ``Z`` (n, K):
    the backward pass only."""
    n, d, sparse = design_shape(X, data, indices, indptr, n_features)
    check_shape("Z", Z, n, None)
    K = Z.shape[1]
    _check_classes(K)
    _check_params(d + fit_intercept, K, sparse)
    check_rows("y", y, n)
    _check_weights(n, sample_weight)
    check_shape("G", G, K, d + fit_intercept)
    return _run(sparse, X, data, indices, indptr, d, y, sample_weight, None, fit_intercept, K,
                Z, None, G, n_threads, None)


def scores(*, X=None, data=None, indices=None, indptr=None, n_features=None, coef,
           bint fit_intercept, out, int n_threads):
    """Scores ``X W^T + b`` into ``out`` (n, K), one pass over X."""
    n, d, sparse, K = _coef_mode(X, data, indices, indptr, n_features, "coef", coef,
                                 fit_intercept)
    check_shape("out", out, n, K)
    _run(sparse, X, data, indices, indptr, d, None, None, coef, fit_intercept, K,
         None, out, None, n_threads, None)


def hessp(*, X=None, data=None, indices=None, indptr=None, n_features=None,
          sample_weight=None, P, V, bint fit_intercept, G, int n_threads):
    """Data part of a Hessian-vector product into ``G`` (K, p) float64, one pass over X.

    ``G = sum_i s_i t_i [x_i, 1]^T`` with ``t_i = p_i o (u_i - p_i . u_i)``,
    ``u_i = V [x_i, 1]``, at the point whose probabilities are ``P`` (n, K);
    labels are not read.
    """
    n, d, sparse, K = _coef_mode(X, data, indices, indptr, n_features, "V", V, fit_intercept)
    _check_weights(n, sample_weight)
    check_shape("P", P, n, K)
    check_shape("G", G, K, d + fit_intercept)
    _run(sparse, X, data, indices, indptr, d, None, sample_weight, V, fit_intercept, K,
         None, None, G, n_threads, P)


# ------------------------------------------------------------------ C calls

def _run(bint sparse, X, data, indices, indptr, int64_t d, y, sw, coef, bint fit_intercept,
         int64_t K, Zin, Zout, G, int n_threads, P):
    """The C driver in the mode the non-None arguments select (checked by the caller)."""
    if sparse:
        return _csr(data, indices, indptr, d, y, sw, coef, fit_intercept, K, Zin, Zout, G,
                    n_threads, P)
    return _dense(X, y, sw, coef, fit_intercept, K, Zin, Zout, G, n_threads, P)


def _dense(const floating[:, ::1] X,        # IN  (n, d)
           const int64_t[::1] y,            # IN  (n,) labels in [0, K), or None
           const floating[::1] sw,          # IN  (n,) or None
           const floating[:, ::1] coef,     # IN  (K, p) or None
           bint fit_intercept,
           int64_t K,
           const floating[:, ::1] Zin,      # IN  (n, K) or None
           floating[:, ::1] Zout,           # OUT (n, K) or None
           double[:, ::1] G,                # OUT (K, p) or None
           int n_threads,
           const floating[:, ::1] P):       # IN  (n, K) or None
    cdef int64_t n = X.shape[0], d = X.shape[1]
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const int64_t *y_p = NULL
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const floating *P_p = NULL
    cdef double *G_p = NULL
    cdef const floating *X_p = NULL
    if G is not None and G.shape[0] * G.shape[1] > 0:
        G_p = &G[0, 0]
    if n == 0:
        if G is not None:
            G[:, :] = 0.0
        return 0.0
    if d > 0:
        X_p = &X[0, 0]
    if y is not None:
        y_p = &y[0]
    if sw is not None:
        sw_p = &sw[0]
    if coef is not None and coef.shape[1] > 0:
        coef_p = &coef[0, 0]
    if Zin is not None:
        zin_p = &Zin[0, 0]
    if Zout is not None:
        zout_p = &Zout[0, 0]
    if P is not None:
        P_p = &P[0, 0]
    with nogil:
        if floating is float:
            status = smx_lossgrad_dense_f32(X_p, n, d, K, y_p, sw_p, coef_p, fit_intercept,
                                            zin_p, zout_p, P_p, &loss, G_p, n_threads,
                                            &_blas_table)
        else:
            status = smx_lossgrad_dense_f64(X_p, n, d, K, y_p, sw_p, coef_p, fit_intercept,
                                            zin_p, zout_p, P_p, &loss, G_p, n_threads,
                                            &_blas_table)
    raise_status(status, "loss/gradient", _TOO_LARGE)
    return loss


def _csr(const floating[::1] data,         # IN  (nnz,)
         const index_t[::1] indices,       # IN  (nnz,) column indices in [0, d)
         const index_t[::1] indptr,        # IN  (n + 1,)
         int64_t d,
         const int64_t[::1] y,             # IN  (n,) or None
         const floating[::1] sw,           # IN  (n,) or None
         const floating[:, ::1] coef,      # IN  (K, p) or None
         bint fit_intercept,
         int64_t K,
         const floating[:, ::1] Zin,       # IN  (n, K) or None
         floating[:, ::1] Zout,            # OUT (n, K) or None
         double[:, ::1] G,                 # OUT (K, p) or None
         int n_threads,
         const floating[:, ::1] P):        # IN  (n, K) or None
    cdef int64_t n = indptr.shape[0] - 1
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const int64_t *y_p = NULL
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const floating *P_p = NULL
    cdef double *G_p = NULL
    cdef const floating *data_p = NULL
    cdef const index_t *indices_p = NULL
    if G is not None and G.shape[0] * G.shape[1] > 0:
        G_p = &G[0, 0]
    if n == 0:
        if G is not None:
            G[:, :] = 0.0
        return 0.0
    if data.shape[0] > 0:
        data_p = &data[0]
        indices_p = &indices[0]
    if y is not None:
        y_p = &y[0]
    if sw is not None:
        sw_p = &sw[0]
    if coef is not None and coef.shape[1] > 0:
        coef_p = &coef[0, 0]
    if Zin is not None:
        zin_p = &Zin[0, 0]
    if Zout is not None:
        zout_p = &Zout[0, 0]
    if P is not None:
        P_p = &P[0, 0]
    with nogil:
        if floating is float:
            if index_t is int32_t:
                status = smx_lossgrad_csr_f32_i32(data_p, indices_p, &indptr[0], n, d, K, y_p,
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
            else:
                status = smx_lossgrad_csr_f32_i64(data_p, indices_p, &indptr[0], n, d, K, y_p,
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
        else:
            if index_t is int32_t:
                status = smx_lossgrad_csr_f64_i32(data_p, indices_p, &indptr[0], n, d, K, y_p,
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
            else:
                status = smx_lossgrad_csr_f64_i64(data_p, indices_p, &indptr[0], n, d, K, y_p,
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
    raise_status(status, "loss/gradient", _TOO_LARGE)
    return loss
