/* Type-generic body of smx_hessian.c (csrc/README.md, "Templates"): its
 * SMX_REAL_BODY part (IDX undefined: the dense kernels, once per REAL) and
 * its SMX_CSR_BODY part (IDX defined: the CSR kernels, once per REAL and
 * index type).
 *
 * Hessian assembly, dense X
 * -------------------------
 * H = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T.  With the
 * non-negative pair weights w_i,kl = s_i p_ik p_il (k < l) and
 * A_kl = X~^T diag(w_kl) X~, the p x p blocks are
 *
 *     H_kl = -A_kl  (k != l),     H_kk = sum_{l != k} A_kl
 *
 * (p_k (1 - p_k) = p_k sum_{l != k} p_l, so H_kk is a sum of PSD terms: no
 * cancellation, full relative accuracy even when p_k is close to 1).  So the
 * distinct numbers of H are the T x nq matrix (T = p(p+1)/2 feature pairs
 * b <= a, nq = K(K-1)/2 class pairs)
 *
 *     A[(a, b), q] = sum_i (x~_ia x~_ib) w_i,q  =  G^T W
 *
 * with G the n x T matrix of products of each row with itself (the
 * triangle of x~_i x~_i^T) and W the n x nq weights: one GEMM of shape
 * (T x rows) (rows x nq) per row block, accumulated in double.  That is
 * 2 T nq = n p^2 K(K-1)/2 flops in all, about n (pK)^2 / 2 (the bound of a
 * SYRK over the Kronecker rows p_i kron x~_i is n (pK)^2, with the K
 * diagonal blocks extra) and it runs at GEMM speed: the small dimension is
 * nq = 45 for K = 10, not p, whereas K(K+1)/2 SYRKs of p x p per block
 * measured ~2x slower per flop here.  G is never formed: per row block the
 * rows of x~ are converted to double into a cache-sized buffer, and the
 * products of a chunk of T (whole rows a of the triangle, ~SMX_GRAM_CHUNK
 * entries) are formed into a (rows x chunk) buffer of ~1 MiB that feeds
 * the GEMM.  The probabilities are computed first, once (n x K, dtype of X).
 *
 * Threads: the work is split into units = (chunk of T, row group); chunks
 * and row groups depend on p and n only (several row groups only when
 * there are fewer than SMX_HESS_MIN_UNITS chunks, each then with a T-slab
 * partial summed in row-group order).  A unit is computed by one thread,
 * over its row blocks in order, into its own accumulator, then scattered
 * into H (every entry of H is written exactly once, both triangles).  So
 * the result does not depend on the number of threads, there is no m x m
 * accumulator per thread (extra memory: a chunk x nq accumulator and a few
 * cache-sized buffers per thread, plus n x K probabilities), and each
 * chunk reads X once (the chunk count is ~p/10 reads of X; X is read at
 * memory speed, the GEMM flops dominate).
 *
 * Precision: products x~_a x~_b and weights are formed in double from X
 * (float or double) and the GEMM runs in double (dgemm) for both dtypes.
 * For float32 X this forgoes sgemm's speed, but the Hessian is then as
 * accurate as for a float64 X holding the same values: the only float32
 * roundings are in X and in the probabilities (computed in float, ~1e-7
 * relative), not in sums over hundreds of rows.  The Hessian feeds
 * Cholesky solves and standard errors, where that matters.
 *
 * Hessian assembly, CSR X
 * -----------------------
 * The same units, plan and scatter; the products of the sparse rows are
 * added entry pair by entry pair (see smx_hessian_csr below), without
 * densifying X.
 *
 * Interrupts: every unit, and every row block within a unit, starts only
 * while the stop flag is clear (smx_config.h), so the kernel returns
 * SMX_EINTR within one row block of the flag being set.
 *
 * Hessian-vector products are not here: they share the loss/gradient
 * drivers (smx_lossgrad.h, "hessp" mode), with this file's probabilities.
 */

#ifndef IDX

#include "smx_blocks.h"

/* ======================== dense X ===================================== */

/* The pair weights of row i, w[q] = s_i p_ik p_il for the class pairs k < l
 * in order (q < nq): the columns of the Gram product, both layouts. */
SMX_INLINE void SMX_FN(smx_hess_pair_weights)(const REAL *Pi, smx_int K, double s, double *w)
{
    smx_int q = 0;
    for (smx_int k = 0; k < K; k++) {
        const double sk = s * (double)Pi[k];
        for (smx_int l = k + 1; l < K; l++)
            w[q++] = sk * (double)Pi[l];
    }
}

/* Probabilities of the row block Xb (rows x d) into Z (rows x K):
 * Z = Xb W^T + b, then a max-shifted softmax.  shift: 2 * rows doubles. */
static void SMX_FN(smx_hess_probs_block)(const REAL *Xb, smx_int rows, smx_int d,
                                         const REAL *coef, smx_int K, smx_int p,
                                         int fit_intercept, REAL *Z, double *shift,
                                         const smx_blas *blas)
{
    if (d > 0) {
        char ta = 'T', tb = 'N';
        int Ki = (int)K, ri = (int)rows, di = (int)d, pi = (int)p;
        REAL one = 1, zero = 0;
        SMX_GEMM(blas)(&ta, &tb, &Ki, &ri, &di, &one, (REAL *)coef, &pi, (REAL *)Xb, &di,
                       &zero, Z, &Ki);
    } else {
        memset(Z, 0, (size_t)rows * K * sizeof(REAL));
    }
    if (fit_intercept) {
        for (smx_int i = 0; i < rows; i++)
            for (smx_int k = 0; k < K; k++)
                Z[i * K + k] += coef[k * p + d];
    }
    SMX_FN(smx_block_exp)(Z, rows, K, 0, Z, shift, shift + rows);
    SMX_FN(smx_block_normalize)(Z, rows, K, shift + rows);
}

int SMX_FN(smx_probs_dense)(const REAL *X, smx_int n, smx_int d, const REAL *coef, smx_int K,
                            int fit_intercept, REAL *P, const smx_blas *blas, int n_threads)
{
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int bs = smx_rows_for(K);
    if (!smx_fits_int(p) || !smx_fits_int(K * bs))
        return SMX_EINVAL;
    const smx_int nb = smx_n_blocks(n, bs);
    const int nt = smx_clamp_threads(n_threads, nb);
    int status = SMX_OK;
#pragma omp parallel num_threads(nt)
    {
        smx_scratch s;
        const int ok = smx_scratch_alloc(&s, &status, 2 * (size_t)bs * sizeof(double), 0, 0, 0);
#pragma omp for schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            SMX_FN(smx_hess_probs_block)(X + i0 * d, rows, d, coef, K, p, fit_intercept,
                                         P + i0 * K, s.buf[0], blas);
        }
        smx_scratch_free(&s);
    }
    return status;
}

int SMX_FN(smx_hessian_dense)(const REAL *X, smx_int n, smx_int d, const REAL *sw,
                              const REAL *coef, smx_int K, int fit_intercept, double *H,
                              const smx_blas *blas, int n_threads, const smx_stop_flag *stop)
{
    smx_hess_work w;
    int status;
    if (smx_hess_plan(&w, n, d, K, fit_intercept, H, &status))
        return status;
    const smx_int p = w.p, nq = w.nq, bs = w.plan.bs, cmax = w.plan.cmax, R = w.plan.R;
    if (!smx_fits_int(cmax) || !smx_fits_int(nq) || !smx_fits_int(bs) || !smx_fits_int(w.m)) {
        smx_gram_plan_free(&w.plan);
        return SMX_EINVAL;
    }
    status = smx_hess_alloc(&w, n, K, sizeof(REAL));
    if (status != SMX_OK)
        return status;
    const REAL *P = w.P;
    status = SMX_FN(smx_probs_dense)(X, n, d, coef, K, fit_intercept, w.P, blas, n_threads);
    const int nt = smx_clamp_threads(n_threads, w.nunits);

    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            /* rows of x~ in double, their products for one chunk, the pair
             * weights, and the unit's accumulator when there is one row group */
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)bs * p * sizeof(double),
                                             (size_t)bs * cmax * sizeof(double),
                                             (size_t)bs * nq * sizeof(double),
                                             R == 1 ? (size_t)cmax * nq * sizeof(double) : 0);
            double *xd = s.buf[0], *M = s.buf[1], *W = s.buf[2];
#pragma omp for schedule(static, 1)
            for (smx_int u = 0; u < w.nunits; u++) {
                if (!ok || SMX_STOPPED(stop))
                    continue;
                const smx_hess_unit t = smx_hess_unit_at(&w, u, s.buf[3]);
                const smx_int a0 = t.a0, a1 = t.a1, off0 = t.off0, c = t.c;
                /* columns 0 .. a1 - 1 of x~ are all this chunk reads */
                const smx_int dx = a1 < d ? a1 : d;
                for (smx_int b = t.b0; b < t.b1 && !SMX_STOPPED(stop); b++) {
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    for (smx_int i = 0; i < rows; i++) {
                        const REAL *x = X + (i0 + i) * d;
                        double *o = xd + i * p;
                        for (smx_int j = 0; j < dx; j++)
                            o[j] = (double)x[j];
                        if (fit_intercept)
                            o[d] = 1.0;
                        SMX_FN(smx_hess_pair_weights)(P + (i0 + i) * K, K,
                                                      sw != NULL ? (double)sw[i0 + i] : 1.0,
                                                      W + i * nq);
                        /* products x~_a x~_b, b <= a, a in [a0, a1) */
                        double *mrow = M + i * c;
                        for (smx_int a = a0; a < a1; a++) {
                            const double xa = o[a];
                            double *mm = mrow + a * (a + 1) / 2 - off0;
                            for (smx_int bb = 0; bb <= a; bb++)
                                mm[bb] = xa * o[bb];
                        }
                    }
                    /* C (c x nq, column-major) += M^T W */
                    char ta = 'N', tb = 'T';
                    int ci = (int)c, nqi = (int)nq, ri = (int)rows;
                    double one = 1.0;
                    blas->dgemm(&ta, &tb, &ci, &nqi, &ri, &one, M, &ci, W, &nqi, &one, t.C, &ci);
                }
                if (R == 1)
                    smx_gram_scatter(H, t.C, 1, c, a0, a1, p, K);
            }
            smx_scratch_free(&s);
        }
    }
    return smx_hess_finish(&w, H, K, status, stop, 0, nt);
}

#else /* IDX */

/* ======================== CSR X ======================================= */

/* Probabilities of rows [i0, i0 + rows) into Z (rows x K). */
static void SMX_CSR_FN(smx_hess_probs_csr_block)(const REAL *data, const IDX *indices,
                                                 const IDX *indptr, smx_int i0, smx_int rows,
                                                 smx_int d, const REAL *coef, smx_int K,
                                                 smx_int p, int fit_intercept, REAL *Z,
                                                 double *shift)
{
    for (smx_int i = 0; i < rows; i++) {
        const int64_t a0 = indptr[i0 + i], a1 = indptr[i0 + i + 1];
        for (smx_int k = 0; k < K; k++) {
            const REAL *w = coef + k * p;
            double z = fit_intercept ? (double)w[d] : 0.0;
            for (int64_t a = a0; a < a1; a++)
                z += (double)data[a] * (double)w[indices[a]];
            Z[i * K + k] = (REAL)z;
        }
    }
    SMX_FN(smx_block_exp)(Z, rows, K, 0, Z, shift, shift + rows);
    SMX_FN(smx_block_normalize)(Z, rows, K, shift + rows);
}

int SMX_CSR_FN(smx_probs_csr)(const REAL *data, const IDX *indices, const IDX *indptr,
                              smx_int n, smx_int d, const REAL *coef, smx_int K,
                              int fit_intercept, REAL *P, int n_threads)
{
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int bs = smx_rows_for(K);
    const smx_int nb = smx_n_blocks(n, bs);
    const int nt = smx_clamp_threads(n_threads, nb);
    int status = SMX_OK;
#pragma omp parallel num_threads(nt)
    {
        smx_scratch s;
        const int ok = smx_scratch_alloc(&s, &status, 2 * (size_t)bs * sizeof(double), 0, 0, 0);
#pragma omp for schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            SMX_CSR_FN(smx_hess_probs_csr_block)(data, indices, indptr, i0, rows, d, coef, K, p,
                                                 fit_intercept, P + i0 * K, s.buf[0]);
        }
        smx_scratch_free(&s);
    }
    return status;
}

/* The Gram formulation of the dense kernel with sparse rows: for each row,
 * each stored entry (a, x_a) with a in the unit's chunk and each stored
 * entry (b, x_b), b <= a (a prefix of the sorted row), adds x_a x_b w_i to
 * the nq-vector of feature pair (a, b): nnz(nnz+1)/2 contiguous axpys of
 * length nq per row, no densification.  Needs sorted column indices without
 * duplicates (canonical CSR), which the caller checks. */
int SMX_CSR_FN(smx_hessian_csr)(const REAL *data, const IDX *indices, const IDX *indptr,
                                smx_int n, smx_int d, const REAL *sw, const REAL *coef,
                                smx_int K, int fit_intercept, double *H, int n_threads,
                                const smx_stop_flag *stop)
{
    smx_hess_work w;
    int status;
    if (smx_hess_plan(&w, n, d, K, fit_intercept, H, &status))
        return status;
    status = smx_hess_alloc(&w, n, K, sizeof(REAL));
    if (status != SMX_OK)
        return status;
    const smx_int nq = w.nq, bs = w.plan.bs, R = w.plan.R;
    const REAL *P = w.P;
    status = SMX_CSR_FN(smx_probs_csr)(data, indices, indptr, n, d, coef, K, fit_intercept,
                                       w.P, n_threads);
    const int nt = smx_clamp_threads(n_threads, w.nunits);

    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            /* the pair weights of one row, and the unit's accumulator when
             * there is one row group */
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)nq * sizeof(double),
                                             R == 1 ? (size_t)w.plan.cmax * nq * sizeof(double)
                                                    : 0,
                                             0, 0);
            double *wq = s.buf[0];
#pragma omp for schedule(static, 1)
            for (smx_int u = 0; u < w.nunits; u++) {
                if (!ok || SMX_STOPPED(stop))
                    continue;
                const smx_hess_unit t = smx_hess_unit_at(&w, u, s.buf[1]);
                const smx_int a0 = t.a0, a1 = t.a1, off0 = t.off0;
                double *C = t.C;
                const int has_icpt = fit_intercept && d >= a0 && d < a1;
                const smx_int i1 = t.b1 * bs;
                const smx_int iend = i1 < n ? i1 : n;
                for (smx_int i = t.b0 * bs; i < iend; i++) {
                    if (i % bs == 0 && SMX_STOPPED(stop))   /* once per row block */
                        break;
                    const int64_t e0 = indptr[i], e1 = indptr[i + 1];
                    /* first stored entry with column >= a0 */
                    int64_t ea = e0;
                    while (ea < e1 && (smx_int)indices[ea] < a0)
                        ea++;
                    if (!has_icpt && (ea == e1 || (smx_int)indices[ea] >= a1))
                        continue;
                    SMX_FN(smx_hess_pair_weights)(P + i * K, K,
                                                  sw != NULL ? (double)sw[i] : 1.0, wq);
                    for (int64_t e = ea; e < e1; e++) {
                        const smx_int a = (smx_int)indices[e];
                        if (a >= a1)
                            break;
                        const double xa = (double)data[e];
                        double *Ca = C + (a * (a + 1) / 2 - off0) * nq;
                        for (int64_t f = e0; f <= e; f++) {
                            const double g = xa * (double)data[f];
                            double *Cab = Ca + (smx_int)indices[f] * nq;
                            for (smx_int qq = 0; qq < nq; qq++)
                                Cab[qq] += g * wq[qq];
                        }
                    }
                    if (has_icpt) {   /* triangle row a = d: pairs (d, b) and (d, d) */
                        double *Ca = C + (d * (d + 1) / 2 - off0) * nq;
                        for (int64_t f = e0; f < e1; f++) {
                            const double g = (double)data[f];
                            double *Cab = Ca + (smx_int)indices[f] * nq;
                            for (smx_int qq = 0; qq < nq; qq++)
                                Cab[qq] += g * wq[qq];
                        }
                        double *Cdd = Ca + d * nq;
                        for (smx_int qq = 0; qq < nq; qq++)
                            Cdd[qq] += wq[qq];
                    }
                }
                if (R == 1)
                    smx_gram_scatter(H, C, nq, 1, a0, a1, w.p, K);
            }
            smx_scratch_free(&s);
        }
    }
    return smx_hess_finish(&w, H, K, status, stop, 1, nt);
}

#endif /* IDX */
