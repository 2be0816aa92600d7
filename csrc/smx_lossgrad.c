/* Fused multinomial loss and gradient kernels (see smx_lossgrad.h),
 * instantiated for float/double and, for CSR, int32/int64 indices. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "smx_blas.h"
#include "smx_config.h"
#include "smx_driver.h"
#include "smx_lossgrad.h"
#include "smx_math.h"
#include "smx_omp.h"

/* Bytes of X per dense row block: the block, its scores and residual stay in
 * L2 while the forward and backward products run (tuned by measurement on
 * Zen 4, 1 MB L2: 128-512 KB are within noise of each other). */
#ifndef SMX_LG_XBLOCK_BYTES
#define SMX_LG_XBLOCK_BYTES (256 * 1024)
#endif
/* Rows per CSR block: amortises the per-block overhead; rows are short. */
#ifndef SMX_LG_CSR_ROWS
#define SMX_LG_CSR_ROWS 256
#endif
#ifndef SMX_LG_PREFETCH
#define SMX_LG_PREFETCH 16
#endif
/* Gradient buffers: at most this many groups, and at most this many bytes
 * for all of them together, but at least two groups (a power of two).  Each
 * group starts from a zeroed buffer and the buffers are summed at the end,
 * so groups cost time when a buffer is large; too few groups leave threads
 * idle when one of them is slowed down (a shared machine: with 2 groups a
 * descheduled thread holds half the work).  CSR 50,000 x 20,000, K = 10
 * (1.6 MB buffers): 2 and 4 groups took the same CPU time on one thread
 * (15.6 ms), and on 2 threads under load 4 groups had the better minimum
 * (16.3 vs 23.9 ms wall).  Dense buffers are small (K (d + 1) doubles), so
 * dense problems get up to SMX_LG_MAX_GROUPS groups. */
#define SMX_LG_MAX_GROUPS 32
#ifndef SMX_LG_GROUP_BYTES
#define SMX_LG_GROUP_BYTES (8 * 1024 * 1024)
#endif

smx_int smx_lossgrad_n_groups(smx_int n_blocks, smx_int buffer_doubles)
{
    smx_int bytes = (buffer_doubles > 0 ? buffer_doubles : 1) * (smx_int)sizeof(double);
    smx_int g = SMX_LG_GROUP_BYTES / bytes;
    if (g > SMX_LG_MAX_GROUPS)
        g = SMX_LG_MAX_GROUPS;
    if (g < 2)   /* two groups whatever the size: two threads have work */
        g = 2;
    /* A power of two, so that 2, 4, 8... threads get equal shares. */
    smx_int pow2 = 1;
    while (pow2 * 2 <= g)
        pow2 *= 2;
    g = pow2;
    if (g > n_blocks)
        g = n_blocks;
    return g > 0 ? g : 1;
}

#define SMX_REAL_BODY "smx_lossgrad_body.h"
#define SMX_CSR_BODY "smx_lossgrad_body.h"
#include "smx_template.h"
