/* Binary logistic loss, gradient, Hessian and Hessian products (see
 * smx_binary.h), instantiated for float/double and, for CSR, int32/int64
 * indices. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smx_binary.h"
#include "smx_blas.h"
#include "smx_config.h"
#include "smx_driver.h"
#include "smx_math.h"
#include "smx_omp.h"

/* Rows per dense block of the loss/gradient pass: a block of X, its scores
 * and residuals stay in L2 between the forward and backward sweeps (the
 * multinomial kernels' 256 KB). */
#ifndef SMX_BIN_XBLOCK_BYTES
#define SMX_BIN_XBLOCK_BYTES (256 * 1024)
#endif
/* Rows per CSR block: amortises the per-block overhead; rows are short. */
#ifndef SMX_BIN_CSR_ROWS
#define SMX_BIN_CSR_ROWS 256
#endif
/* Groups: at most this many, at most SMX_BIN_GROUP_BYTES of accumulators in
 * all, at least two (two threads have work), a power of two; the same rule
 * as smx_lossgrad_n_groups. */
#define SMX_BIN_MAX_GROUPS 32
#ifndef SMX_BIN_GROUP_BYTES
#define SMX_BIN_GROUP_BYTES (8 * 1024 * 1024)
#endif

smx_int smx_binary_n_groups(smx_int n_blocks, smx_int buffer_doubles)
{
    smx_int bytes = (buffer_doubles > 0 ? buffer_doubles : 1) * (smx_int)sizeof(double);
    smx_int g = SMX_BIN_GROUP_BYTES / bytes;
    if (g > SMX_BIN_MAX_GROUPS)
        g = SMX_BIN_MAX_GROUPS;
    if (g < 2)
        g = 2;
    smx_int pow2 = 1;
    while (pow2 * 2 <= g)
        pow2 *= 2;
    g = pow2;
    if (g > n_blocks)
        g = n_blocks;
    return g > 0 ? g : 1;
}

/* Add the groups' accumulators in group order into out (width doubles). */
static void smx_bin_sum_groups(const smx_groups *gr, double *out)
{
    for (smx_int g = 0; g < gr->ng; g++) {
        const double *a = smx_groups_acc(gr, g);
        for (smx_int j = 0; j < gr->width; j++)
            out[j] += a[j];
    }
}

/* H (p, p) from its lower triangle (row >= column, C order): the upper one
 * mirrored. */
static void smx_bin_mirror(double *H, smx_int p)
{
    for (smx_int r = 0; r < p; r++)
        for (smx_int c = r + 1; c < p; c++)
            H[r * p + c] = H[c * p + r];
}

/* The layout-free step of a block, in double: with the scores z (rows,) in
 * place, either (hw != NULL) r_i = hw_i u_i with u = z the products x~_i.v,
 * returning 0; or the residual r_i = s_i (sigma(z_i) - y_i) and the block's
 * loss sum_i s_i (log1p(exp(-|z_i|)) + max(t_i, 0)), t_i = (1 - 2 y_i) z_i
 * (= max(z, 0) - y z for y in {0, 1}, and finite-safe for infinite z).
 * log1p(e) = log(u) - ((u - 1) - e) / u with u = 1 + e (exact rounding
 * correction; e <= 1, so u is in [1, 2] where smx_log_f64 is valid). */
static SMX_CLONES double smx_bin_block_step(const double *restrict z, double *restrict r,
                                            smx_int rows, const int64_t *restrict y,
                                            const double *restrict s, const double *hw,
                                            int want_res)
{
    if (hw != NULL) {
#pragma omp simd
        for (smx_int i = 0; i < rows; i++)
            r[i] = hw[i] * z[i];
        return 0.0;
    }
    double loss = 0.0;
#pragma omp simd reduction(+:loss)
    for (smx_int i = 0; i < rows; i++) {
        const double zi = z[i], yi = (double)y[i];
        const double e = smx_exp_f64(-fabs(zi));
        const double u = 1.0 + e;
        const double l1p = smx_log_f64(u) - ((u - 1.0) - e) / u;
        const double t = (1.0 - 2.0 * yi) * zi;
        loss += s[i] * (l1p + (t > 0.0 ? t : 0.0));
        const double prob = (zi >= 0.0 ? 1.0 : e) / u;
        if (want_res)
            r[i] = s[i] * (prob - yi);
    }
    return loss;
}

#define SMX_REAL_BODY "smx_binary_body.h"
#define SMX_CSR_BODY "smx_binary_body.h"
#include "smx_template.h"
