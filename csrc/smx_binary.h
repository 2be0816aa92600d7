/* Binary logistic regression kernels (unnormalised data terms), for dense
 * C-contiguous and CSR X, float and double: the K = 2 path that replaces a
 * two-class multinomial with one class held fixed (half the work per pass,
 * and a Hessian of (d + 1)^2 entries built by a weighted SYRK).
 *
 * Notation: X (n, d), labels y in {0, 1} (int64), sample weights sw (n,) or
 * NULL for all ones, coef (p,) with p = d + fit_intercept (intercept last),
 * scores z = X w + b (n,), sigma(z) = 1 / (1 + exp(-z)), x~_i = [x_i, 1].
 *
 *   loss = sum_i s_i (log1p(exp(-|z_i|)) + max(z_i, 0) - y_i z_i)   (double)
 *   G    = sum_i s_i (sigma(z_i) - y_i) x~_i                         (p,) double
 *   H    = sum_i h_i x~_i x~_i^T,  h_i = s_i sigma(z_i) (1 - sigma(z_i))
 *
 * smx_binary_{dense,csr}_*: one pass over X in row blocks; its mode is chosen
 * by the pointers (as smx_lossgrad's drivers):
 *   - zout != NULL: the scores z = X coef (+ b) only, in REAL;
 *   - hw != NULL (hessp): coef = v, G = sum_i hw_i (x~_i . v) x~_i, the data
 *     part of a Hessian-vector product with the weights h (double) of the
 *     expansion point; y, sw and loss unused;
 *   - else: z from zin (n,) when given, else X coef; the loss and, when
 *     G != NULL, the gradient.
 * smx_binary_hessian_{dense,csr}_*: H (p, p) C order, symmetric, from the
 * weights hw (n,) double: dense by one SYRK per row block (BLAS from OpenMP
 * threads: the caller keeps BLAS on one thread), CSR by accumulating the
 * products of each row's nonzeros.  The long kernels poll `stop`.
 *
 * Row blocks depend on the problem only; blocks are summed in order into a
 * fixed number of groups (smx_binary_n_groups) and the groups in order, so
 * results are bitwise identical for any n_threads.  Status: SMX_OK,
 * SMX_ENOMEM, SMX_EINVAL (p too large for BLAS's int), SMX_EINTR.
 */
#ifndef SMX_BINARY_H
#define SMX_BINARY_H

#include "smx_blas.h"
#include "smx_config.h"

#define SMX_BIN_DENSE_DECL(R, SFX)                                                  \
    int smx_binary_dense_##SFX(const R *X, smx_int n, smx_int d, const int64_t *y,  \
                               const R *sw, const R *coef, int fit_intercept,       \
                               const R *zin, R *zout, const double *hw,             \
                               double *loss, double *G, int n_threads);             \
    int smx_binary_hessian_dense_##SFX(const R *X, smx_int n, smx_int d,            \
                                       const double *hw, int fit_intercept,         \
                                       double *H, int n_threads,                    \
                                       const smx_blas *blas,                        \
                                       const smx_stop_flag *stop);

#define SMX_BIN_CSR_DECL(R, I, SFX)                                                 \
    int smx_binary_csr_##SFX(const R *data, const I *indices, const I *indptr,      \
                             smx_int n, smx_int d, const int64_t *y, const R *sw,   \
                             const R *coef, int fit_intercept, const R *zin,        \
                             R *zout, const double *hw, double *loss, double *G,    \
                             int n_threads);                                        \
    int smx_binary_hessian_csr_##SFX(const R *data, const I *indices,               \
                                     const I *indptr, smx_int n, smx_int d,         \
                                     const double *hw, int fit_intercept,           \
                                     double *H, int n_threads,                      \
                                     const smx_stop_flag *stop);

SMX_BIN_DENSE_DECL(float, f32)
SMX_BIN_DENSE_DECL(double, f64)
SMX_BIN_CSR_DECL(float, int32_t, f32_i32)
SMX_BIN_CSR_DECL(float, int64_t, f32_i64)
SMX_BIN_CSR_DECL(double, int32_t, f64_i32)
SMX_BIN_CSR_DECL(double, int64_t, f64_i64)

/* Row groups (and accumulators of `buffer_doubles`) for nb blocks: depends
 * only on the problem size, never on the thread count. */
smx_int smx_binary_n_groups(smx_int n_blocks, smx_int buffer_doubles);

#endif
