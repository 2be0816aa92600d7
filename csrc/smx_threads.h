/* Thread-count helper shared by the kernels. */
#ifndef SMX_THREADS_H
#define SMX_THREADS_H

#include "smx_config.h"

/* Threads actually used: at least 1, at most one per block of work. */
static inline int smx_clamp_threads(int n_threads, smx_int n_blocks)
{
    if (n_threads < 1)
        n_threads = 1;
    if ((smx_int)n_threads > n_blocks)
        n_threads = n_blocks > 0 ? (int)n_blocks : 1;
    return n_threads;
}

/* First block of row group r out of R groups over nb blocks: the groups
 * depend only on the problem size, never on the thread count, so sums over
 * groups in group order do not either. */
static inline smx_int smx_group_start(smx_int r, smx_int R, smx_int nb)
{
    return (r * nb) / R;
}

#endif
