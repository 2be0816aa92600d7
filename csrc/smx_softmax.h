/* Row-wise log-sum-exp, softmax, log-softmax and the fused multinomial
 * cross-entropy, for C-contiguous (n, K) arrays of float or double.
 *
 * All functions return SMX_OK or SMX_ENOMEM.  Results do not depend on
 * n_threads: every row is computed by the same code, and the loss is summed
 * per row block, then over blocks in block order.
 */
#ifndef SMX_SOFTMAX_H
#define SMX_SOFTMAX_H

#include "smx_config.h"

int smx_openmp_enabled(void);
int smx_omp_max_threads(void);

/* out[i] = log(sum_k exp(Z[i, k])) */
int smx_logsumexp_f32(const float *Z, smx_int n, smx_int K, float *out, int n_threads);
int smx_logsumexp_f64(const double *Z, smx_int n, smx_int K, double *out, int n_threads);

/* out[i, k] = exp(Z[i, k]) / sum_j exp(Z[i, j]); out may alias Z. */
int smx_softmax_f32(const float *Z, smx_int n, smx_int K, float *out, int n_threads);
int smx_softmax_f64(const double *Z, smx_int n, smx_int K, double *out, int n_threads);

/* out[i, k] = Z[i, k] - logsumexp(Z[i]); out may alias Z. */
int smx_log_softmax_f32(const float *Z, smx_int n, smx_int K, float *out, int n_threads);
int smx_log_softmax_f64(const double *Z, smx_int n, smx_int K, double *out, int n_threads);

/* loss = sum_i s_i (logsumexp(Z[i]) - Z[i, y_i]) in double, and, when R is
 * not NULL, R[i, k] = s_i (softmax(Z[i])_k - [k == y_i]).  sw NULL means
 * s_i = 1.  Labels must lie in [0, K): the caller checks them. R may alias Z. */
int smx_cross_entropy_f32(const float *Z, smx_int n, smx_int K, const int64_t *y,
                          const float *sw, float *R, double *loss, int n_threads);
int smx_cross_entropy_f64(const double *Z, smx_int n, smx_int K, const int64_t *y,
                          const double *sw, double *R, double *loss, int n_threads);

/* out[j] = exp(x[j]) by the vectorised exponentials of smx_math.h; fast = 1
 * uses the restricted-range fast version (see smx_math.h).  For tests. */
void smx_exp_array_f32(const float *x, smx_int n, float *out, int fast);
void smx_exp_array_f64(const double *x, smx_int n, double *out, int fast);

#endif
