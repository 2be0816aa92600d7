/* Second-order kernels of the multinomial objective: probabilities and the
 * full data Hessian, for dense C-contiguous X
 * (float or double) and CSR X (float or double data, int32 or int64 column
 * indices, int64 row pointers).
 *
 * Layout (objective.py): coef is C-contiguous (K, p), p = d + fit_intercept,
 * intercept in the last column; flattened vectors follow coef.ravel(), so
 * index k * p + j is class k, feature j (j == d: the intercept).  x~_i is
 * x_i with a trailing 1 when fit_intercept.
 *
 *   P[i, k] = softmax(W x_i + b)_k                       (n, K), dtype of X
 *   H       = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T
 *                                                        (m, m), double, m = K p
 *
 * Hessian-vector products H vec(V) are the "hessp" mode of the loss/gradient
 * drivers (smx_lossgrad.h): one pass over X with the same blocks.
 *
 * Unnormalised data terms: the objective divides by sum(s) and adds l2.
 * sw NULL means s_i = 1.  Every function returns SMX_OK, SMX_ENOMEM or
 * SMX_EINVAL (a size that does not fit BLAS's int).  Results do not depend
 * on n_threads (see smx_hessian_body.h for how the work is split).
 *
 * Interrupts: the Hessian assemblies take a stop flag (smx_config.h; NULL:
 * never stop), set asynchronously (by a SIGINT handler, smx_sigint.h).  The
 * threads poll it between row blocks and stop within one block; the kernel
 * then returns SMX_EINTR and H is unspecified.
 * The dense kernels call BLAS from OpenMP threads: the caller keeps BLAS
 * single-threaded around them.
 */
#ifndef SMX_HESSIAN_H
#define SMX_HESSIAN_H

#include <stdint.h>

#include "smx_blas.h"
#include "smx_config.h"

/* ---- dense X (n, d), C-contiguous ---------------------------------- */
int smx_probs_dense_f32(const float *X, smx_int n, smx_int d, const float *coef, smx_int K,
                        int fit_intercept, float *P, const smx_blas *blas, int n_threads);
int smx_probs_dense_f64(const double *X, smx_int n, smx_int d, const double *coef, smx_int K,
                        int fit_intercept, double *P, const smx_blas *blas, int n_threads);

int smx_hessian_dense_f32(const float *X, smx_int n, smx_int d, const float *sw,
                          const float *coef, smx_int K, int fit_intercept, double *H,
                          const smx_blas *blas, int n_threads, const smx_stop_flag *stop);
int smx_hessian_dense_f64(const double *X, smx_int n, smx_int d, const double *sw,
                          const double *coef, smx_int K, int fit_intercept, double *H,
                          const smx_blas *blas, int n_threads, const smx_stop_flag *stop);

/* How much of X one Hessian assembly reads, in units of X: one pass for
 * the probabilities, then per chunk of feature pairs the prefix of every row
 * up to the chunk's last feature (CSR rows are scanned to the same point). */
double smx_hessian_x_reads(smx_int d, int fit_intercept);

/* ---- CSR X: data, indices (nnz), indptr (n + 1, the dtype of indices);
 * canonical rows (sorted, no duplicates), validated by the caller ---- */
#define SMX_HESSIAN_CSR_DECL(R, SR, I, SI)                                                  \
    int smx_probs_csr_##SR##_##SI(const R *data, const I *indices, const I *indptr,  \
                                  smx_int n, smx_int d, const R *coef, smx_int K,          \
                                  int fit_intercept, R *P, int n_threads);                 \
    int smx_hessian_csr_##SR##_##SI(const R *data, const I *indices, const I *indptr, \
                                    smx_int n, smx_int d, const R *sw, const R *coef,      \
                                    smx_int K, int fit_intercept, double *H, int n_threads, \
                                    const smx_stop_flag *stop);

SMX_HESSIAN_CSR_DECL(float, f32, int32_t, i32)
SMX_HESSIAN_CSR_DECL(float, f32, int64_t, i64)
SMX_HESSIAN_CSR_DECL(double, f64, int32_t, i32)
SMX_HESSIAN_CSR_DECL(double, f64, int64_t, i64)

#endif
