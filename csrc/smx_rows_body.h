/* Row-block primitives shared by the softmax and objective kernels.
 *
 * Type-generic body: include after defining REAL (float or double) and
 * SMX_FN(name) (appends _f32 or _f64).  Everything here is static and works
 * on one block of `rows` consecutive C-contiguous rows of width K.
 */

/* Shifted exponentials of a block of rows of Z (rows x K, C order).
 *
 * shift[i] = max_k Z[i, k]; with finite_shift, a non-finite maximum is
 * replaced by 0 (as scipy.special.logsumexp does) so that rows holding +inf
 * or only -inf give +inf / -inf log-sums instead of NaN.
 * E[i, k] = exp(Z[i, k] - shift[i]) and sum[i] = sum_k E[i, k] (double).
 * E may alias Z.  A NaN anywhere in a row makes sum[i] NaN.
 */
static SMX_CLONES void SMX_FN(smx_block_exp)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E,            /* OUT (rows, K) */
    double *shift,      /* OUT (rows,) */
    double *sum)        /* OUT (rows,) */
{
    for (smx_int i = 0; i < rows; i++) {
        const REAL *z = Z + i * K;
        REAL *e = E + i * K;
        REAL m = z[0];
        /* A NaN the max may skip still reaches the sum below. */
#pragma omp simd reduction(max:m)
        for (smx_int k = 1; k < K; k++)
            m = z[k] > m ? z[k] : m;
        if (finite_shift && !isfinite(m))
            m = 0;
        shift[i] = (double)m;
        for (smx_int k = 0; k < K; k++)
            e[k] = z[k] - m;
    }
    /* One flat loop over the whole block: long enough to vectorise well
     * even when K is small. */
    smx_int len = rows * K;
#pragma omp simd
    for (smx_int j = 0; j < len; j++)
        E[j] = SMX_EXP(E[j]);
    for (smx_int i = 0; i < rows; i++) {
        const REAL *e = E + i * K;
        double s = 0.0;
#pragma omp simd reduction(+:s)
        for (smx_int k = 0; k < K; k++)
            s += (double)e[k];
        sum[i] = s;
    }
}

/* Scale each row of E by 1 / sum[i] in place: exponentials -> probabilities. */
static SMX_CLONES void SMX_FN(smx_block_normalize)(
    REAL *E, smx_int rows, smx_int K, const double *sum)
{
    for (smx_int i = 0; i < rows; i++) {
        REAL inv = (REAL)(1.0 / sum[i]);
        REAL *e = E + i * K;
        for (smx_int k = 0; k < K; k++)
            e[k] *= inv;
    }
}
