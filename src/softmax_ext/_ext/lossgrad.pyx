"""Cython bindings of the fused multinomial loss/gradient kernels (csrc/smx_lossgrad.c).

Callers (``softmax_ext.lossgrad``) pass validated data: labels in
``[0, n_classes)`` (checked once by ``MultinomialLoss``), sample weights,
coefficients and scores already in X's dtype, canonical CSR.  These bindings
re-check shapes and sizes, which is cheap, release the GIL around each C call
and turn a status code into an exception.  The dense kernels call BLAS from
OpenMP threads: call them inside ``_threads.single_threaded_blas()``.

Modes (exactly one): ``coef`` given (loss, and gradient when ``G`` is given),
``Zin`` given (loss and gradient from precomputed scores), ``Zout`` given
with ``coef`` (scores only), or ``P`` given with ``coef`` = V and ``G``
(the data part of a Hessian-vector product, ``G = H_data V``, at the point
whose probabilities are P; y is not read and the loss returned is 0).
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

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
    int64_t smx_lossgrad_n_groups(int64_t n_blocks, int64_t buffer_doubles)


cdef smx_blas _blas_table
fill_blas(&_blas_table)

cdef int64_t _INT_MAX = 2147483647


def n_groups(int64_t n_blocks, int64_t buffer_doubles):
    """Number of row groups (gradient buffers) the kernels use; for tests."""
    return smx_lossgrad_n_groups(n_blocks, buffer_doubles)


def _check_modes(int64_t n, int64_t d, int64_t K, bint fit_intercept, y, sw, coef, Zin,
                 Zout, P, G):
    """Shapes and the choice of mode; raises ValueError naming the problem."""
    cdef int64_t p = d + (1 if fit_intercept else 0)
    if K < 1:
        raise ValueError(f"n_classes must be >= 1, got {K}")
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but X has {n}")
    if sw is not None and sw.shape[0] != n:
        raise ValueError(f"sample_weight has {sw.shape[0]} rows but X has {n}")
    if (Zin is None) == (coef is None and Zout is None) or (Zin is not None and Zout is not None):
        raise ValueError("give coef (with Zout for scores only) or Zin, not both")
    if Zout is not None and coef is None:
        raise ValueError("scores (Zout) need coef")
    if coef is not None and (coef.shape[0] != K or coef.shape[1] != p):
        raise ValueError(f"coef has shape {tuple(coef.shape[:2])}, expected ({K}, {p})")
    for name, Z in (("Zin", Zin), ("Zout", Zout)):
        if Z is not None and (Z.shape[0] != n or Z.shape[1] != K):
            raise ValueError(f"{name} has shape {tuple(Z.shape[:2])}, expected ({n}, {K})")
    if G is not None and (G.shape[0] != K or G.shape[1] != p):
        raise ValueError(f"G has shape {tuple(G.shape[:2])}, expected ({K}, {p})")
    if G is not None and Zout is not None:
        raise ValueError("scores (Zout) compute no gradient: G must be None")
    if P is not None:
        if coef is None or G is None or Zin is not None or Zout is not None:
            raise ValueError("a Hessian-vector product (P) needs coef (= V) and G, "
                             "and no Zin or Zout")
        if P.shape[0] != n or P.shape[1] != K:
            raise ValueError(f"P has shape {tuple(P.shape[:2])}, expected ({n}, {K})")
    if p > _INT_MAX or K > _INT_MAX:
        raise ValueError("n_features or n_classes is too large for the BLAS (32-bit) interface")


def dense(const floating[:, ::1] X,        # IN  (n, d)
          const int64_t[::1] y,            # IN  (n,) labels in [0, K)
          const floating[::1] sw,          # IN  (n,) or None
          const floating[:, ::1] coef,     # IN  (K, p) or None
          bint fit_intercept,
          int64_t n_classes,
          const floating[:, ::1] Zin,      # IN  (n, K) or None
          floating[:, ::1] Zout,           # OUT (n, K) or None
          double[:, ::1] G,                # OUT (K, p) or None
          int n_threads,
          const floating[:, ::1] P=None):  # IN  (n, K): Hessian-vector product mode
    """Fused loss (returned, double) and gradient into G for dense X; see module doc."""
    cdef int64_t n = X.shape[0], d = X.shape[1], K = n_classes
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const floating *P_p = NULL
    cdef double *G_p = NULL
    cdef const floating *X_p = NULL
    _check_modes(n, d, K, fit_intercept, y, sw, coef, Zin, Zout, P, G)
    if G is not None and G.shape[0] * G.shape[1] > 0:
        G_p = &G[0, 0]
    if n == 0:
        if G is not None:
            G[:, :] = 0.0
        return 0.0
    if d > 0:
        X_p = &X[0, 0]
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
            status = smx_lossgrad_dense_f32(X_p, n, d, K, &y[0], sw_p, coef_p, fit_intercept,
                                            zin_p, zout_p, P_p, &loss, G_p, n_threads, &_blas_table)
        else:
            status = smx_lossgrad_dense_f64(X_p, n, d, K, &y[0], sw_p, coef_p, fit_intercept,
                                            zin_p, zout_p, P_p, &loss, G_p, n_threads, &_blas_table)
    raise_status(status, "loss/gradient", "n_features or n_classes is too large for the BLAS (32-bit) interface")
    return loss


def csr(const floating[::1] data,         # IN  (nnz,)
        const index_t[::1] indices,       # IN  (nnz,) column indices in [0, d)
        const index_t[::1] indptr,        # IN  (n + 1,)
        int64_t n_features,
        const int64_t[::1] y,             # IN  (n,)
        const floating[::1] sw,           # IN  (n,) or None
        const floating[:, ::1] coef,      # IN  (K, p) or None
        bint fit_intercept,
        int64_t n_classes,
        const floating[:, ::1] Zin,       # IN  (n, K) or None
        floating[:, ::1] Zout,            # OUT (n, K) or None
        double[:, ::1] G,                 # OUT (K, p) or None
        int n_threads,
        const floating[:, ::1] P=None):   # IN  (n, K): Hessian-vector product mode
    """Fused loss (returned, double) and gradient into G for CSR X; see module doc."""
    cdef int64_t n = indptr.shape[0] - 1, d = n_features, K = n_classes
    cdef int status = SMX_OK
    cdef double loss = 0.0
    cdef const floating *sw_p = NULL
    cdef const floating *coef_p = NULL
    cdef const floating *zin_p = NULL
    cdef floating *zout_p = NULL
    cdef const floating *P_p = NULL
    cdef double *G_p = NULL
    cdef const floating *data_p = NULL
    cdef const index_t *indices_p = NULL
    if n < 0:
        raise ValueError("indptr must have n_samples + 1 entries")
    if d < 0:
        raise ValueError(f"n_features must be >= 0, got {d}")
    if indices.shape[0] != data.shape[0]:
        raise ValueError(f"indices has {indices.shape[0]} entries but data has {data.shape[0]}")
    # the O(1) part of the CSR invariants (softmax_ext._design_matrix checks the rest)
    if indptr[0] != 0 or indptr[n] != data.shape[0]:
        raise ValueError(f"indptr must run from 0 to nnz={data.shape[0]}, "
                         f"got {indptr[0]} .. {indptr[n]}")
    _check_modes(n, d, K, fit_intercept, y, sw, coef, Zin, Zout, P, G)
    if G is not None and G.shape[0] * G.shape[1] > 0:
        G_p = &G[0, 0]
    if n == 0:
        if G is not None:
            G[:, :] = 0.0
        return 0.0
    if data.shape[0] > 0:
        data_p = &data[0]
        indices_p = &indices[0]
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
                status = smx_lossgrad_csr_f32_i32(data_p, indices_p, &indptr[0], n, d, K, &y[0],
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
            else:
                status = smx_lossgrad_csr_f32_i64(data_p, indices_p, &indptr[0], n, d, K, &y[0],
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
        else:
            if index_t is int32_t:
                status = smx_lossgrad_csr_f64_i32(data_p, indices_p, &indptr[0], n, d, K, &y[0],
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
            else:
                status = smx_lossgrad_csr_f64_i64(data_p, indices_p, &indptr[0], n, d, K, &y[0],
                                                  sw_p, coef_p, fit_intercept, zin_p, zout_p, P_p,
                                                  &loss, G_p, n_threads)
    raise_status(status, "loss/gradient", "n_features or n_classes is too large for the BLAS (32-bit) interface")
    return loss
