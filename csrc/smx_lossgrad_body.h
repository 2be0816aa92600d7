/* Type-generic body of smx_lossgrad.c (csrc/README.md, "Templates"): its
 * SMX_REAL_BODY part (IDX undefined: the block steps both layouts share and
 * the dense driver, once per REAL) and its SMX_CSR_BODY part (IDX defined:
 * the CSR driver, once per REAL and index type).
 *
 * Both drivers run the same skeleton: zero the outputs, W^T and b from coef,
 * then either the scores only (independent blocks) or, over row groups
 * (smx_groups), per block: scores (or a copy of Zin), the residual or the
 * Hessian-vector transform with the block's loss (smx_lg_block_residual),
 * and the backward product into the group's buffer; at the end the groups
 * summed in group order.
 */

#ifndef IDX

#include "smx_blocks.h"

/* Loss of a block of scores, and (when want_res) the residual in place:
 * Zb[i, k] <- s_i (softmax(Zb[i])_k - [k == y_i]).  Returns the block's
 * weighted loss sum_i s_i (logsumexp(Zb[i]) - Zb[i, y_i]) in double, summed
 * in row order.  scratch holds 3 * rows doubles. */
static SMX_CLONES double SMX_FN(smx_lg_block_loss)(
    REAL *Zb, smx_int rows, smx_int K, const int64_t *y, const REAL *sw,
    int want_res, double *scratch)
{
    double *zy = scratch, *shift = scratch + rows, *sum = scratch + 2 * rows;
    for (smx_int i = 0; i < rows; i++)
        zy[i] = (double)Zb[i * K + y[i]];
    SMX_FN(smx_block_exp)(Zb, rows, K, 1, Zb, shift, sum);
    if (want_res) {
        for (smx_int i = 0; i < rows; i++) {
            const REAL s = sw != NULL ? sw[i] : (REAL)1;
            const REAL scale = (REAL)((double)s / sum[i]);
            REAL *r = Zb + i * K;
            for (smx_int k = 0; k < K; k++)
                r[k] *= scale;
            r[y[i]] -= s;
        }
    }
    /* the row sums become their logs, vectorised (smx_math.h) */
    smx_log_array(sum, rows, sum);
    double loss = 0.0;
    for (smx_int i = 0; i < rows; i++) {
        const double s = sw != NULL ? (double)sw[i] : 1.0;
        /* logsumexp(z) - z_y = (shift - z_y) + log(sum) */
        loss += s * ((shift[i] - zy[i]) + sum[i]);
    }
    return loss;
}

/* Hessian-vector product step of a block, in place: with U_b = X~_b V^T
 * in Ub (rows, K) and the probabilities Pb at the expansion point,
 * Ub[i, k] <- s_i P_ik (U_ik - sum_l P_il U_il), in double. */
static SMX_CLONES void SMX_FN(smx_hp_block_transform)(
    REAL *Ub, smx_int rows, smx_int K, const REAL *Pb, const REAL *sw)
{
    for (smx_int i = 0; i < rows; i++) {
        const REAL *restrict pi = Pb + i * K;
        REAL *restrict u = Ub + i * K;
        const double s = sw != NULL ? (double)sw[i] : 1.0;
        double dot = 0.0;
        for (smx_int k = 0; k < K; k++)
            dot += (double)pi[k] * (double)u[k];
        for (smx_int k = 0; k < K; k++)
            u[k] = (REAL)(s * (double)pi[k] * ((double)u[k] - dot));
    }
}

/* The layout-free step of a block whose scores are in Zb (rows, K), in
 * place: with P (the probabilities at the expansion point) the
 * Hessian-vector transform, and 0 returned; else the block's loss, and the
 * residual when want_res.  i0: the block's first row. */
static double SMX_FN(smx_lg_block_residual)(REAL *Zb, smx_int i0, smx_int rows, smx_int K,
                                            const int64_t *y, const REAL *sw, const REAL *P,
                                            int want_res, double *scratch)
{
    if (P != NULL) {
        SMX_FN(smx_hp_block_transform)(Zb, rows, K, P + i0 * K, sw != NULL ? sw + i0 : NULL);
        return 0.0;
    }
    return SMX_FN(smx_lg_block_loss)(Zb, rows, K, y + i0, sw != NULL ? sw + i0 : NULL,
                                     want_res, scratch);
}

/* What both drivers do first: the outputs zeroed (loss and G may be NULL). */
static void SMX_FN(smx_lg_zero_outputs)(double *loss, double *G, smx_int K, smx_int p)
{
    if (loss != NULL)
        *loss = 0.0;
    if (G != NULL)
        memset(G, 0, (size_t)K * p * sizeof(double));
}

/* Rows per dense block: about SMX_LG_XBLOCK_BYTES of X. */
static smx_int SMX_FN(smx_lg_dense_rows)(smx_int d)
{
    smx_int rows = SMX_LG_XBLOCK_BYTES / ((d > 0 ? d : 1) * (smx_int)sizeof(REAL));
    if (rows < 16)
        rows = 16;
    if (rows > 4096)
        rows = 4096;
    return rows;
}

/* Zb (rows, K) = Xb W^T + b with one gemm and beta = 0, then the intercepts.
 *
 * Column-major view: Z_b^T (K, rows) = W (K, d) X_b^T (d, rows), "NN", with
 * Wt = W^T (d, K) in C order, which is the column-major (K, d) W with leading
 * dimension K.  OpenBLAS (SkylakeX kernels) runs "NN", "NT" and "TT" products
 * of this size with beta = 0 by its small-matrix kernels straight from X_b;
 * with W read in place from coef ("TN") or with beta = 1 it repacked every
 * block of X first, which took twice as long as the multiplication itself
 * (measured with perf). */
static void SMX_FN(smx_lg_dense_scores)(
    const REAL *Xb, smx_int rows, smx_int d, smx_int K, const REAL *Wt, const REAL *bias,
    REAL *Zb, const smx_blas *blas)
{
    if (d == 0) {
        for (smx_int i = 0; i < rows; i++)
            for (smx_int k = 0; k < K; k++)
                Zb[i * K + k] = bias != NULL ? bias[k] : (REAL)0;
        return;
    }
    char ta = 'N', tb = 'N';
    int m = (int)K, nn = (int)rows, kk = (int)d, lda = (int)K, ldb = (int)d, ldc = (int)K;
    REAL one = 1, zero = 0;
    SMX_GEMM(blas)(&ta, &tb, &m, &nn, &kk, &one, (REAL *)Wt, &lda, (REAL *)Xb, &ldb,
                   &zero, Zb, &ldc);
    if (bias != NULL) {
        for (smx_int i = 0; i < rows; i++)
            for (smx_int k = 0; k < K; k++)
                Zb[i * K + k] += bias[k];
    }
}

/* W^T (d, K) and b (K) from coef (K, p), in one buffer of (d + 1) K. */
static REAL *SMX_FN(smx_lg_transpose_coef)(const REAL *coef, smx_int d, smx_int K,
                                           smx_int p, int fit_intercept, REAL **bias)
{
    REAL *Wt = malloc(((size_t)d * K + K) * sizeof(REAL));
    *bias = NULL;
    if (Wt == NULL)
        return NULL;
    for (smx_int k = 0; k < K; k++)
        for (smx_int j = 0; j < d; j++)
            Wt[j * K + k] = coef[k * p + j];
    if (fit_intercept) {
        *bias = Wt + d * K;
        for (smx_int k = 0; k < K; k++)
            (*bias)[k] = coef[k * p + d];
    }
    return Wt;
}

/* Ag (K, p) += R_b^T [X_b, 1], in double, with the block's residual R_b
 * in Zb (rows, K).  Column-major: G^T (d, K) += X_b^T (d, rows) R_b (rows, K);
 * for float through Gtmp, a (K, d) float buffer (sgemm writes float), added
 * into Ag in double. */
static void SMX_FN(smx_lg_dense_backward)(const REAL *Xb, smx_int rows, smx_int d, smx_int K,
                                          smx_int p, int fit_intercept, REAL *Zb, double *Ag,
                                          REAL *Gtmp, const smx_blas *blas)
{
    if (fit_intercept) {
        for (smx_int i = 0; i < rows; i++)
            for (smx_int k = 0; k < K; k++)
                Ag[k * p + d] += (double)Zb[i * K + k];
    }
    if (d == 0)
        return;
    char ta = 'N', tb = 'T';
    int m = (int)d, nn = (int)K, kk = (int)rows, lda = (int)d, ldb = (int)K;
    REAL one = 1;
#if SMX_REAL_IS_DOUBLE
    int ldc = (int)p;
    (void)Gtmp;
    SMX_GEMM(blas)(&ta, &tb, &m, &nn, &kk, &one, (REAL *)Xb, &lda, Zb, &ldb, &one, Ag, &ldc);
#else
    int ldc = (int)d;
    REAL zero = 0;
    SMX_GEMM(blas)(&ta, &tb, &m, &nn, &kk, &one, (REAL *)Xb, &lda, Zb, &ldb, &zero, Gtmp, &ldc);
    for (smx_int k = 0; k < K; k++) {
        double *a = Ag + k * p;
        const REAL *t = Gtmp + k * d;
#pragma omp simd
        for (smx_int j = 0; j < d; j++)
            a[j] += (double)t[j];
    }
#endif
}

int SMX_FN(smx_lossgrad_dense)(const REAL *X, smx_int n, smx_int d, smx_int K,
                               const int64_t *y, const REAL *sw, const REAL *coef,
                               int fit_intercept, const REAL *Zin, REAL *Zout,
                               const REAL *P, double *loss, double *G, int n_threads,
                               const smx_blas *blas)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    SMX_FN(smx_lg_zero_outputs)(loss, G, K, p);
    if (n <= 0 || K <= 0)
        return SMX_OK;
    if (p > INT_MAX || K > INT_MAX)
        return SMX_EINVAL;
    const smx_int bs = SMX_FN(smx_lg_dense_rows)(d);
    const smx_int nb = smx_n_blocks(n, bs);
    REAL *Wt = NULL, *bias = NULL;
    if (Zin == NULL) {
        Wt = SMX_FN(smx_lg_transpose_coef)(coef, d, K, p, fit_intercept, &bias);
        if (Wt == NULL)
            return SMX_ENOMEM;
    }

    if (Zout != NULL) {   /* scores only: blocks are independent */
        const int nt = smx_clamp_threads(n_threads, nb);
#pragma omp parallel for num_threads(nt) schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            SMX_FN(smx_lg_dense_scores)(X + i0 * d, rows, d, K, Wt, bias, Zout + i0 * K,
                                        blas);
        }
        free(Wt);
        return SMX_OK;
    }

    const smx_int gsize = K * p;
    smx_groups gr;
    int status = smx_groups_alloc(&gr, smx_lossgrad_n_groups(nb, G != NULL ? gsize : 1),
                                  G != NULL ? gsize : 0);
    const int nt = smx_clamp_threads(n_threads, gr.ng);

    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            /* Per-thread scratch: the block's scores/residual, 3 doubles a
             * row, and for float a (K, d) block gradient (sgemm writes float;
             * the groups accumulate in double). */
            const int need_gtmp = !SMX_REAL_IS_DOUBLE && G != NULL && d > 0;
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)bs * K * sizeof(REAL),
                                             3 * (size_t)bs * sizeof(double),
                                             need_gtmp ? (size_t)K * d * sizeof(REAL) : 0, 0);
            REAL *Zb = s.buf[0], *Gtmp = s.buf[2];
            double *scratch = s.buf[1];
#pragma omp for schedule(dynamic, 1)
            for (smx_int g = 0; g < gr.ng; g++) {
                if (!ok)
                    continue;
                const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
                double *Ag = smx_groups_acc(&gr, g);
                double lg = 0.0;
                for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    const REAL *Xb = X + i0 * d;
                    if (Zin != NULL)
                        memcpy(Zb, Zin + i0 * K, (size_t)rows * K * sizeof(REAL));
                    else
                        SMX_FN(smx_lg_dense_scores)(Xb, rows, d, K, Wt, bias, Zb, blas);
                    lg += SMX_FN(smx_lg_block_residual)(Zb, i0, rows, K, y, sw, P, G != NULL,
                                                        scratch);
                    if (G != NULL)
                        SMX_FN(smx_lg_dense_backward)(Xb, rows, d, K, p, fit_intercept, Zb, Ag,
                                                      Gtmp, blas);
                }
                gr.loss[g] = lg;
            }
            smx_scratch_free(&s);
        }
    }
    if (status == SMX_OK) {
        if (loss != NULL)
            *loss = smx_groups_loss(&gr);
        if (G != NULL) {   /* group order: independent of threads */
            for (smx_int g = 0; g < gr.ng; g++) {
                const double *a = smx_groups_acc(&gr, g);
                for (smx_int j = 0; j < gsize; j++)
                    G[j] += a[j];
            }
        }
    }
    smx_groups_free(&gr);
    free(Wt);
    return status;
}

#else /* IDX: the CSR part */

/* W^T rows are scattered over K d values: ask for those of the `count`
 * nonzeros SMX_LG_PREFETCH on from jj (the ones before nnz_end). */
SMX_INLINE void SMX_CSR_FN(smx_lg_csr_prefetch)(const IDX *indices, smx_int jj, smx_int count,
                                                smx_int nnz_end, const REAL *Wt, smx_int K)
{
#ifdef SMX_LG_PREFETCH
    for (smx_int q = jj + SMX_LG_PREFETCH; q < jj + SMX_LG_PREFETCH + count; q++) {
        if (q < nnz_end) {
            const REAL *w = Wt + (smx_int)indices[q] * K;
            __builtin_prefetch(w, 0, 3);
            __builtin_prefetch(w + K - 1, 0, 3);
        }
    }
#else
    (void)indices, (void)jj, (void)count, (void)nnz_end, (void)Wt, (void)K;
#endif
}

/* Zb (rows, K) = X_b W^T + b for CSR rows, with Wt = W^T (d, K) C order.
 *
 * Plain -O3 code, no target_clones: these loops are bound by scattered reads
 * of W^T rows, not by arithmetic.  Small K (the usual case) are compiled with
 * K constant (smx_lg_csr_scores_k through the switch below): each row's K
 * sums then live in registers, in two sets (even and odd nonzeros) to halve
 * the dependency chain, instead of being loaded and stored per nonzero.
 * CSR 50,000 x 20,000, K = 10, one thread, share of a Hessian-vector product
 * in perf: 28% -> 23% (the product 16.9 -> 16.0 ms). */
SMX_INLINE void SMX_CSR_FN(smx_lg_csr_scores_k)(
    const REAL *data, const IDX *indices, const IDX *indptr, smx_int i0, smx_int rows,
    smx_int K, const REAL *restrict Wt, const REAL *bias, REAL *restrict Zb)
{
    const smx_int nnz_end = (smx_int)indptr[i0 + rows];
    for (smx_int i = 0; i < rows; i++) {
        REAL a[SMX_SMALL_K_MAX], b[SMX_SMALL_K_MAX];
        for (smx_int k = 0; k < K; k++) {
            a[k] = bias != NULL ? bias[k] : (REAL)0;
            b[k] = 0;
        }
        smx_int jj = (smx_int)indptr[i0 + i];
        const smx_int end = (smx_int)indptr[i0 + i + 1];
        for (; jj + 2 <= end; jj += 2) {
            SMX_CSR_FN(smx_lg_csr_prefetch)(indices, jj, 2, nnz_end, Wt, K);
            const REAL v0 = data[jj], v1 = data[jj + 1];
            const REAL *w0 = Wt + (smx_int)indices[jj] * K;
            const REAL *w1 = Wt + (smx_int)indices[jj + 1] * K;
            for (smx_int k = 0; k < K; k++) {
                a[k] += v0 * w0[k];
                b[k] += v1 * w1[k];
            }
        }
        if (jj < end) {
            const REAL v = data[jj];
            const REAL *w = Wt + (smx_int)indices[jj] * K;
            for (smx_int k = 0; k < K; k++)
                a[k] += v * w[k];
        }
        REAL *restrict z = Zb + i * K;
        for (smx_int k = 0; k < K; k++)
            z[k] = a[k] + b[k];
    }
}

/* Any K: the sums in Zb itself, four nonzeros per update of z. */
static void SMX_CSR_FN(smx_lg_csr_scores_any)(
    const REAL *data, const IDX *indices, const IDX *indptr, smx_int i0, smx_int rows,
    smx_int K, const REAL *restrict Wt, const REAL *bias, REAL *restrict Zb)
{
    const smx_int nnz_end = (smx_int)indptr[i0 + rows];
    for (smx_int i = 0; i < rows; i++) {
        REAL *restrict z = Zb + i * K;
        for (smx_int k = 0; k < K; k++)
            z[k] = bias != NULL ? bias[k] : (REAL)0;
        smx_int jj = (smx_int)indptr[i0 + i];
        const smx_int end = (smx_int)indptr[i0 + i + 1];
        for (; jj + 4 <= end; jj += 4) {
            SMX_CSR_FN(smx_lg_csr_prefetch)(indices, jj, 4, nnz_end, Wt, K);
            const REAL v0 = data[jj], v1 = data[jj + 1], v2 = data[jj + 2], v3 = data[jj + 3];
            const REAL *w0 = Wt + (smx_int)indices[jj] * K;
            const REAL *w1 = Wt + (smx_int)indices[jj + 1] * K;
            const REAL *w2 = Wt + (smx_int)indices[jj + 2] * K;
            const REAL *w3 = Wt + (smx_int)indices[jj + 3] * K;
            for (smx_int k = 0; k < K; k++)
                z[k] += (v0 * w0[k] + v1 * w1[k]) + (v2 * w2[k] + v3 * w3[k]);
        }
        for (; jj < end; jj++) {
            const REAL v = data[jj];
            const REAL *w = Wt + (smx_int)indices[jj] * K;
            for (smx_int k = 0; k < K; k++)
                z[k] += v * w[k];
        }
    }
}

static void SMX_CSR_FN(smx_lg_csr_scores)(
    const REAL *data, const IDX *indices, const IDX *indptr, smx_int i0, smx_int rows,
    smx_int K, const REAL *restrict Wt, const REAL *bias, REAL *restrict Zb)
{
#define SMX_CASE(c) case c: SMX_CSR_FN(smx_lg_csr_scores_k)(data, indices, indptr, i0, rows, \
                                                             c, Wt, bias, Zb); return;
    switch (K) {
    SMX_SMALL_K_CASES(SMX_CASE)
    default: SMX_CSR_FN(smx_lg_csr_scores_any)(data, indices, indptr, i0, rows, K, Wt, bias, Zb);
    }
#undef SMX_CASE
}

/* Gt (p, K) += [X_b, 1]^T R_b, in double: Gt[j, k] += x_ij r_ik.  Rows of Gt
 * are scattered over K d doubles (larger than L2 for large d): each is
 * prefetched SMX_LG_PREFETCH nonzeros ahead.  (Compiled with K constant, as
 * the forward loop, this measured slower.) */
static void SMX_CSR_FN(smx_lg_csr_backward)(
    const REAL *data, const IDX *indices, const IDX *indptr, smx_int i0, smx_int rows,
    smx_int d, smx_int K, int fit_intercept, const REAL *restrict Rb, double *restrict Gt)
{
    const smx_int nnz_end = (smx_int)indptr[i0 + rows];
    for (smx_int i = 0; i < rows; i++) {
        const REAL *restrict r = Rb + i * K;
        for (smx_int jj = (smx_int)indptr[i0 + i]; jj < (smx_int)indptr[i0 + i + 1]; jj++) {
#ifdef SMX_LG_PREFETCH
            if (jj + SMX_LG_PREFETCH < nnz_end) {
                const double *q = Gt + (smx_int)indices[jj + SMX_LG_PREFETCH] * K;
                __builtin_prefetch(q, 1, 3);
                __builtin_prefetch(q + K - 1, 1, 3);
            }
#endif
            const double v = (double)data[jj];
            double *restrict gt = Gt + (smx_int)indices[jj] * K;
            for (smx_int k = 0; k < K; k++)
                gt[k] += v * (double)r[k];
        }
        if (fit_intercept) {
            double *restrict gt = Gt + d * K;
            for (smx_int k = 0; k < K; k++)
                gt[k] += (double)r[k];
        }
    }
    (void)nnz_end;
}

int SMX_CSR_FN(smx_lossgrad_csr)(const REAL *data, const IDX *indices, const IDX *indptr,
                                 smx_int n, smx_int d, smx_int K, const int64_t *y,
                                 const REAL *sw, const REAL *coef, int fit_intercept,
                                 const REAL *Zin, REAL *Zout, const REAL *P, double *loss,
                                 double *G, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    SMX_FN(smx_lg_zero_outputs)(loss, G, K, p);
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_LG_CSR_ROWS;
    const smx_int nb = smx_n_blocks(n, bs);

    /* W^T (d, K) and b: the scores read one contiguous row of K per nonzero. */
    REAL *Wt = NULL, *bias = NULL;
    if (Zin == NULL) {
        Wt = SMX_FN(smx_lg_transpose_coef)(coef, d, K, p, fit_intercept, &bias);
        if (Wt == NULL)
            return SMX_ENOMEM;
    }

    if (Zout != NULL) {
        const int nt = smx_clamp_threads(n_threads, nb);
#pragma omp parallel for num_threads(nt) schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            SMX_CSR_FN(smx_lg_csr_scores)(data, indices, indptr, i0, rows, K, Wt, bias,
                                          Zout + i0 * K);
        }
        free(Wt);
        return SMX_OK;
    }

    /* Group buffers are transposed, (p, K): a nonzero updates K adjacent. */
    const smx_int gsize = K * p;
    smx_groups gr;
    int status = smx_groups_alloc(&gr, smx_lossgrad_n_groups(nb, G != NULL ? gsize : 1),
                                  G != NULL ? gsize : 0);
    const int nt = smx_clamp_threads(n_threads, gr.ng);

    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)bs * K * sizeof(REAL),
                                             3 * (size_t)bs * sizeof(double), 0, 0);
            REAL *Zb = s.buf[0];
            double *scratch = s.buf[1];
#pragma omp for schedule(dynamic, 1)
            for (smx_int g = 0; g < gr.ng; g++) {
                if (!ok)
                    continue;
                const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
                double *Ag = smx_groups_acc(&gr, g);
                double lg = 0.0;
                for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    if (Zin != NULL)
                        memcpy(Zb, Zin + i0 * K, (size_t)rows * K * sizeof(REAL));
                    else
                        SMX_CSR_FN(smx_lg_csr_scores)(data, indices, indptr, i0, rows, K,
                                                      Wt, bias, Zb);
                    lg += SMX_FN(smx_lg_block_residual)(Zb, i0, rows, K, y, sw, P, G != NULL,
                                                        scratch);
                    if (G != NULL)
                        SMX_CSR_FN(smx_lg_csr_backward)(data, indices, indptr, i0, rows, d,
                                                        K, fit_intercept, Zb, Ag);
                }
                gr.loss[g] = lg;
            }
            smx_scratch_free(&s);
        }
    }
    if (status == SMX_OK) {
        if (loss != NULL)
            *loss = smx_groups_loss(&gr);
        if (G != NULL) {
            /* Sum the groups in group order and transpose, G[k, j] = Gt[j, k],
             * split over features: for wide X (K p doubles per group,
             * 1.6 MB at d = 20,000) this is too much for one thread. */
            const double *acc = gr.acc;
#pragma omp parallel for num_threads(nt) schedule(static)
            for (smx_int j = 0; j < p; j++) {
                for (smx_int k = 0; k < K; k++) {
                    double t = acc[j * K + k];
                    for (smx_int g = 1; g < gr.ng; g++)
                        t += acc[g * gsize + j * K + k];
                    G[k * p + j] = t;
                }
            }
        }
    }
    smx_groups_free(&gr);
    free(Wt);
    return status;
}

#endif /* IDX */
