/* Type-generic body of smx_softmax.c: include after defining REAL, SMX_FN
 * and SMX_EXP (see smx_softmax.c). */

#include "smx_rows_body.h"

/* Rows per block: about SMX_BLOCK_ELEMS elements, at least one row. */
static smx_int SMX_FN(smx_block_rows)(smx_int K)
{
    smx_int rows = SMX_BLOCK_ELEMS / (K > 0 ? K : 1);
    return rows > 0 ? rows : 1;
}

/* Blocks per scheduling chunk: chunks span about 2 MiB of output, so that
 * two threads rarely write (and page-fault) into the same transparent huge
 * page of a fresh output at once, which costs much kernel time; at least 8
 * chunks per thread remain for balance when a thread loses its core. */
static int SMX_FN(smx_chunk_blocks)(smx_int block_elems, smx_int nb, int nt)
{
    smx_int c = ((smx_int)2 << 20) / ((smx_int)sizeof(REAL) * (block_elems > 0 ? block_elems : 1));
    smx_int cap = nb / (8 * (smx_int)nt);
    if (c > cap)
        c = cap;
    return c > 1 ? (int)c : 1;
}

/* The three row-wise transforms share one driver; `what` (SMX_LSE,
 * SMX_SOFTMAX, SMX_LOGSOFTMAX, see smx_softmax.c) selects the output. */
static int SMX_FN(smx_rowwise)(const REAL *Z, smx_int n, smx_int K, REAL *out,
                               int n_threads, int what)
{
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_block_rows)(K);
    const smx_int nb = (n + bs - 1) / bs;
    const int nt = smx_clamp_threads(n_threads, nb);
    const int chunk = SMX_FN(smx_chunk_blocks)(bs * K, nb, nt);
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        /* Blocks are handed out dynamically: on a shared machine a thread
         * that loses its core does not hold the other up at the end.
         * Per-thread scratch, one block's worth: row shifts and sums, and
         * the exponentials when they do not go straight into `out`. */
        double *shift = malloc(2 * (size_t)bs * sizeof(double));
        REAL *E = what == SMX_SOFTMAX ? NULL : malloc((size_t)bs * K * sizeof(REAL));
        int ok = shift != NULL && (what == SMX_SOFTMAX || E != NULL);
        if (!ok) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(dynamic, chunk)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs;
            const smx_int rows = n - i0 < bs ? n - i0 : bs;
            const REAL *Zb = Z + i0 * K;
            double *sum = shift + bs;
            if (what == SMX_SOFTMAX) {
                REAL *Pb = out + i0 * K;
                SMX_FN(smx_block_exp)(Zb, rows, K, 0, Pb, shift, sum);
                SMX_FN(smx_block_normalize)(Pb, rows, K, sum);
            } else {
                /* Only the sums are needed: no exponentials are stored. */
                SMX_FN(smx_block_sumexp)(Zb, rows, K, 1, E, shift, sum);
                if (what == SMX_LSE) {
                    for (smx_int i = 0; i < rows; i++)
                        out[i0 + i] = (REAL)(shift[i] + log(sum[i]));
                } else {
                    for (smx_int i = 0; i < rows; i++) {
                        /* (z - shift) - log(sum), in REAL: z - shift <= 0
                         * <= log(sum) (or a term is infinite or NaN), so
                         * the subtraction never cancels and each rounding
                         * costs at most half an ulp of the result. */
                        const REAL m = (REAL)shift[i];
                        const REAL ls = (REAL)log(sum[i]);
                        const REAL *z = Zb + i * K;
                        REAL *o = out + (i0 + i) * K;
#pragma omp simd
                        for (smx_int k = 0; k < K; k++)
                            o[k] = (z[k] - m) - ls;
                    }
                }
            }
        }
        free(shift);
        free(E);
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
    return SMX_FN(smx_rowwise)(Z, n, K, out, n_threads, SMX_LSE);
}

int SMX_FN(smx_softmax)(const REAL *Z, smx_int n, smx_int K, REAL *out, int n_threads)
{
    return SMX_FN(smx_rowwise)(Z, n, K, out, n_threads, SMX_SOFTMAX);
}

int SMX_FN(smx_log_softmax)(const REAL *Z, smx_int n, smx_int K, REAL *out, int n_threads)
{
    return SMX_FN(smx_rowwise)(Z, n, K, out, n_threads, SMX_LOGSOFTMAX);
}

int SMX_FN(smx_cross_entropy)(const REAL *Z, smx_int n, smx_int K, const int64_t *y,
                              const REAL *sw, REAL *R, double *loss, int n_threads)
{
    *loss = 0.0;
    if (n <= 0 || K <= 0)
        return SMX_OK;
    const smx_int bs = SMX_FN(smx_block_rows)(K);
    const smx_int nb = (n + bs - 1) / bs;
    const int nt = smx_clamp_threads(n_threads, nb);
    const int chunk = SMX_FN(smx_chunk_blocks)(bs * K, nb, nt);
    double *partial = malloc((size_t)nb * sizeof(double));
    if (partial == NULL)
        return SMX_ENOMEM;
    int status = SMX_OK;

#pragma omp parallel num_threads(nt)
    {
        double *shift = malloc(2 * (size_t)bs * sizeof(double));
        REAL *E = R != NULL ? NULL : malloc((size_t)bs * K * sizeof(REAL));
        int ok = shift != NULL && (R != NULL || E != NULL);
        if (!ok) {
#pragma omp atomic write
            status = SMX_ENOMEM;
        }
#pragma omp for schedule(dynamic, chunk)
        for (smx_int b = 0; b < nb; b++) {
            if (!ok)
                continue;
            const smx_int i0 = b * bs;
            const smx_int rows = n - i0 < bs ? n - i0 : bs;
            const REAL *Zb = Z + i0 * K;
            REAL *Eb = R != NULL ? R + i0 * K : E;
            double *sum = shift + bs;
            double block_loss = 0.0;
            if (R != NULL)
                SMX_FN(smx_block_exp)(Zb, rows, K, 1, Eb, shift, sum);
            else
                SMX_FN(smx_block_sumexp)(Zb, rows, K, 1, Eb, shift, sum);
            for (smx_int i = 0; i < rows; i++) {
                const int64_t yi = y[i0 + i];
                const double s = sw != NULL ? (double)sw[i0 + i] : 1.0;
                /* logsumexp(z) - z_y = (shift - z_y) + log(sum) */
                block_loss += s * ((shift[i] - (double)Zb[i * K + yi]) + log(sum[i]));
            }
            if (R != NULL) {
                for (smx_int i = 0; i < rows; i++) {
                    const REAL s = sw != NULL ? sw[i0 + i] : (REAL)1;
                    const REAL scale = (REAL)(s / sum[i]);
                    REAL *r = Eb + i * K;
                    for (smx_int k = 0; k < K; k++)
                        r[k] *= scale;
                    r[y[i0 + i]] -= s;
                }
            }
            partial[b] = block_loss;
        }
        free(shift);
        free(E);
    }
    double total = 0.0;
    for (smx_int b = 0; b < nb; b++)   /* block order: independent of threads */
        total += partial[b];
    free(partial);
    *loss = total;
    return status;
}
