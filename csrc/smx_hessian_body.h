/* Type-generic body of smx_hessian.c: include after defining REAL, SMX_FN,
 * SMX_EXP, SMX_GEMM and SMX_DOUBLE (dense kernels), and again with
 * SMX_CSR_INDEX and SMX_CFN defined (CSR kernels); see smx_hessian.c.
 *
 * Hessian assembly
 * ----------------
 * H = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T has, for classes
 * k <= l, the p x p block
 *
 *     H_kk = X~^T diag(s p_k (1 - p_k)) X~        (weights >= 0)
 *     H_kl = -X~^T diag(s p_k p_l) X~             (weights <= 0, k != l)
 *
 * so every block is a SYRK of the rows of X~ scaled by the square root of a
 * non-negative weight, with alpha = +1 or -1.  That is K(K+1)/2 SYRKs of
 * p x p per row block: n K(K+1)/2 p^2 flops in all, about n (pK)^2 / 2, half
 * of one SYRK over the Kronecker rows p_i kron x~_i (which computes the
 * symmetric blocks H_kl, k < l, in full) and no n x d temporary: the scaled
 * rows live in one cache-sized buffer per thread.
 *
 * The work is split into units = (class pair, row group).  One thread owns a
 * unit and accumulates it over its row blocks in block order, straight into
 * its H block (one row group) or into a p x p partial summed afterwards in
 * row-group order (several row groups, only when there are fewer than
 * SMX_HESS_MIN_UNITS class pairs).  No unit is shared, so the result does
 * not depend on the number of threads, and no thread needs an m x m
 * accumulator of its own: memory is H plus a few row blocks per thread.
 * Each thread recomputes the probabilities of the row blocks it visits (a
 * (rows x d) x (d x K) GEMM, a fraction K / (p K (K+1) / nt) of its work).
 *
 * Precision: the scaled rows are formed in double from X (float or double)
 * and the SYRKs run in double (dsyrk) for both dtypes.  For float32 X this
 * costs the speed of ssyrk, but the Hessian is then as accurate as for a
 * float64 X holding the same values: the only float32 roundings are in X
 * and in the probabilities (computed in float, ~1e-7 relative), instead of
 * ssyrk sums over hundreds of rows in float (errors growing with the block
 * length, and cancellation between the + and - blocks of H).  The Hessian
 * feeds Cholesky solves and standard errors, where that matters.
 *
 * Hessian-vector product
 * ----------------------
 * (H V)_k = sum_i s_i p_ik (u_ik - sum_l p_il u_il) x~_i with u_i = V x~_i:
 * per row block, U = X~_b V^T (GEMM), T = s P o (U - rowsum(P o U)), and
 * X~_b^T T accumulated (GEMM) into the (K, p) double buffer of the block's
 * row group (at most SMX_HESSP_GROUPS groups, fixed by n alone), summed in
 * group order: independent of the thread count.  P comes from
 * smx_probs_* (computed once per coef by the caller), so a product is one
 * pass over X and two skinny GEMMs.
 */

#ifndef SMX_CSR_INDEX

/* ======================== dense X ===================================== */

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
    const smx_int nb = (n + bs - 1) / bs;
    const int nt = smx_clamp_threads(n_threads, nb);
    int status = SMX_OK;
#pragma omp parallel num_threads(nt)
    {
        double *shift = malloc(2 * (size_t)bs * sizeof(double));
        if (shift == NULL) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            if (shift == NULL)
                continue;
            const smx_int i0 = b * bs;
            const smx_int rows = n - i0 < bs ? n - i0 : bs;
            SMX_FN(smx_hess_probs_block)(X + i0 * d, rows, d, coef, K, p, fit_intercept,
                                         P + i0 * K, shift, blas);
        }
        free(shift);
    }
    return status;
}

int SMX_FN(smx_hessian_dense)(const REAL *X, smx_int n, smx_int d, const REAL *sw,
                              const REAL *coef, smx_int K, int fit_intercept, double *H,
                              const smx_blas *blas, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int m = K * p;
    if (m <= 0)
        return SMX_OK;
    memset(H, 0, (size_t)m * m * sizeof(double));
    const smx_int nq = K * (K - 1) / 2;
    if (n <= 0 || nq == 0)
        return SMX_OK;   /* one class: the probabilities are all 1, H = 0 */
    const smx_int T = p * (p + 1) / 2;
    smx_gram_plan plan;
    int status = smx_gram_plan_make(&plan, p, n, K);
    if (status != SMX_OK)
        return status;
    if (!smx_fits_int(plan.cmax) || !smx_fits_int(nq) || !smx_fits_int(plan.bs) ||
        !smx_fits_int(m)) {
        smx_gram_plan_free(&plan);
        return SMX_EINVAL;
    }
    const smx_int bs = plan.bs, nb = plan.nb, R = plan.R, nchunks = plan.nchunks;
    const smx_int nunits = nchunks * R;
    REAL *P = malloc((size_t)n * K * sizeof(REAL));
    double *part = R > 1 ? malloc((size_t)R * T * nq * sizeof(double)) : NULL;
    if (P == NULL || (R > 1 && part == NULL)) {
        free(P);
        free(part);
        smx_gram_plan_free(&plan);
        return SMX_ENOMEM;
    }
    status = SMX_FN(smx_probs_dense)(X, n, d, coef, K, fit_intercept, P, blas, n_threads);
    const int nt = smx_clamp_threads(n_threads, nunits);

#pragma omp parallel num_threads(nt) if (status == SMX_OK)
    {
        const smx_int cmax = plan.cmax;
        double *xd = malloc((size_t)bs * p * sizeof(double));
        double *M = malloc((size_t)bs * cmax * sizeof(double));
        double *W = malloc((size_t)bs * nq * sizeof(double));
        double *acc = R == 1 ? malloc((size_t)cmax * nq * sizeof(double)) : NULL;
        const int ok = status == SMX_OK && xd != NULL && M != NULL && W != NULL &&
                       (R > 1 || acc != NULL);
        if (!ok && status == SMX_OK) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(static, 1)
        for (smx_int u = 0; u < nunits; u++) {
            if (!ok)
                continue;
            const smx_int ch = u / R, r = u % R;
            const smx_int a0 = plan.rows[ch], a1 = plan.rows[ch + 1];
            const smx_int off0 = a0 * (a0 + 1) / 2;
            const smx_int c = a1 * (a1 + 1) / 2 - off0;
            /* columns 0 .. a1 - 1 of x~ are all this chunk reads */
            const smx_int dx = a1 < d ? a1 : d;
            double *C = R == 1 ? acc : part + r * T * nq + off0 * nq;
            memset(C, 0, (size_t)c * nq * sizeof(double));
            const smx_int b1 = smx_group_start(r + 1, R, nb);
            for (smx_int b = smx_group_start(r, R, nb); b < b1; b++) {
                const smx_int i0 = b * bs;
                const smx_int rows = n - i0 < bs ? n - i0 : bs;
                for (smx_int i = 0; i < rows; i++) {
                    const REAL *x = X + (i0 + i) * d;
                    double *o = xd + i * p;
                    for (smx_int j = 0; j < dx; j++)
                        o[j] = (double)x[j];
                    if (fit_intercept)
                        o[d] = 1.0;
                    /* pair weights s_i p_ik p_il, k < l */
                    const REAL *Pi = P + (i0 + i) * K;
                    const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                    double *w = W + i * nq;
                    smx_int q = 0;
                    for (smx_int k = 0; k < K; k++) {
                        const double sk = s * (double)Pi[k];
                        for (smx_int l = k + 1; l < K; l++)
                            w[q++] = sk * (double)Pi[l];
                    }
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
                blas->dgemm(&ta, &tb, &ci, &nqi, &ri, &one, M, &ci, W, &nqi, &one, C, &ci);
            }
            if (R == 1)
                smx_gram_scatter(H, C, c, a0, a1, p, K);
        }
        free(xd);
        free(M);
        free(W);
        free(acc);
    }
    if (status == SMX_OK && R > 1)
        smx_gram_reduce_scatter(H, part, &plan, p, K, nt);
    free(P);
    free(part);
    smx_gram_plan_free(&plan);
    return status;
}

int SMX_FN(smx_hessp_dense)(const REAL *X, smx_int n, smx_int d, const REAL *sw, const REAL *P,
                            smx_int K, int fit_intercept, const REAL *V, double *out,
                            const smx_blas *blas, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int m = K * p;
    if (m <= 0)
        return SMX_OK;
    memset(out, 0, (size_t)m * sizeof(double));
    if (n <= 0)
        return SMX_OK;
    const smx_int bs = smx_rows_for(K);
    if (!smx_fits_int(p) || !smx_fits_int(K * bs))
        return SMX_EINVAL;
    const smx_int nb = (n + bs - 1) / bs;
    const smx_int ng = nb < SMX_HESSP_GROUPS ? nb : SMX_HESSP_GROUPS;
    const int nt = smx_clamp_threads(n_threads, ng);
    double *acc = calloc((size_t)ng * m, sizeof(double));
    if (acc == NULL)
        return SMX_ENOMEM;
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        REAL *U = malloc((size_t)bs * K * sizeof(REAL));
        REAL *T = malloc((size_t)bs * K * sizeof(REAL));
#if SMX_DOUBLE
        REAL *tmp = NULL;
        const int ok = U != NULL && T != NULL;
#else
        REAL *tmp = malloc((size_t)(d > 0 ? d : 1) * K * sizeof(REAL));
        const int ok = U != NULL && T != NULL && tmp != NULL;
#endif
        if (!ok) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (smx_int g = 0; g < ng; g++) {
            if (!ok)
                continue;
            double *G = acc + g * m;
            const smx_int b1 = smx_group_start(g + 1, ng, nb);
            for (smx_int b = smx_group_start(g, ng, nb); b < b1; b++) {
                const smx_int i0 = b * bs;
                const smx_int rows = n - i0 < bs ? n - i0 : bs;
                const REAL *Xb = X + i0 * d;
                int Ki = (int)K, ri = (int)rows, di = (int)d, pi = (int)p;
                REAL one = 1, zero = 0;
                /* U = X_b V_w^T + v_b */
                if (d > 0) {
                    char ta = 'T', tb = 'N';
                    SMX_GEMM(blas)(&ta, &tb, &Ki, &ri, &di, &one, (REAL *)V, &pi, (REAL *)Xb,
                                   &di, &zero, U, &Ki);
                } else {
                    memset(U, 0, (size_t)rows * K * sizeof(REAL));
                }
                /* T = s P o (U - rowsum(P o U)), in double, stored in REAL */
                for (smx_int i = 0; i < rows; i++) {
                    const REAL *Pi = P + (i0 + i) * K;
                    const REAL *Ui = U + i * K;
                    const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                    double dot = 0.0;
                    for (smx_int k = 0; k < K; k++) {
                        double u = (double)Ui[k] + (fit_intercept ? (double)V[k * p + d] : 0.0);
                        dot += (double)Pi[k] * u;
                    }
                    for (smx_int k = 0; k < K; k++) {
                        double u = (double)Ui[k] + (fit_intercept ? (double)V[k * p + d] : 0.0);
                        double tk = s * (double)Pi[k] * (u - dot);
                        T[i * K + k] = (REAL)tk;
                        if (fit_intercept)
                            G[k * p + d] += tk;
                    }
                }
                /* G_w += T^T X_b: column-major G_w^T (d x K, ld p) += X_b^T T */
                if (d > 0) {
                    char ta = 'N', tb = 'T';
#if SMX_DOUBLE
                    REAL beta = 1;
                    SMX_GEMM(blas)(&ta, &tb, &di, &Ki, &ri, &one, (REAL *)Xb, &di, T, &Ki,
                                   &beta, G, &pi);
#else
                    SMX_GEMM(blas)(&ta, &tb, &di, &Ki, &ri, &one, (REAL *)Xb, &di, T, &Ki,
                                   &zero, tmp, &di);
                    for (smx_int k = 0; k < K; k++)
                        for (smx_int j = 0; j < d; j++)
                            G[k * p + j] += (double)tmp[k * d + j];
#endif
                }
            }
        }
        free(U);
        free(T);
        free(tmp);
    }
    for (smx_int g = 0; g < ng; g++)   /* group order: independent of threads */
        for (smx_int j = 0; j < m; j++)
            out[j] += acc[g * m + j];
    free(acc);
    return status;
}

#else /* SMX_CSR_INDEX */

/* ======================== CSR X ======================================= */

/* Probabilities of rows [i0, i0 + rows) into Z (rows x K). */
static void SMX_CFN(smx_hess_probs_csr_block)(const REAL *data, const SMX_CSR_INDEX *indices,
                                              const int64_t *indptr, smx_int i0, smx_int rows,
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

int SMX_CFN(smx_probs_csr)(const REAL *data, const SMX_CSR_INDEX *indices,
                           const int64_t *indptr, smx_int n, smx_int d, const REAL *coef,
                           smx_int K, int fit_intercept, REAL *P, int n_threads)
{
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int bs = smx_rows_for(K);
    const smx_int nb = (n + bs - 1) / bs;
    const int nt = smx_clamp_threads(n_threads, nb);
    int status = SMX_OK;
#pragma omp parallel num_threads(nt)
    {
        double *shift = malloc(2 * (size_t)bs * sizeof(double));
        if (shift == NULL) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            if (shift == NULL)
                continue;
            const smx_int i0 = b * bs;
            const smx_int rows = n - i0 < bs ? n - i0 : bs;
            SMX_CFN(smx_hess_probs_csr_block)(data, indices, indptr, i0, rows, d, coef, K, p,
                                              fit_intercept, P + i0 * K, shift);
        }
        free(shift);
    }
    return status;
}

/* Same units as the dense kernel; each row adds w x~ x~^T to the C-order
 * lower triangle of its blocks, touching nnz(nnz+1)/2 entries per pair. */
int SMX_CFN(smx_hessian_csr)(const REAL *data, const SMX_CSR_INDEX *indices,
                             const int64_t *indptr, smx_int n, smx_int d, const REAL *sw,
                             const REAL *coef, smx_int K, int fit_intercept, double *H,
                             int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int m = K * p;
    if (m <= 0)
        return SMX_OK;
    const smx_int npairs = K * (K + 1) / 2;
    const smx_int bs = smx_rows_for(K);
    const smx_int nb = n > 0 ? (n + bs - 1) / bs : 0;
    const smx_int R = smx_hess_row_groups(npairs, nb);
    const smx_int nunits = npairs * R;
    const smx_int pp = p * p;
    const int nt = smx_clamp_threads(n_threads, nunits);
    int status = SMX_OK;

    smx_int *pk = malloc(2 * (size_t)npairs * sizeof(smx_int));
    double *scratch = R > 1 ? malloc((size_t)nunits * pp * sizeof(double)) : NULL;
    if (pk == NULL || (R > 1 && scratch == NULL)) {
        free(pk);
        free(scratch);
        return SMX_ENOMEM;
    }
    smx_int *pl = pk + npairs;
    smx_pairs(K, pk, pl);

#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        const int ntt = omp_get_num_threads();
        REAL *Z = malloc((size_t)bs * K * sizeof(REAL));
        double *shift = malloc(2 * (size_t)bs * sizeof(double));
        const int ok = Z != NULL && shift != NULL;
        if (!ok) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
        for (smx_int u = t; u < nunits; u += ntt) {
            if (R == 1) {
                double *C = H + pk[u] * p * m + pl[u] * p;
                for (smx_int a = 0; a < p; a++)
                    memset(C + a * m, 0, (size_t)p * sizeof(double));
            } else {
                memset(scratch + u * pp, 0, (size_t)pp * sizeof(double));
            }
        }
        for (smx_int b = 0; ok && b < nb; b++) {
            const smx_int r = smx_group_of(b, R, nb);
            int mine = 0;
            for (smx_int q = 0; q < npairs && !mine; q++)
                mine = (q * R + r) % ntt == t;
            if (!mine)
                continue;
            const smx_int i0 = b * bs;
            const smx_int rows = n - i0 < bs ? n - i0 : bs;
            SMX_CFN(smx_hess_probs_csr_block)(data, indices, indptr, i0, rows, d, coef, K, p,
                                              fit_intercept, Z, shift);
            for (smx_int q = 0; q < npairs; q++) {
                const smx_int u = q * R + r;
                if (u % ntt != t)
                    continue;
                const smx_int k = pk[q], l = pl[q];
                const smx_int ld = R == 1 ? m : p;
                double *C = R == 1 ? H + k * p * m + l * p : scratch + u * pp;
                for (smx_int i = 0; i < rows; i++) {
                    const REAL *Pi = Z + i * K;
                    const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                    double w;
                    if (k == l)
                        SMX_DIAG_WEIGHT(Pi, K, k, w);
                    else
                        w = -(double)Pi[k] * (double)Pi[l];
                    w *= s;
                    const int64_t a0 = indptr[i0 + i], a1 = indptr[i0 + i + 1];
                    for (int64_t a = a0; a < a1; a++) {
                        const smx_int ja = (smx_int)indices[a];
                        const double wa = w * (double)data[a];
                        for (int64_t c = a; c < a1; c++) {
                            const smx_int jc = (smx_int)indices[c];
                            const smx_int hi = ja > jc ? ja : jc, lo = ja > jc ? jc : ja;
                            C[hi * ld + lo] += wa * (double)data[c];
                        }
                        if (fit_intercept)
                            C[d * ld + ja] += wa;
                    }
                    if (fit_intercept)
                        C[d * ld + d] += w;
                }
            }
        }
        free(Z);
        free(shift);
    }
    if (status == SMX_OK) {
        if (R > 1)
            smx_hess_reduce(H, scratch, K, p, pk, pl, npairs, R, nt);
        smx_hess_finalize(H, K, p, pk, pl, npairs, nt);
    }
    free(scratch);
    free(pk);
    return status;
}

int SMX_CFN(smx_hessp_csr)(const REAL *data, const SMX_CSR_INDEX *indices,
                           const int64_t *indptr, smx_int n, smx_int d, const REAL *sw,
                           const REAL *P, smx_int K, int fit_intercept, const REAL *V,
                           double *out, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    const smx_int m = K * p;
    if (m <= 0)
        return SMX_OK;
    memset(out, 0, (size_t)m * sizeof(double));
    if (n <= 0)
        return SMX_OK;
    const smx_int bs = smx_rows_for(K);
    const smx_int nb = (n + bs - 1) / bs;
    const smx_int ng = nb < SMX_HESSP_GROUPS ? nb : SMX_HESSP_GROUPS;
    const int nt = smx_clamp_threads(n_threads, ng);
    double *acc = calloc((size_t)ng * m, sizeof(double));
    if (acc == NULL)
        return SMX_ENOMEM;
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        double *ut = malloc(2 * (size_t)K * sizeof(double));
        if (ut == NULL) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (smx_int g = 0; g < ng; g++) {
            if (ut == NULL)
                continue;
            double *G = acc + g * m;
            const smx_int i1 = smx_group_start(g + 1, ng, nb) * bs;
            const smx_int iend = i1 < n ? i1 : n;
            for (smx_int i = smx_group_start(g, ng, nb) * bs; i < iend; i++) {
                const int64_t a0 = indptr[i], a1 = indptr[i + 1];
                const REAL *Pi = P + i * K;
                const double s = sw != NULL ? (double)sw[i] : 1.0;
                double dot = 0.0;
                for (smx_int k = 0; k < K; k++) {
                    const REAL *v = V + k * p;
                    double u = fit_intercept ? (double)v[d] : 0.0;
                    for (int64_t a = a0; a < a1; a++)
                        u += (double)data[a] * (double)v[indices[a]];
                    ut[k] = u;
                    dot += (double)Pi[k] * u;
                }
                for (smx_int k = 0; k < K; k++) {
                    const double tk = s * (double)Pi[k] * (ut[k] - dot);
                    double *Gk = G + k * p;
                    for (int64_t a = a0; a < a1; a++)
                        Gk[indices[a]] += tk * (double)data[a];
                    if (fit_intercept)
                        Gk[d] += tk;
                }
            }
        }
        free(ut);
    }
    for (smx_int g = 0; g < ng; g++)
        for (smx_int j = 0; j < m; j++)
            out[j] += acc[g * m + j];
    free(acc);
    return status;
}

#endif /* SMX_CSR_INDEX */
