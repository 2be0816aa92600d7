/* Row-block primitives shared by the softmax and objective kernels.
 *
 * Type-generic body: include after defining REAL (float or double),
 * SMX_FN(name) (appends _f32 or _f64) and SMX_EXP (the full-range exp of
 * smx_math.h for REAL).  Everything here is static and works on one block of
 * `rows` consecutive C-contiguous rows of width K.
 *
 * Speed: each row's max and min are taken in one pass; when every shifted
 * value of the row lies where the fast exponential of smx_math.h is valid
 * (the usual case), the row takes the fast path, else the full-range one,
 * so special values (inf, NaN, underflow to subnormals) come out as from
 * exp().  Rows of at least SMX_FUSED_MIN_K columns fuse shift, exp, store
 * and sum in one loop while the row is in L1; narrower rows are done as one
 * flat exp loop over the whole block, which vectorises better.
 */

/* Fast exp for REAL; sizeof is a constant, so one branch is compiled away. */
#define SMX_EXP_FAST(x) (sizeof(REAL) == 4 ? (REAL)smx_exp_fast_f32((float)(x)) \
                                           : (REAL)smx_exp_fast_f64((double)(x)))
#define SMX_EXP_FAST_LO (sizeof(REAL) == 4 ? (double)SMX_EXP_FAST_LO_F32 : SMX_EXP_FAST_LO_F64)
#define SMX_EXP_FAST_HI (sizeof(REAL) == 4 ? (double)SMX_EXP_FAST_HI_F32 : SMX_EXP_FAST_HI_F64)

#ifndef SMX_FUSED_MIN_K
#define SMX_FUSED_MIN_K 64
#endif

/* Shared work of smx_block_exp (store = 1) and smx_block_sumexp (store = 0:
 * E is scratch and its content unspecified; for wide rows it is not even
 * written).  See smx_block_exp for the outputs. */
SMX_INLINE void SMX_FN(smx_block_exp_impl)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E, double *shift, double *sum, int store)
{
    if (K >= SMX_FUSED_MIN_K) {
        for (smx_int i = 0; i < rows; i++) {
            const REAL *z = Z + i * K;
            REAL *e = E + i * K;
            REAL mx = z[0], mn = z[0];
            /* A NaN the max may skip still reaches the sum below. */
#pragma omp simd reduction(max:mx) reduction(min:mn)
            for (smx_int k = 1; k < K; k++) {
                mx = z[k] > mx ? z[k] : mx;
                mn = z[k] < mn ? z[k] : mn;
            }
            REAL m = mx;
            if (finite_shift && !isfinite(m))
                m = 0;
            shift[i] = (double)m;
            /* Comparisons with NaN are false: such rows take the full path. */
            const int fast = (double)mn - (double)m >= SMX_EXP_FAST_LO &&
                             (double)mx - (double)m <= SMX_EXP_FAST_HI;
            double s = 0.0;
            if (fast && store) {
#pragma omp simd reduction(+:s)
                for (smx_int k = 0; k < K; k++) {
                    REAL v = SMX_EXP_FAST(z[k] - m);
                    e[k] = v;
                    s += (double)v;
                }
            } else if (fast) {
#pragma omp simd reduction(+:s)
                for (smx_int k = 0; k < K; k++)
                    s += (double)SMX_EXP_FAST(z[k] - m);
            } else {
                for (smx_int k = 0; k < K; k++)
                    e[k] = z[k] - m;
#pragma omp simd reduction(+:s)
                for (smx_int k = 0; k < K; k++) {
                    REAL v = SMX_EXP(e[k]);
                    e[k] = v;
                    s += (double)v;
                }
            }
            sum[i] = s;
        }
        return;
    }
    /* Narrow rows: loops across rows (each lane a row), then one flat exp
     * loop over the whole block, long enough to vectorise well. */
    int all_fast = 1;
#pragma omp simd reduction(&:all_fast)
    for (smx_int i = 0; i < rows; i++) {
        const REAL *z = Z + i * K;
        REAL mx = z[0], mn = z[0];
        for (smx_int k = 1; k < K; k++) {
            mx = z[k] > mx ? z[k] : mx;
            mn = z[k] < mn ? z[k] : mn;
        }
        REAL m = mx;
        if (finite_shift && !isfinite(m))
            m = 0;
        shift[i] = (double)m;
        all_fast &= (double)mn - (double)m >= SMX_EXP_FAST_LO &&
                    (double)mx - (double)m <= SMX_EXP_FAST_HI;
    }
    for (smx_int i = 0; i < rows; i++) {
        const REAL *z = Z + i * K;
        REAL *e = E + i * K;
        const REAL m = (REAL)shift[i];
        for (smx_int k = 0; k < K; k++)
            e[k] = z[k] - m;
    }
    smx_int len = rows * K;
    if (all_fast) {
#pragma omp simd
        for (smx_int j = 0; j < len; j++)
            E[j] = SMX_EXP_FAST(E[j]);
    } else {
#pragma omp simd
        for (smx_int j = 0; j < len; j++)
            E[j] = SMX_EXP(E[j]);
    }
#pragma omp simd
    for (smx_int i = 0; i < rows; i++) {
        const REAL *e = E + i * K;
        double s = 0.0;
        for (smx_int k = 0; k < K; k++)
            s += (double)e[k];
        sum[i] = s;
    }
}

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
    SMX_FN(smx_block_exp_impl)(Z, rows, K, finite_shift, E, shift, sum, 1);
}

/* As smx_block_exp, for callers that need only shift and sum: E is scratch
 * of (rows, K) whose content on return is unspecified; it must not alias Z. */
static SMX_CLONES void SMX_FN(smx_block_sumexp)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E,            /* SCRATCH (rows, K) */
    double *shift,      /* OUT (rows,) */
    double *sum)        /* OUT (rows,) */
{
    SMX_FN(smx_block_exp_impl)(Z, rows, K, finite_shift, E, shift, sum, 0);
}

/* Scale each row of E by 1 / sum[i] in place: exponentials -> probabilities. */
static SMX_CLONES void SMX_FN(smx_block_normalize)(
    REAL *E, smx_int rows, smx_int K, const double *sum)
{
    for (smx_int i = 0; i < rows; i++) {
        REAL inv = (REAL)(1.0 / sum[i]);
        REAL *e = E + i * K;
#pragma omp simd
        for (smx_int k = 0; k < K; k++)
            e[k] *= inv;
    }
}

#undef SMX_EXP_FAST
#undef SMX_EXP_FAST_LO
#undef SMX_EXP_FAST_HI
