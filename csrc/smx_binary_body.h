/* Type-generic body of smx_binary.c (csrc/README.md, "Templates"): its
 * SMX_REAL_BODY part (IDX undefined: the dense loss/gradient driver and the
 * dense Hessian, once per REAL) and its SMX_CSR_BODY part (IDX defined: the
 * CSR drivers, once per REAL and index type).
 *
 * The loss/gradient drivers run over row groups (smx_groups) and, per
 * block: the scores (or a copy of zin) in double, the layout-free step
 * smx_bin_block_step (residual and loss, or the Hessian-product weights),
 * and the backward sweep into the group's accumulator of p doubles.
 */

#ifndef IDX

/* The block's sample weights in double (ones without weights). */
static void SMX_FN(smx_bin_weights)(const REAL *sw, smx_int i0, smx_int rows, double *s)
{
    for (smx_int i = 0; i < rows; i++)
        s[i] = sw != NULL ? (double)sw[i0 + i] : 1.0;
}

/* The block's scores in double from zin (REAL). */
static void SMX_FN(smx_bin_copy_scores)(const REAL *zin, smx_int i0, smx_int rows, double *z)
{
    for (smx_int i = 0; i < rows; i++)
        z[i] = (double)zin[i0 + i];
}

/* z_i = x_i . w (+ b) for the dense rows of a block, accumulated in double. */
static SMX_CLONES void SMX_FN(smx_bin_dense_forward)(const REAL *restrict Xb, smx_int rows,
                                                     smx_int d, const REAL *restrict w,
                                                     double bias, double *restrict z)
{
    for (smx_int i = 0; i < rows; i++) {
        const REAL *restrict x = Xb + i * d;
        double acc = 0.0;
#pragma omp simd reduction(+:acc)
        for (smx_int j = 0; j < d; j++)
            acc += (double)x[j] * (double)w[j];
        z[i] = acc + bias;
    }
}

/* acc (p,) += sum_i r_i x~_i for the dense rows of a block, in double. */
static SMX_CLONES void SMX_FN(smx_bin_dense_backward)(const REAL *restrict Xb, smx_int rows,
                                                      smx_int d, int fit_intercept,
                                                      const double *restrict r,
                                                      double *restrict acc)
{
    for (smx_int i = 0; i < rows; i++) {
        const REAL *restrict x = Xb + i * d;
        const double ri = r[i];
#pragma omp simd
        for (smx_int j = 0; j < d; j++)
            acc[j] += ri * (double)x[j];
        if (fit_intercept)
            acc[d] += ri;
    }
}

/* Rows per dense block: about SMX_BIN_XBLOCK_BYTES of X, 16 to 4096. */
static smx_int SMX_FN(smx_bin_dense_rows)(smx_int d)
{
    smx_int rows = SMX_BIN_XBLOCK_BYTES / ((d > 0 ? d : 1) * (smx_int)sizeof(REAL));
    return rows < 16 ? 16 : rows > 4096 ? 4096 : rows;
}

int SMX_FN(smx_binary_dense)(const REAL *X, smx_int n, smx_int d, const int64_t *y,
                             const REAL *sw, const REAL *coef, int fit_intercept,
                             const REAL *zin, REAL *zout, const double *hw, double *loss,
                             double *G, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    if (loss != NULL)
        *loss = 0.0;
    if (G != NULL)
        memset(G, 0, (size_t)p * sizeof(double));
    if (n <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_bin_dense_rows)(d);
    const smx_int nb = smx_n_blocks(n, bs);
    const double bias = zin == NULL && fit_intercept ? (double)coef[d] : 0.0;

    if (zout != NULL) {   /* scores only: blocks are independent */
        const int nt = smx_clamp_threads(n_threads, nb);
        int status = SMX_OK;
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)bs * sizeof(double), 0, 0, 0);
            double *z = s.buf[0];
#pragma omp for schedule(static)
            for (smx_int b = 0; b < nb; b++) {
                if (!ok)
                    continue;
                const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                SMX_FN(smx_bin_dense_forward)(X + i0 * d, rows, d, coef, bias, z);
                for (smx_int i = 0; i < rows; i++)
                    zout[i0 + i] = (REAL)z[i];
            }
            smx_scratch_free(&s);
        }
        return status;
    }

    smx_groups gr;
    int status = smx_groups_alloc(&gr, smx_binary_n_groups(nb, p), G != NULL ? p : 0);
    const int nt = smx_clamp_threads(n_threads, gr.ng);
    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const size_t vec = (size_t)bs * sizeof(double);
            const int ok = smx_scratch_alloc(&s, &status, vec, vec, vec, 0);
            double *z = s.buf[0], *r = s.buf[1], *sb = s.buf[2];
#pragma omp for schedule(dynamic, 1)
            for (smx_int g = 0; g < gr.ng; g++) {
                if (!ok)
                    continue;
                const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
                double *acc = smx_groups_acc(&gr, g);
                double lg = 0.0;
                for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    const REAL *Xb = X + i0 * d;
                    if (zin != NULL)
                        SMX_FN(smx_bin_copy_scores)(zin, i0, rows, z);
                    else
                        SMX_FN(smx_bin_dense_forward)(Xb, rows, d, coef, bias, z);
                    SMX_FN(smx_bin_weights)(sw, i0, rows, sb);
                    lg += smx_bin_block_step(z, r, rows, y != NULL ? y + i0 : NULL, sb,
                                             hw != NULL ? hw + i0 : NULL, G != NULL);
                    if (G != NULL)
                        SMX_FN(smx_bin_dense_backward)(Xb, rows, d, fit_intercept, r, acc);
                }
                gr.loss[g] = lg;
            }
            smx_scratch_free(&s);
        }
    }
    if (status == SMX_OK) {
        if (loss != NULL && hw == NULL)
            *loss = smx_groups_loss(&gr);
        if (G != NULL)
            smx_bin_sum_groups(&gr, G);
    }
    smx_groups_free(&gr);
    return status;
}

/* ---- the dense Hessian: one SYRK per row block ---- */

/* Rows per Hessian block: about SMX_BIN_XBLOCK_BYTES of scaled rows, 64 to
 * 4096 (SYRK needs a long inner dimension to run at BLAS-3 speed). */
static smx_int SMX_FN(smx_bin_hessian_rows)(smx_int p)
{
    smx_int rows = SMX_BIN_XBLOCK_BYTES / ((p > 0 ? p : 1) * (smx_int)sizeof(REAL));
    return rows < 64 ? 64 : rows > 4096 ? 4096 : rows;
}

/* Bb (rows, p) = sqrt(h_i) x~_i, so that Bb^T Bb = sum_i h_i x~_i x~_i^T
 * (h_i >= 0: s_i sigma (1 - sigma)). */
static void SMX_FN(smx_bin_scaled_rows)(const REAL *Xb, smx_int rows, smx_int d, smx_int p,
                                        const double *h, REAL *Bb)
{
    for (smx_int i = 0; i < rows; i++) {
        const double q = sqrt(h[i] > 0.0 ? h[i] : 0.0);
        const REAL *x = Xb + i * d;
        REAL *bi = Bb + i * p;
        for (smx_int j = 0; j < d; j++)
            bi[j] = (REAL)(q * (double)x[j]);
        if (p > d)
            bi[d] = (REAL)q;
    }
}

/* acc (p, p, lower triangle in C order) += Bb^T Bb.  Column-major, Bb is
 * the (p, rows) matrix A with lda = p: C = A A^T is syrk("U", "N"), whose
 * upper triangle in column-major order is the lower one in C order.  Double
 * accumulates in place (beta = 1); float through Ctmp (ssyrk writes float),
 * added into acc in double. */
static void SMX_FN(smx_bin_syrk)(REAL *Bb, smx_int rows, smx_int p, double *acc, REAL *Ctmp,
                                 const smx_blas *blas)
{
    char uplo = 'U', trans = 'N';
    int nn = (int)p, kk = (int)rows, lda = (int)p, ldc = (int)p;
    REAL one = 1;
#if SMX_REAL_IS_DOUBLE
    (void)Ctmp;
    blas->dsyrk(&uplo, &trans, &nn, &kk, &one, Bb, &lda, &one, acc, &ldc);
#else
    REAL zero = 0;
    blas->ssyrk(&uplo, &trans, &nn, &kk, &one, Bb, &lda, &zero, Ctmp, &ldc);
    for (smx_int r = 0; r < p; r++)
        for (smx_int c = 0; c <= r; c++)
            acc[r * p + c] += (double)Ctmp[r * p + c];
#endif
}

int SMX_FN(smx_binary_hessian_dense)(const REAL *X, smx_int n, smx_int d, const double *hw,
                                     int fit_intercept, double *H, int n_threads,
                                     const smx_blas *blas, const smx_stop_flag *stop)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    if (p > INT_MAX)
        return SMX_EINVAL;
    memset(H, 0, (size_t)p * p * sizeof(double));
    if (n <= 0 || p == 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_bin_hessian_rows)(p);
    const smx_int nb = smx_n_blocks(n, bs);
    smx_groups gr;
    int status = smx_groups_alloc(&gr, smx_binary_n_groups(nb, p * p), p * p);
    const int nt = smx_clamp_threads(n_threads, gr.ng);
    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const int ok = smx_scratch_alloc(
                &s, &status, (size_t)bs * p * sizeof(REAL),
                SMX_REAL_IS_DOUBLE ? 0 : (size_t)p * p * sizeof(REAL), 0, 0);
            REAL *Bb = s.buf[0], *Ctmp = s.buf[1];
#pragma omp for schedule(dynamic, 1)
            for (smx_int g = 0; g < gr.ng; g++) {
                if (!ok)
                    continue;
                const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
                for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                    if (SMX_STOPPED(stop))
                        break;
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    SMX_FN(smx_bin_scaled_rows)(X + i0 * d, rows, d, p, hw + i0, Bb);
                    SMX_FN(smx_bin_syrk)(Bb, rows, p, smx_groups_acc(&gr, g), Ctmp, blas);
                }
            }
            smx_scratch_free(&s);
        }
    }
    status = smx_stop_status(status, stop);
    if (status == SMX_OK) {
        smx_bin_sum_groups(&gr, H);
        smx_bin_mirror(H, p);
    }
    smx_groups_free(&gr);
    return status;
}

#else /* IDX: the CSR part */

/* z_i = x_i . w (+ b) for the CSR rows of a block, in double. */
static void SMX_CSR_FN(smx_bin_csr_forward)(const REAL *data, const IDX *indices,
                                            const IDX *indptr, smx_int i0, smx_int rows,
                                            const REAL *restrict w, double bias,
                                            double *restrict z)
{
    for (smx_int i = 0; i < rows; i++) {
        double a = 0.0, b = 0.0;
        smx_int jj = (smx_int)indptr[i0 + i];
        const smx_int end = (smx_int)indptr[i0 + i + 1];
        for (; jj + 2 <= end; jj += 2) {   /* two chains: half the dependency */
            a += (double)data[jj] * (double)w[indices[jj]];
            b += (double)data[jj + 1] * (double)w[indices[jj + 1]];
        }
        if (jj < end)
            a += (double)data[jj] * (double)w[indices[jj]];
        z[i] = (a + b) + bias;
    }
}

/* acc (p,) += sum_i r_i x~_i for the CSR rows of a block. */
static void SMX_CSR_FN(smx_bin_csr_backward)(const REAL *data, const IDX *indices,
                                             const IDX *indptr, smx_int i0, smx_int rows,
                                             smx_int d, int fit_intercept,
                                             const double *restrict r, double *restrict acc)
{
    for (smx_int i = 0; i < rows; i++) {
        const double ri = r[i];
        for (smx_int jj = (smx_int)indptr[i0 + i]; jj < (smx_int)indptr[i0 + i + 1]; jj++)
            acc[indices[jj]] += ri * (double)data[jj];
        if (fit_intercept)
            acc[d] += ri;
    }
}

int SMX_CSR_FN(smx_binary_csr)(const REAL *data, const IDX *indices, const IDX *indptr,
                               smx_int n, smx_int d, const int64_t *y, const REAL *sw,
                               const REAL *coef, int fit_intercept, const REAL *zin, REAL *zout,
                               const double *hw, double *loss, double *G, int n_threads)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    if (loss != NULL)
        *loss = 0.0;
    if (G != NULL)
        memset(G, 0, (size_t)p * sizeof(double));
    if (n <= 0)
        return SMX_OK;
    const smx_int bs = SMX_BIN_CSR_ROWS;
    const smx_int nb = smx_n_blocks(n, bs);
    const double bias = zin == NULL && fit_intercept ? (double)coef[d] : 0.0;
    int status = SMX_OK;

    if (zout != NULL) {
        const int nt = smx_clamp_threads(n_threads, nb);
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const int ok = smx_scratch_alloc(&s, &status, (size_t)bs * sizeof(double), 0, 0, 0);
            double *z = s.buf[0];
#pragma omp for schedule(static)
            for (smx_int b = 0; b < nb; b++) {
                if (!ok)
                    continue;
                const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                SMX_CSR_FN(smx_bin_csr_forward)(data, indices, indptr, i0, rows, coef, bias, z);
                for (smx_int i = 0; i < rows; i++)
                    zout[i0 + i] = (REAL)z[i];
            }
            smx_scratch_free(&s);
        }
        return status;
    }

    smx_groups gr;
    status = smx_groups_alloc(&gr, smx_binary_n_groups(nb, p), G != NULL ? p : 0);
    const int nt = smx_clamp_threads(n_threads, gr.ng);
    if (status == SMX_OK) {
#pragma omp parallel num_threads(nt)
        {
            smx_scratch s;
            const size_t vec = (size_t)bs * sizeof(double);
            const int ok = smx_scratch_alloc(&s, &status, vec, vec, vec, 0);
            double *z = s.buf[0], *r = s.buf[1], *sb = s.buf[2];
#pragma omp for schedule(dynamic, 1)
            for (smx_int g = 0; g < gr.ng; g++) {
                if (!ok)
                    continue;
                const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
                double *acc = smx_groups_acc(&gr, g);
                double lg = 0.0;
                for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                    const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                    if (zin != NULL)
                        SMX_FN(smx_bin_copy_scores)(zin, i0, rows, z);
                    else
                        SMX_CSR_FN(smx_bin_csr_forward)(data, indices, indptr, i0, rows, coef,
                                                        bias, z);
                    SMX_FN(smx_bin_weights)(sw, i0, rows, sb);
                    lg += smx_bin_block_step(z, r, rows, y != NULL ? y + i0 : NULL, sb,
                                             hw != NULL ? hw + i0 : NULL, G != NULL);
                    if (G != NULL)
                        SMX_CSR_FN(smx_bin_csr_backward)(data, indices, indptr, i0, rows, d,
                                                         fit_intercept, r, acc);
                }
                gr.loss[g] = lg;
            }
            smx_scratch_free(&s);
        }
    }
    if (status == SMX_OK) {
        if (loss != NULL && hw == NULL)
            *loss = smx_groups_loss(&gr);
        if (G != NULL)
            smx_bin_sum_groups(&gr, G);
    }
    smx_groups_free(&gr);
    return status;
}

/* acc (p, p, lower triangle in C order) += sum_i h_i x~_i x~_i^T over the
 * CSR rows of a block: the products of each row's nonzeros (indices sorted,
 * so column <= row for the pairs taken), and the intercept's row d. */
static void SMX_CSR_FN(smx_bin_csr_outer)(const REAL *data, const IDX *indices,
                                          const IDX *indptr, smx_int i0, smx_int rows,
                                          smx_int d, smx_int p, const double *h,
                                          double *restrict acc)
{
    for (smx_int i = 0; i < rows; i++) {
        const double hi = h[i];
        if (hi == 0.0)
            continue;
        const smx_int a0 = (smx_int)indptr[i0 + i], a1 = (smx_int)indptr[i0 + i + 1];
        for (smx_int a = a0; a < a1; a++) {
            const double va = hi * (double)data[a];
            double *row = acc + (smx_int)indices[a] * p;
            for (smx_int b = a0; b <= a; b++)
                row[indices[b]] += va * (double)data[b];
            if (p > d)
                acc[d * p + indices[a]] += va;
        }
        if (p > d)
            acc[d * p + d] += hi;
    }
}

int SMX_CSR_FN(smx_binary_hessian_csr)(const REAL *data, const IDX *indices, const IDX *indptr,
                                       smx_int n, smx_int d, const double *hw,
                                       int fit_intercept, double *H, int n_threads,
                                       const smx_stop_flag *stop)
{
    const smx_int p = d + (fit_intercept ? 1 : 0);
    memset(H, 0, (size_t)p * p * sizeof(double));
    if (n <= 0 || p == 0)
        return SMX_OK;
    const smx_int bs = SMX_BIN_CSR_ROWS;
    const smx_int nb = smx_n_blocks(n, bs);
    smx_groups gr;
    int status = smx_groups_alloc(&gr, smx_binary_n_groups(nb, p * p), p * p);
    const int nt = smx_clamp_threads(n_threads, gr.ng);
    if (status == SMX_OK) {
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
        for (smx_int g = 0; g < gr.ng; g++) {
            const smx_int b1 = smx_group_start(g + 1, gr.ng, nb);
            for (smx_int b = smx_group_start(g, gr.ng, nb); b < b1; b++) {
                if (SMX_STOPPED(stop))
                    break;
                const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
                SMX_CSR_FN(smx_bin_csr_outer)(data, indices, indptr, i0, rows, d, p, hw + i0,
                                              smx_groups_acc(&gr, g));
            }
        }
    }
    status = smx_stop_status(status, stop);
    if (status == SMX_OK) {
        smx_bin_sum_groups(&gr, H);
        smx_bin_mirror(H, p);
    }
    smx_groups_free(&gr);
    return status;
}

#endif /* IDX */
