/* Probabilities and Hessian kernels (see smx_hessian.h), instantiated from
 * smx_hessian_body.h for float and double X (dense) and for each of those
 * with int32 and int64 CSR column indices.  Here: what does not depend on
 * the types, the Gram-product plan and the skeleton both assemblies share.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smx_blas.h"
#include "smx_config.h"
#include "smx_driver.h"
#include "smx_hessian.h"
#include "smx_math.h"
#include "smx_omp.h"

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

/* ---- the skeleton of both Hessian assemblies -------------------------
 * Setup (smx_hess_plan, smx_hess_alloc), the probabilities (per layout), one
 * parallel region over the units (smx_hess_unit_at), then smx_hess_finish. */
typedef struct {
    smx_gram_plan plan;
    smx_int p, m, nq, T, nunits;
    void *P;        /* (n, K) probabilities, in the dtype of X */
    double *part;   /* R > 1: R slabs of T x nq partial sums, else NULL */
} smx_hess_work;

/* The sizes and the plan.  Returns 1 when nothing is left to compute (H is
 * then written, or m == 0), with *status set; else 0 and *status SMX_OK. */
static int smx_hess_plan(smx_hess_work *w, smx_int n, smx_int d, smx_int K,
                         int fit_intercept, double *H, int *status)
{
    w->p = d + (fit_intercept ? 1 : 0);
    w->m = K * w->p;
    w->nq = K * (K - 1) / 2;
    w->T = w->p * (w->p + 1) / 2;
    w->P = NULL;
    w->part = NULL;
    *status = SMX_OK;
    if (w->m <= 0)
        return 1;
    if (n <= 0 || w->nq == 0) {   /* one class: the probabilities are all 1, H = 0 */
        memset(H, 0, (size_t)w->m * w->m * sizeof(double));
        return 1;
    }
    *status = smx_gram_plan_make(&w->plan, w->p, n, K);
    if (*status != SMX_OK)
        return 1;
    w->nunits = w->plan.nchunks * w->plan.R;
    return 0;
}

/* The probabilities (real_size bytes an element) and the row-group slabs;
 * SMX_OK, or SMX_ENOMEM with everything freed. */
static int smx_hess_alloc(smx_hess_work *w, smx_int n, smx_int K, size_t real_size)
{
    const smx_int R = w->plan.R;
    w->P = malloc((size_t)n * K * real_size);
    w->part = R > 1 ? malloc((size_t)R * w->T * w->nq * sizeof(double)) : NULL;
    if (w->P == NULL || (R > 1 && w->part == NULL)) {
        free(w->P);
        free(w->part);
        smx_gram_plan_free(&w->plan);
        return SMX_ENOMEM;
    }
    return SMX_OK;
}

/* Unit u = (chunk ch of feature pairs, row group r): the triangle rows
 * [a0, a1), their c entries starting at off0, the blocks [b0, b1), and C,
 * its zeroed c x nq accumulator (acc when R == 1, else the chunk's part of
 * slab r). */
typedef struct {
    smx_int ch, r, a0, a1, off0, c, b0, b1;
    double *C;
} smx_hess_unit;

static smx_hess_unit smx_hess_unit_at(const smx_hess_work *w, smx_int u, double *acc)
{
    const smx_int R = w->plan.R;
    smx_hess_unit t;
    t.ch = u / R;
    t.r = u % R;
    t.a0 = w->plan.rows[t.ch];
    t.a1 = w->plan.rows[t.ch + 1];
    t.off0 = t.a0 * (t.a0 + 1) / 2;
    t.c = t.a1 * (t.a1 + 1) / 2 - t.off0;
    t.b0 = smx_group_start(t.r, R, w->plan.nb);
    t.b1 = smx_group_start(t.r + 1, R, w->plan.nb);
    t.C = R == 1 ? acc : w->part + t.r * w->T * w->nq + t.off0 * w->nq;
    memset(t.C, 0, (size_t)t.c * w->nq * sizeof(double));
    return t;
}

/* After the region: SMX_EINTR when stopped, the row groups reduced and
 * scattered (tmajor: C row-major, as the CSR kernel fills it), all freed. */
static int smx_hess_finish(smx_hess_work *w, double *H, smx_int K, int status,
                           const smx_stop_flag *stop, int tmajor, int nt)
{
    status = smx_stop_status(status, stop);
    if (status == SMX_OK && w->plan.R > 1)
        smx_gram_reduce_scatter(H, w->part, &w->plan, w->p, K, tmajor, nt);
    free(w->P);
    free(w->part);
    smx_gram_plan_free(&w->plan);
    return status;
}

#define SMX_REAL_BODY "smx_hessian_body.h"
#define SMX_CSR_BODY "smx_hessian_body.h"
#include "smx_template.h"
