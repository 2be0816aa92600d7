/* Type-generic body of smx_softmax.c: its SMX_REAL_BODY, included once per
 * REAL by smx_template.h (csrc/README.md, "Templates"). */

#include "smx_blocks.h"

/* The exponentials of smx_math.h over an array, exactly as the kernels
 * vectorise them (fast = 1: the restricted-range fast version; fast = 0: the
 * full-range one).  Not used by the kernels: tests/kernels/test_exp.py calls
 * these through ctypes to measure their accuracy against np.exp in ulps. */
SMX_CLONES void SMX_FN(smx_exp_array)(const REAL *x, smx_int n, REAL *out, int fast)
{
    if (fast) {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = SMX_FN(smx_exp_fast)(x[j]);
    } else {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = SMX_EXP(x[j]);
    }
}

/* Rows per block: about SMX_BLOCK_ELEMS elements, at least one row; for
 * narrow rows a multiple of SMX_NARROW_ALIGN, so that the transposed
 * sub-blocks have no scalar remainders (1M x 10: 3-5% faster). */
static smx_int SMX_FN(smx_sm_block_rows)(smx_int K)
{
    smx_int rows = SMX_BLOCK_ELEMS / (K > 0 ? K : 1);
    if (K < SMX_FUSED_MIN_K)
        rows = rows / SMX_NARROW_ALIGN * SMX_NARROW_ALIGN;
    return rows > 0 ? rows : 1;
}

/* Blocks per scheduling chunk: chunks span about 2 MiB of output, so that
 * two threads rarely write (and page-fault) into the same transparent huge
 * page of a fresh output at once, which costs much kernel time; at least 8
 * chunks per thread remain for balance when a thread loses its core. */
static int SMX_FN(smx_sm_chunk_blocks)(smx_int block_elems, smx_int nb, int nt)
{
    smx_int c = ((smx_int)2 << 20) / ((smx_int)sizeof(REAL) * (block_elems > 0 ? block_elems : 1));
    smx_int cap = nb / (8 * (smx_int)nt);
    if (c > cap)
        c = cap;
    return c > 1 ? (int)c : 1;
}

/* The three row-wise transforms share one driver; `what` (SMX_LSE,
 * SMX_SOFTMAX, SMX_LOGSOFTMAX, see smx_softmax.c) selects the output. */
static int SMX_FN(smx_sm_rowwise)(const REAL *Z, smx_int n, smx_int K, REAL *out,
                               int n_threads, int what)
{
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_sm_block_rows)(K);
    const smx_int nb = smx_n_blocks(n, bs);
    const int nt = smx_clamp_threads(n_threads, nb);
    const int chunk = SMX_FN(smx_sm_chunk_blocks)(bs * K, nb, nt);
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        /* Blocks are handed out dynamically: on a shared machine a thread
         * that loses its core does not hold the other up at the end.
         * Per-thread scratch, one block's worth: row shifts and sums, and
         * the exponentials when they do not go straight into `out`. */
        smx_scratch s;
        const int ok = smx_scratch_alloc(
            &s, &status, 2 * (size_t)bs * sizeof(double),
            what == SMX_SOFTMAX ? 0 : (size_t)bs * K * sizeof(REAL), 0, 0);
        double *shift = s.buf[0];
        REAL *E = s.buf[1];
#pragma omp for schedule(dynamic, chunk)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            const REAL *Zb = Z + i0 * K;
            double *sum = shift + bs;
            if (b + 1 < nb && SMX_NARROW_TRANSPOSED(K, what == SMX_SOFTMAX)) {
                /* the next block's scores, while this one is worked on
                 * (measured: the transposed path gains 5-10% at 1M x 10,
                 * the flat one loses as much) */
                const smx_int rn = n - i0 - bs < bs ? n - i0 - bs : bs;
                smx_prefetch(Zb + bs * K, (size_t)(rn * K) * sizeof(REAL), 0);
            }
            if (what == SMX_SOFTMAX) {
                REAL *Pb = out + i0 * K;
                SMX_FN(smx_block_softmax)(Zb, rows, K, 0, NULL, Pb, shift, sum);
            } else {
                REAL *ob = what == SMX_LSE ? out + i0 : out + i0 * K;
                if (what == SMX_LSE)
                    SMX_FN(smx_block_logsumexp)(Zb, rows, K, ob, E, shift, sum);
                else
                    SMX_FN(smx_block_log_softmax)(Zb, rows, K, ob, E, shift, sum);
            }
        }
        smx_scratch_free(&s);
    }
    return status;
}

int SMX_FN(smx_logsumexp)(const REAL *Z, smx_int n, smx_int K, REAL *out, int n_threads)
{
    if (K <= 0) {   /* the log of an empty sum */
        for (smx_int i = 0; i < n; i++)
            out[i] = (REAL)-INFINITY;
        return SMX_OK;
    }
    return SMX_FN(smx_sm_rowwise)(Z, n, K, out, n_threads, SMX_LSE);
}

int SMX_FN(smx_softmax)(const REAL *Z, smx_int n, smx_int K, REAL *out, int n_threads)
{
    return SMX_FN(smx_sm_rowwise)(Z, n, K, out, n_threads, SMX_SOFTMAX);
}

int SMX_FN(smx_log_softmax)(const REAL *Z, smx_int n, smx_int K, REAL *out, int n_threads)
{
    return SMX_FN(smx_sm_rowwise)(Z, n, K, out, n_threads, SMX_LOGSOFTMAX);
}

int SMX_FN(smx_cross_entropy)(const REAL *Z, smx_int n, smx_int K, const int64_t *y,
                              const REAL *sw, REAL *R, double *loss, int n_threads)
{
    *loss = 0.0;
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_sm_block_rows)(K);
    const smx_int nb = smx_n_blocks(n, bs);
    const int nt = smx_clamp_threads(n_threads, nb);
    const int chunk = SMX_FN(smx_sm_chunk_blocks)(bs * K, nb, nt);
    double *partial = malloc((size_t)nb * sizeof(double));
    if (partial == NULL)
        return SMX_ENOMEM;
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        smx_scratch s;
        const int ok = smx_scratch_alloc(&s, &status, 2 * (size_t)bs * sizeof(double),
                                         R != NULL ? 0 : (size_t)bs * K * sizeof(REAL), 0, 0);
        double *shift = s.buf[0];
        REAL *E = s.buf[1];
#pragma omp for schedule(dynamic, chunk)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            const REAL *Zb = Z + i0 * K;
            REAL *Eb = R != NULL ? R + i0 * K : E;
            double *sum = shift + bs;
            double block_loss = 0.0;
            if (b + 1 < nb && SMX_NARROW_TRANSPOSED(K, R != NULL)) {
                const smx_int rn = n - i0 - bs < bs ? n - i0 - bs : bs;
                smx_prefetch(Zb + bs * K, (size_t)(rn * K) * sizeof(REAL), 0);
            }
            if (R != NULL)   /* the residual's s_i softmax(z_i) part */
                SMX_FN(smx_block_softmax)(Zb, rows, K, 1, sw != NULL ? sw + i0 : NULL,
                                          Eb, shift, sum);
            else
                SMX_FN(smx_block_sumexp)(Zb, rows, K, 1, Eb, shift, sum);
            SMX_FN(smx_block_log)(sum, rows);
            for (smx_int i = 0; i < rows; i++) {
                const int64_t yi = y[i0 + i];
                const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                /* logsumexp(z) - z_y = (shift - z_y) + log(sum) */
                block_loss += s * ((shift[i] - (double)Zb[i * K + yi]) + sum[i]);
            }
            if (R != NULL) {
                for (smx_int i = 0; i < rows; i++)
                    Eb[i * K + y[i0 + i]] -= sw != NULL ? sw[i0 + i] : (REAL)1;
            }
            partial[b] = block_loss;
        }
        smx_scratch_free(&s);
    }
    *loss = smx_sum_in_order(partial, nb, 1);
    free(partial);
    return status;
}

/* The objective's data term and its slope along a line, from scores alone.
 *
 * With Z_t = Z + t XD: loss = sum_i s_i (logsumexp(z_t,i) - z_t,i,y_i) and
 * slope = d loss / dt = sum_i s_i (softmax(z_t,i) . xd_i - xd_i,y_i), in
 * double, in one sweep over Z and XD: a line-search trial costs O(n K) and
 * allocates one cache-sized block per thread (no n x K temporary). */
int SMX_FN(smx_line_eval)(const REAL *Z, const REAL *XD, double t, smx_int n, smx_int K,
                          const int64_t *y, const REAL *sw, double *loss, double *slope,
                          int n_threads)
{
    *loss = 0.0;
    *slope = 0.0;
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_sm_block_rows)(K);
    const smx_int nb = smx_n_blocks(n, bs);
    const int nt = smx_clamp_threads(n_threads, nb);
    double *partial = malloc(2 * (size_t)nb * sizeof(double));
    if (partial == NULL)
        return SMX_ENOMEM;
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        /* shift, sum, the label's score z_t,i,y_i and softmax(z_t,i) . xd_i of
         * each row */
        smx_scratch s;
        const int ok = smx_scratch_alloc(&s, &status, 4 * (size_t)bs * sizeof(double),
                                         (size_t)bs * K * sizeof(REAL), 0, 0);
        double *shift = s.buf[0];
        REAL *E = s.buf[1];
#pragma omp for schedule(static)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
            const REAL *Zb = Z + i0 * K, *Db = XD + i0 * K;
            double *sum = shift + bs, *zy = shift + 2 * bs, *pd = shift + 3 * bs;
            double block_loss = 0.0, block_slope = 0.0;
            const smx_int len = rows * K;
            for (smx_int j = 0; j < len; j++)
                E[j] = (REAL)((double)Zb[j] + t * (double)Db[j]);
            for (smx_int i = 0; i < rows; i++)   /* before E turns into exponentials */
                zy[i] = (double)E[i * K + y[i0 + i]];
            SMX_FN(smx_block_exp)(E, rows, K, 1, E, shift, sum);
            for (smx_int i = 0; i < rows; i++) {
                const REAL *e = E + i * K, *d = Db + i * K;
                double ed = 0.0;
                for (smx_int k = 0; k < K; k++)
                    ed += (double)e[k] * (double)d[k];
                pd[i] = ed / sum[i];
            }
            /* the rows' logs vectorised, as the loss kernels do (a trial on
             * digits, 1,797 x 10, one thread: 50 -> 45 us) */
            SMX_FN(smx_block_log)(sum, rows);
            for (smx_int i = 0; i < rows; i++) {
                const int64_t yi = y[i0 + i];
                const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                /* per row, small terms: summing -z_y and logsumexp
                 * separately would cancel catastrophically near the optimum */
                block_loss += s * ((shift[i] - zy[i]) + sum[i]);
                block_slope += s * (pd[i] - (double)Db[i * K + yi]);
            }
            partial[2 * b] = block_loss;
            partial[2 * b + 1] = block_slope;
        }
        smx_scratch_free(&s);
    }
    *loss = smx_sum_in_order(partial, nb, 2);
    *slope = smx_sum_in_order(partial + 1, nb, 2);
    free(partial);
    return status;
}
