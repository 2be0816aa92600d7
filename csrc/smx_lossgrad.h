/* Fused loss and gradient of the multinomial objective (unnormalised data
 * terms), for dense C-contiguous and CSR X, float and double.
 *
 * Notation: X (n, d), labels y in [0, K) (int64), sample weights sw (n,) or
 * NULL for all ones, coef (K, p) C-contiguous with p = d + fit_intercept
 * (intercept in the last column), scores Z = X W^T + b (n, K) C order.
 *
 *   loss = sum_i s_i (logsumexp(Z[i]) - Z[i, y_i])            (double)
 *   G    = sum_i s_i (softmax(Z[i]) - e_{y_i}) [x_i, 1]^T      (K, p) double
 *
 * One pass over X in row blocks: each block's scores, softmax, residual and
 * backward product are computed while the block is in cache; no (n, K) or
 * (n, d) array is allocated.  The blocks are split into a fixed number of
 * groups that depends only on the problem size (never on n_threads); each
 * group sums its blocks in order into its own buffer and the groups are then
 * summed in order, so results are bitwise identical for any thread count.
 *
 * Dense kernels call BLAS gemm from the table `blas` inside OpenMP threads:
 * the caller must limit BLAS to one thread around the call.
 *
 * Modes of the drivers (the `Zin` / `Zout` / `G` arguments):
 *   - lossgrad:   coef given; loss and (G != NULL) the gradient.
 *   - from scores: Zin given (n, K), coef unused (NULL); loss and gradient.
 *   - scores:     Zout given (n, K); Z = X W^T + b only.
 *   - hessp:      P given (n, K), the probabilities at the expansion point,
 *                 coef = V: G = H_data V = sum_i s_i t_i [x_i, 1]^T with
 *                 t_i = p_i o (u_i - p_i . u_i), u_i = V [x_i, 1] (the
 *                 unnormalised data part of a Hessian-vector product; y and
 *                 loss unused).  Same blocks, groups and determinism.
 * All return SMX_OK, SMX_ENOMEM or SMX_EINVAL (a size too large for BLAS).
 */
#ifndef SMX_LOSSGRAD_H
#define SMX_LOSSGRAD_H

#include "smx_blas.h"
#include "smx_config.h"

#define SMX_LG_DENSE_DECL(R, SFX)                                                   \
    int smx_lossgrad_dense_##SFX(const R *X, smx_int n, smx_int d, smx_int K,       \
                                 const int64_t *y, const R *sw, const R *coef,      \
                                 int fit_intercept, const R *Zin, R *Zout,          \
                                 const R *P, double *loss, double *G,               \
                                 int n_threads,                                     \
                                 const smx_blas *blas);

#define SMX_LG_CSR_DECL(R, I, SFX)                                                  \
    int smx_lossgrad_csr_##SFX(const R *data, const I *indices, const I *indptr,    \
                               smx_int n, smx_int d, smx_int K, const int64_t *y,   \
                               const R *sw, const R *coef, int fit_intercept,       \
                               const R *Zin, R *Zout, const R *P, double *loss,     \
                               double *G, int n_threads);

SMX_LG_DENSE_DECL(float, f32)
SMX_LG_DENSE_DECL(double, f64)
SMX_LG_CSR_DECL(float, int32_t, f32_i32)
SMX_LG_CSR_DECL(float, int64_t, f32_i64)
SMX_LG_CSR_DECL(double, int32_t, f64_i32)
SMX_LG_CSR_DECL(double, int64_t, f64_i64)

/* Number of row groups (and gradient buffers) for a problem: depends only on
 * the number of blocks and the buffer size, never on the thread count. */
smx_int smx_lossgrad_n_groups(smx_int n_blocks, smx_int buffer_doubles);

#endif
