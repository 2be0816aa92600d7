/* Row-block primitives shared by the softmax and objective kernels: the
 * shifted exponentials, sums, softmax, log-sum-exp and log-softmax of one
 * block of `rows` consecutive C-contiguous rows of width K.
 *
 * Not a body of its own: a header of type-generic static primitives, included
 * by each body that uses them at the top of its per-REAL part (so once per
 * instantiation, with REAL and SMX_FN defined; csrc/README.md, "Templates").
 * Its first part (constants, smx_prefetch, the modes) does not depend on
 * REAL and is compiled once.
 *
 * Speed: each row's max and min are taken in one pass; when every shifted
 * value of the row lies where the fast exponential of smx_math.h is valid
 * (the usual case), the row takes the fast path, else the full-range one,
 * so special values (inf, NaN, underflow to subnormals) come out as from
 * exp().  Rows of at least SMX_FUSED_MIN_K columns fuse shift, exp, store
 * and sum in one loop while the row is in L1.  Narrower rows go through a
 * transposed copy of the block (one row per vector lane: the per-row max,
 * exp, double sum, scaling and log run across rows), except double rows
 * whose exponentials are stored, which take one flat exp loop over the
 * whole block (less memory traffic there).
 */
#ifndef SMX_BLOCKS_H
#define SMX_BLOCKS_H

#include <math.h>
#include <stddef.h>

#include "smx_config.h"
#include "smx_math.h"

#ifndef SMX_FUSED_MIN_K
#define SMX_FUSED_MIN_K 64
#endif

/* Whether rows of width K go through the transposed narrow path (store:
 * the exponentials or probabilities are stored, not only summed). */
#define SMX_NARROW_TRANSPOSED(K, store) \
    ((K) < SMX_FUSED_MIN_K && !(SMX_REAL_IS_DOUBLE && (store)))

/* Transposed sub-blocks of narrow rows: at most SMX_NARROW_ELEMS elements
 * (on the stack), rows in multiples of SMX_NARROW_ALIGN (one 64-byte line
 * of float). */
#ifndef SMX_NARROW_ELEMS
#define SMX_NARROW_ELEMS 4096
#endif
#ifndef SMX_NARROW_ROWS
#define SMX_NARROW_ROWS 512
#endif
#define SMX_NARROW_ALIGN 16
#if defined(__GNUC__)
#define SMX_ALIGN64 __attribute__((aligned(64)))
#else
#define SMX_ALIGN64
#endif
#if SMX_FUSED_MIN_K > SMX_NARROW_ELEMS / SMX_NARROW_ALIGN
#error "narrow rows (K < SMX_FUSED_MIN_K) must fit SMX_NARROW_ALIGN at a time in SMX_NARROW_ELEMS"
#endif

/* Ask for `bytes` from p into L2 (write: for writing): the drivers call it
 * on the next block before working on the current one, so that its memory
 * traffic overlaps their arithmetic.  A hint only: prefetches never fault. */
static inline void smx_prefetch(const void *p, size_t bytes, int write)
{
#if defined(__GNUC__)
    const char *c = (const char *)p;
    if (write) {
        for (size_t j = 0; j < bytes; j += 64)
            __builtin_prefetch(c + j, 1, 2);
    } else {
        for (size_t j = 0; j < bytes; j += 64)
            __builtin_prefetch(c + j, 0, 2);
    }
#else
    (void)p; (void)bytes; (void)write;
#endif
}

/* Shared work of smx_block_exp (mode SMX_ROWS_EXP), smx_block_sumexp
 * (SMX_ROWS_SUM: E is scratch and its content unspecified; for wide rows it
 * is not even written) and smx_block_softmax (SMX_ROWS_SCALED: E holds the
 * exponentials times (REAL)(w[i] / sum[i]), w = NULL meaning 1).  See
 * smx_block_exp for the outputs.  SMX_ROWS_LOGSOFTMAX (narrow rows only):
 * E[i, k] = (Z[i, k] - shift[i]) - (REAL)log(sum[i]). */
enum { SMX_ROWS_SUM = 0, SMX_ROWS_EXP = 1, SMX_ROWS_SCALED = 2, SMX_ROWS_LOGSOFTMAX = 3 };

#endif /* SMX_BLOCKS_H */

/* ---- per REAL: compiled once per instantiation ------------------------- */
#ifndef REAL
#error "smx_blocks.h: include it from a body's per-REAL part (REAL and SMX_FN defined)"
#endif

/* Fast exp for REAL, and the range on which it is valid. */
#define SMX_EXP_FAST(x) SMX_FN(smx_exp_fast)(x)
#define SMX_EXP_FAST_LO (SMX_REAL_IS_DOUBLE ? SMX_EXP_FAST_LO_F64 : (double)SMX_EXP_FAST_LO_F32)
#define SMX_EXP_FAST_HI (SMX_REAL_IS_DOUBLE ? SMX_EXP_FAST_HI_F64 : (double)SMX_EXP_FAST_HI_F32)

/* Transposes of narrow rows: T[k * ld + i] = Zs[i * K + k] (load) and
 * back (store), for i < nr, k < K.  Small K are compiled with K constant:
 * the strided side then vectorises (or unrolls) instead of running one
 * element at a time with a variable stride. */

SMX_INLINE void SMX_FN(smx_narrow_load_k)(REAL *restrict T, smx_int ld,
                                          const REAL *restrict Zs, smx_int nr, smx_int K)
{
    for (smx_int k = 0; k < K; k++) {
        REAL *restrict t = T + k * ld;
#pragma omp simd
        for (smx_int i = 0; i < nr; i++)
            t[i] = Zs[i * K + k];
    }
}

SMX_INLINE void SMX_FN(smx_narrow_store_k)(REAL *restrict Es, const REAL *restrict T,
                                           smx_int ld, smx_int nr, smx_int K)
{
    for (smx_int i = 0; i < nr; i++)
        for (smx_int k = 0; k < K; k++)
            Es[i * K + k] = T[k * ld + i];
}

SMX_INLINE void SMX_FN(smx_narrow_load)(REAL *restrict T, smx_int ld,
                                        const REAL *restrict Zs, smx_int nr, smx_int K)
{
#define SMX_CASE(c) case c: SMX_FN(smx_narrow_load_k)(T, ld, Zs, nr, c); return;
    switch (K) {
    SMX_SMALL_K_CASES(SMX_CASE)
    default: SMX_FN(smx_narrow_load_k)(T, ld, Zs, nr, K);
    }
#undef SMX_CASE
}

SMX_INLINE void SMX_FN(smx_narrow_store)(REAL *restrict Es, const REAL *restrict T,
                                         smx_int ld, smx_int nr, smx_int K)
{
#define SMX_CASE(c) case c: SMX_FN(smx_narrow_store_k)(Es, T, ld, nr, c); return;
    switch (K) {
    SMX_SMALL_K_CASES(SMX_CASE)
    default: SMX_FN(smx_narrow_store_k)(Es, T, ld, nr, K);
    }
#undef SMX_CASE
}

/* E[i, k] *= (REAL)(1 / sum[i]) (smx_block_normalize). */
SMX_INLINE void SMX_FN(smx_rows_scale)(REAL *E, smx_int rows, smx_int K, const double *sum)
{
    for (smx_int i = 0; i < rows; i++) {
        REAL inv = (REAL)(1.0 / sum[i]);
        REAL *e = E + i * K;
#pragma omp simd
        for (smx_int k = 0; k < K; k++)
            e[k] *= inv;
    }
}

/* The narrow-row path of smx_block_exp for double (see its use). */
SMX_INLINE void SMX_FN(smx_narrow_flat)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E, double *shift, double *sum)
{
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

SMX_INLINE void SMX_FN(smx_block_exp_impl)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E, double *shift, double *sum, int mode, const REAL *w)
{
    const int store = mode == SMX_ROWS_EXP || mode == SMX_ROWS_SCALED;
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
            if (mode == SMX_ROWS_SCALED) {
                const REAL c = (REAL)((w != NULL ? (double)w[i] : 1.0) / s);
#pragma omp simd
                for (smx_int k = 0; k < K; k++)
                    e[k] *= c;
            }
        }
        return;
    }
    if (!SMX_NARROW_TRANSPOSED(K, store)) {
        /* double rows to store: the transposed path below, as fast in the
         * arithmetic, costs more memory traffic than it saves (1M x 10
         * softmax: 19 -> 22 ms); loops across rows, then one flat exp loop
         * over the whole block. */
        SMX_FN(smx_narrow_flat)(Z, rows, K, finite_shift, E, shift, sum);
        if (mode == SMX_ROWS_SCALED && w == NULL) {
            SMX_FN(smx_rows_scale)(E, rows, K, sum);
        } else if (mode == SMX_ROWS_SCALED) {
            for (smx_int i = 0; i < rows; i++) {
                const REAL c = (REAL)((double)w[i] / sum[i]);
                REAL *e = E + i * K;
#pragma omp simd
                for (smx_int k = 0; k < K; k++)
                    e[k] *= c;
            }
        }
        return;
    }
    /* Narrow rows: a row's max, min, exponentials and sum are short
     * dependency chains along k (scalar, as slow in float as in double), so
     * the rows go through a transposed copy, T[k * ld + i] = z[i, k], in
     * sub-blocks of at most SMX_NARROW_ELEMS elements: every loop then runs
     * across rows, one row per vector lane, on contiguous data.  Operations
     * and their order per row are those of the wide path (max and min
     * scanned in k order, exp of the REAL difference, double sum in k
     * order). */
    smx_int sb = SMX_NARROW_ELEMS / K / SMX_NARROW_ALIGN * SMX_NARROW_ALIGN;
    sb = sb < SMX_NARROW_ROWS ? sb : SMX_NARROW_ROWS;
    REAL T[SMX_NARROW_ELEMS] SMX_ALIGN64;
    REAL mx[SMX_NARROW_ROWS] SMX_ALIGN64;
    REAL mn[SMX_NARROW_ROWS] SMX_ALIGN64;
    for (smx_int r0 = 0; r0 < rows; r0 += sb) {
        const smx_int nr = rows - r0 < sb ? rows - r0 : sb;
        const smx_int ld = (nr + SMX_NARROW_ALIGN - 1) / SMX_NARROW_ALIGN * SMX_NARROW_ALIGN;
        double *sh = shift + r0, *su = sum + r0;
        SMX_FN(smx_narrow_load)(T, ld, Z + r0 * K, nr, K);
#pragma omp simd
        for (smx_int i = 0; i < nr; i++)
            mx[i] = mn[i] = T[i];
        for (smx_int k = 1; k < K; k++) {
            const REAL *t = T + k * ld;
#pragma omp simd
            for (smx_int i = 0; i < nr; i++) {
                const REAL v = t[i];
                mx[i] = v > mx[i] ? v : mx[i];
                mn[i] = v < mn[i] ? v : mn[i];
            }
        }
        /* Rows with a non-finite max get shift 0 under finite_shift (x - x
         * == 0 is isfinite(x), in a form that vectorises).  Comparisons
         * with NaN are false: a NaN max sends the block to the full path. */
        int all_fast = 1;
        if (finite_shift) {
#pragma omp simd reduction(&:all_fast)
            for (smx_int i = 0; i < nr; i++) {
                const REAL m = mx[i] - mx[i] == 0 ? mx[i] : (REAL)0;
                all_fast &= ((double)mn[i] - (double)m >= SMX_EXP_FAST_LO) &
                            ((double)mx[i] - (double)m <= SMX_EXP_FAST_HI);
                mx[i] = m;
            }
        } else {
#pragma omp simd reduction(&:all_fast)
            for (smx_int i = 0; i < nr; i++)
                all_fast &= (double)mn[i] - (double)mx[i] >= SMX_EXP_FAST_LO;
        }
#pragma omp simd
        for (smx_int i = 0; i < nr; i++) {
            sh[i] = (double)mx[i];
            su[i] = 0.0;
        }
        for (smx_int k = 0; k < K; k++) {
            REAL *t = T + k * ld;
            if (all_fast && store) {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++) {
                    const REAL v = SMX_EXP_FAST(t[i] - mx[i]);
                    t[i] = v;
                    su[i] += (double)v;
                }
            } else if (all_fast) {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    su[i] += (double)SMX_EXP_FAST(t[i] - mx[i]);
            } else if (store) {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++) {
                    const REAL v = SMX_EXP(t[i] - mx[i]);
                    t[i] = v;
                    su[i] += (double)v;
                }
            } else {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    su[i] += (double)SMX_EXP(t[i] - mx[i]);
            }
        }
        if (mode == SMX_ROWS_SCALED) {
            /* the scale of each row, then the rows scaled across lanes */
            REAL *c = mn;
            if (w != NULL) {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    c[i] = (REAL)((double)w[r0 + i] / su[i]);
            } else {
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    c[i] = (REAL)(1.0 / su[i]);
            }
            for (smx_int k = 0; k < K; k++) {
                REAL *t = T + k * ld;
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    t[i] *= c[i];
            }
        }
        if (mode == SMX_ROWS_LOGSOFTMAX) {
            /* (z - shift) - log(sum), in REAL, as smx_block_log_softmax */
            double ls[SMX_NARROW_ROWS];
            REAL *c = mn;
            smx_log_array(su, nr, ls);
#pragma omp simd
            for (smx_int i = 0; i < nr; i++)
                c[i] = (REAL)ls[i];
            for (smx_int k = 0; k < K; k++) {
                REAL *t = T + k * ld;
#pragma omp simd
                for (smx_int i = 0; i < nr; i++)
                    t[i] = (t[i] - mx[i]) - c[i];
            }
        }
        if (mode != SMX_ROWS_SUM)
            SMX_FN(smx_narrow_store)(E + r0 * K, T, ld, nr, K);
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
    SMX_FN(smx_block_exp_impl)(Z, rows, K, finite_shift, E, shift, sum, SMX_ROWS_EXP, NULL);
}

/* As smx_block_exp, for callers that need only shift and sum: E is scratch
 * of (rows, K) whose content on return is unspecified; it must not alias Z. */
static SMX_CLONES void SMX_FN(smx_block_sumexp)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    REAL *E,            /* SCRATCH (rows, K) */
    double *shift,      /* OUT (rows,) */
    double *sum)        /* OUT (rows,) */
{
    SMX_FN(smx_block_exp_impl)(Z, rows, K, finite_shift, E, shift, sum, SMX_ROWS_SUM, NULL);
}

/* As smx_block_exp, but E[i, k] = exp(Z[i, k] - shift[i]) * c_i with
 * c_i = (REAL)(w[i] / sum[i]) (w = NULL: (REAL)(1 / sum[i])), rounded as
 * smx_block_exp followed by a scaling: with w = NULL, the probabilities of
 * smx_block_exp + smx_block_normalize, bit for bit. */
static SMX_CLONES void SMX_FN(smx_block_softmax)(
    const REAL *Z, smx_int rows, smx_int K, int finite_shift,
    const REAL *w,      /* IN (rows,) row weights or NULL */
    REAL *E,            /* OUT (rows, K) */
    double *shift,      /* OUT (rows,) */
    double *sum)        /* OUT (rows,) */
{
    SMX_FN(smx_block_exp_impl)(Z, rows, K, finite_shift, E, shift, sum, SMX_ROWS_SCALED, w);
}

/* Row-wise logsumexp of a block: out[i] = (REAL)(shift[i] + log(sum[i]))
 * with shift and sum as smx_block_exp with finite_shift; on return sum[i]
 * holds log(sum[i]).  E is scratch of (rows, K), not aliasing Z. */
static SMX_CLONES void SMX_FN(smx_block_logsumexp)(
    const REAL *Z, smx_int rows, smx_int K,
    REAL *out,          /* OUT (rows,) */
    REAL *E,            /* SCRATCH (rows, K) */
    double *shift,      /* SCRATCH (rows,) */
    double *sum)        /* SCRATCH (rows,) */
{
    SMX_FN(smx_block_exp_impl)(Z, rows, K, 1, E, shift, sum, SMX_ROWS_SUM, NULL);
    smx_log_array(sum, rows, sum);
#pragma omp simd
    for (smx_int i = 0; i < rows; i++)
        out[i] = (REAL)(shift[i] + sum[i]);
}

/* Row-wise log-softmax of a block: out[i, k] = (Z[i, k] - m_i) - l_i in
 * REAL, with m_i = (REAL)shift[i] and l_i = (REAL)log(sum[i]) (shift and
 * sum as smx_block_exp with finite_shift): z - m <= 0 <= l (or a term is
 * infinite or NaN), so the subtraction never cancels and each rounding
 * costs at most half an ulp of the result.  E is scratch of (rows, K), not
 * aliasing Z; out may alias Z. */
static SMX_CLONES void SMX_FN(smx_block_log_softmax)(
    const REAL *Z, smx_int rows, smx_int K,
    REAL *out,          /* OUT (rows, K) */
    REAL *E,            /* SCRATCH (rows, K) */
    double *shift,      /* OUT (rows,) */
    double *sum)        /* OUT (rows,) */
{
    if (K < SMX_FUSED_MIN_K) {
        SMX_FN(smx_block_exp_impl)(Z, rows, K, 1, out, shift, sum, SMX_ROWS_LOGSOFTMAX, NULL);
        return;
    }
    SMX_FN(smx_block_exp_impl)(Z, rows, K, 1, E, shift, sum, SMX_ROWS_SUM, NULL);
    for (smx_int i = 0; i < rows; i++) {
        const REAL m = (REAL)shift[i];
        const REAL ls = (REAL)log(sum[i]);
        const REAL *z = Z + i * K;
        REAL *o = out + i * K;
#pragma omp simd
        for (smx_int k = 0; k < K; k++)
            o[k] = (z[k] - m) - ls;
    }
}

/* sum[i] <- log(sum[i]) for i < rows, vectorised (smx_log_array). */
static SMX_CLONES void SMX_FN(smx_block_log)(double *sum, smx_int rows)
{
    smx_log_array(sum, rows, sum);
}

/* Scale each row of E by 1 / sum[i] in place: exponentials -> probabilities. */
static SMX_CLONES void SMX_FN(smx_block_normalize)(
    REAL *E, smx_int rows, smx_int K, const double *sum)
{
    SMX_FN(smx_rows_scale)(E, rows, K, sum);
}

#undef SMX_EXP_FAST
#undef SMX_EXP_FAST_LO
#undef SMX_EXP_FAST_HI
