/* Hessian and Hessian-vector product kernels, instantiated for float and
 * double X, and for int32 and int64 CSR column indices.
 *
 * smx_hessian_body.h is included once per REAL for the dense kernels and
 * the shared helpers (SMX_CSR_INDEX undefined), then once per index type
 * with SMX_CSR_INDEX defined for the CSR kernels.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smx_blas.h"
#include "smx_config.h"
#include "smx_hessian.h"
#include "smx_math.h"
#include "smx_omp.h"
#include "smx_threads.h"

/* ---- helpers that do not depend on REAL ------------------------------ */

/* The Hessian is split into units (chunk of feature pairs, row group);
 * with few chunks the rows are split too, into this many units at least, so that two
 * or more threads have work.  Fixed, so results do not depend on threads. */
#define SMX_HESS_MIN_UNITS 8
static smx_int smx_rows_for(smx_int K)
{
    smx_int rows = SMX_BLOCK_ELEMS / (K > 0 ? K : 1);
    return rows > 0 ? rows : 1;
}

static int smx_fits_int(smx_int v) { return v >= 0 && v <= INT_MAX; }

/* ---- the Gram-product plan of the dense Hessian ------------------------
 * The distinct entries of the Hessian are, for each pair of feature
 * positions b <= a (T = p(p+1)/2 of them) and each class pair k < l,
 * A_kl[a, b] = sum_i s_i p_ik p_il x~_ia x~_ib; then H_kl = -A_kl and
 * H_kk = sum_{l != k} A_kl (see smx_hessian_body.h).  The (a, b) positions
 * are cut into chunks of whole rows a of the triangle, about
 * SMX_GRAM_CHUNK entries each; chunks and row groups depend on p and n only. */
#define SMX_GRAM_CHUNK 512
#define SMX_GRAM_TILE 131072

typedef struct {
    smx_int *rows;      /* chunk ch covers triangle rows [rows[ch], rows[ch + 1]) */
    smx_int nchunks, cmax, bs, nb, R;
} smx_gram_plan;

static void smx_gram_plan_free(smx_gram_plan *plan) { free(plan->rows); }

static int smx_gram_plan_make(smx_gram_plan *plan, smx_int p, smx_int n, smx_int K)
{
    (void)K;
    plan->rows = malloc((size_t)(p + 1) * sizeof(smx_int));
    if (plan->rows == NULL)
        return SMX_ENOMEM;
    smx_int nch = 0, count = 0, cmax = 0;
    plan->rows[0] = 0;
    for (smx_int a = 0; a < p; a++) {
        count += a + 1;
        if (count >= SMX_GRAM_CHUNK || a == p - 1) {
            plan->rows[++nch] = a + 1;
            cmax = count > cmax ? count : cmax;
            count = 0;
        }
    }
    plan->nchunks = nch;
    plan->cmax = cmax;
    smx_int bs = SMX_GRAM_TILE / (cmax > 0 ? cmax : 1);
    bs = bs < 64 ? 64 : (bs > 512 ? 512 : bs);
    plan->bs = bs;
    plan->nb = (n + bs - 1) / bs;
    smx_int R = nch >= SMX_HESS_MIN_UNITS ? 1 : (SMX_HESS_MIN_UNITS + nch - 1) / nch;
    if (R > plan->nb)
        R = plan->nb;
    plan->R = R < 1 ? 1 : R;
    return SMX_OK;
}

double smx_hessian_x_reads(smx_int d, int fit_intercept)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    smx_gram_plan plan;
    if (d <= 0 || smx_gram_plan_make(&plan, p, 1, 1) != SMX_OK)
        return 1.0;
    double reads = 1.0;   /* the probabilities: one forward pass */
    for (smx_int ch = 0; ch < plan.nchunks; ch++) {
        const smx_int a1 = plan.rows[ch + 1];
        reads += (double)(a1 < d ? a1 : d) / (double)d;
    }
    smx_gram_plan_free(&plan);
    return reads;
}

/* Write the H entries of chunk [a0, a1) from C, entry (t, q) at
 * C[t * ts + q * qs] (dense: column-major c x nq, ts = 1, qs = c; CSR:
 * row-major, ts = nq, qs = 1): every entry of H is written by one chunk. */
static void smx_gram_scatter(double *H, const double *C, smx_int ts, smx_int qs, smx_int a0,
                             smx_int a1, smx_int p, smx_int K)
{
    const smx_int m = K * p;
    const smx_int off0 = a0 * (a0 + 1) / 2;
    for (smx_int a = a0; a < a1; a++) {
        for (smx_int b = 0; b <= a; b++) {
            const smx_int t = a * (a + 1) / 2 - off0 + b;
            smx_int q = 0;
            for (smx_int k = 0; k < K; k++) {
                for (smx_int l = k + 1; l < K; l++, q++) {
                    const double v = -C[t * ts + q * qs];
                    H[(k * p + a) * m + l * p + b] = v;
                    H[(k * p + b) * m + l * p + a] = v;
                    H[(l * p + a) * m + k * p + b] = v;
                    H[(l * p + b) * m + k * p + a] = v;
                }
            }
            /* H_kk = sum_{l != k} A_kl, in increasing l; pair (k, l), k < l,
             * is column k K - k (k + 1) / 2 + l - k - 1 of C. */
            for (smx_int k = 0; k < K; k++) {
                double s = 0.0;
                for (smx_int l = 0; l < K; l++) {
                    if (l == k)
                        continue;
                    const smx_int lo = l < k ? l : k, hi = l < k ? k : l;
                    s += C[t * ts + (lo * K - lo * (lo + 1) / 2 + hi - lo - 1) * qs];
                }
                H[(k * p + a) * m + k * p + b] = s;
                H[(k * p + b) * m + k * p + a] = s;
            }
        }
    }
}

/* Several row groups: sum each chunk's partials in row-group order, then
 * scatter.  part holds R slabs of T x nq, chunk ch at offset off0 * nq. */
static void smx_gram_reduce_scatter(double *H, double *part, const smx_gram_plan *plan,
                                    smx_int p, smx_int K, int tmajor, int nt)
{
    const smx_int T = p * (p + 1) / 2, nq = K * (K - 1) / 2;
#pragma omp parallel for num_threads(nt) schedule(static, 1)
    for (smx_int ch = 0; ch < plan->nchunks; ch++) {
        const smx_int a0 = plan->rows[ch], a1 = plan->rows[ch + 1];
        const smx_int off0 = a0 * (a0 + 1) / 2, c = a1 * (a1 + 1) / 2 - off0;
        double *C0 = part + off0 * nq;
        for (smx_int r = 1; r < plan->R; r++) {
            const double *Cr = part + r * T * nq + off0 * nq;
            for (smx_int j = 0; j < c * nq; j++)
                C0[j] += Cr[j];
        }
        smx_gram_scatter(H, C0, tmajor ? nq : 1, tmajor ? 1 : c, a0, a1, p, K);
    }
}

#define SMX_DOUBLE 0
#define REAL float
#define SMX_FN(name) name##_f32
#define SMX_EXP smx_exp_f32
#define SMX_GEMM(blas) ((blas)->sgemm)
#include "smx_rows_body.h"
#include "smx_hessian_body.h"
#define SMX_CSR_INDEX int32_t
#define SMX_CFN(name) name##_f32_i32
#include "smx_hessian_body.h"
#undef SMX_CSR_INDEX
#undef SMX_CFN
#define SMX_CSR_INDEX int64_t
#define SMX_CFN(name) name##_f32_i64
#include "smx_hessian_body.h"
#undef SMX_CSR_INDEX
#undef SMX_CFN
#undef SMX_DOUBLE
#undef REAL
#undef SMX_FN
#undef SMX_EXP
#undef SMX_GEMM

#define SMX_DOUBLE 1
#define REAL double
#define SMX_FN(name) name##_f64
#define SMX_EXP smx_exp_f64
#define SMX_GEMM(blas) ((blas)->dgemm)
#include "smx_rows_body.h"
#include "smx_hessian_body.h"
#define SMX_CSR_INDEX int32_t
#define SMX_CFN(name) name##_f64_i32
#include "smx_hessian_body.h"
#undef SMX_CSR_INDEX
#undef SMX_CFN
#define SMX_CSR_INDEX int64_t
#define SMX_CFN(name) name##_f64_i64
#include "smx_hessian_body.h"
#undef SMX_CSR_INDEX
#undef SMX_CFN
#undef SMX_DOUBLE
#undef REAL
#undef SMX_FN
#undef SMX_EXP
#undef SMX_GEMM
