/* The skeleton every kernel driver shares, written once: thread counts, row
 * blocks and groups, per-thread scratch with its out-of-memory status, the
 * stop flag's status and sums in a fixed order (csrc/README.md, "Drivers").
 *
 * A driver splits its rows into blocks whose size depends on the problem
 * only, runs one OpenMP parallel region, and in it
 *
 *     smx_scratch s;                         // per-thread buffers
 *     const int ok = smx_scratch_alloc(&s, &status, bytes0, bytes1, 0, 0);
 *     #pragma omp for ...
 *     for (smx_int b = 0; b < nb; b++) {
 *         if (!ok)                           // reach the barrier, do nothing
 *             continue;
 *         const smx_int i0 = b * bs, rows = smx_block_len(n, bs, i0);
 *         ...                                // partial[b] = the block's sum
 *     }
 *     smx_scratch_free(&s);
 *
 * then sums the per-block partials in block order (smx_sum_in_order), so
 * that the result does not depend on the thread count.  Drivers whose
 * partials are large (a gradient per block would be) sum blocks into a fixed
 * number of groups instead (smx_groups).
 */
#ifndef SMX_DRIVER_H
#define SMX_DRIVER_H

#include <stdlib.h>

#include "smx_config.h"
#include "smx_omp.h"

/* Threads actually used: at least 1, at most one per block of work. */
static inline int smx_clamp_threads(int n_threads, smx_int n_blocks)
{
    if (n_threads < 1)
        n_threads = 1;
    if ((smx_int)n_threads > n_blocks)
        n_threads = n_blocks > 0 ? (int)n_blocks : 1;
    return n_threads;
}

/* Blocks of bs rows (the last one shorter) covering n rows. */
static inline smx_int smx_n_blocks(smx_int n, smx_int bs)
{
    return (n + bs - 1) / bs;
}

/* Rows of the block that starts at row i0: bs, or what is left of n. */
static inline smx_int smx_block_len(smx_int n, smx_int bs, smx_int i0)
{
    return n - i0 < bs ? n - i0 : bs;
}

/* First block of row group r out of R groups over nb blocks: the groups
 * depend only on the problem size, never on the thread count, so sums over
 * groups in group order do not either. */
static inline smx_int smx_group_start(smx_int r, smx_int R, smx_int nb)
{
    return (r * nb) / R;
}

/* x[0], x[stride], ..., x[(count - 1) stride] summed in that order: the
 * partial sums of blocks or groups, whatever thread computed them. */
static inline double smx_sum_in_order(const double *x, smx_int count, smx_int stride)
{
    double total = 0.0;
    for (smx_int j = 0; j < count; j++)
        total += x[j * stride];
    return total;
}

/* Group buffers: the blocks are split into ng groups (smx_group_start) that
 * depend only on the problem size; one thread sums a group's blocks in block
 * order into the group's own buffers, and the groups are summed in group
 * order afterwards.  Per group: a loss and, when width > 0, an accumulator of
 * width doubles; all zeroed. */
typedef struct {
    smx_int ng, width;
    double *loss;   /* (ng,) */
    double *acc;    /* (ng, width), or NULL when width == 0 */
} smx_groups;

/* SMX_OK, or SMX_ENOMEM (then smx_groups_free still applies). */
static inline int smx_groups_alloc(smx_groups *g, smx_int ng, smx_int width)
{
    g->ng = ng;
    g->width = width;
    g->loss = calloc((size_t)ng, sizeof(double));
    g->acc = width > 0 ? calloc((size_t)ng * width, sizeof(double)) : NULL;
    return g->loss == NULL || (width > 0 && g->acc == NULL) ? SMX_ENOMEM : SMX_OK;
}

/* The accumulator of group r (NULL without one). */
static inline double *smx_groups_acc(const smx_groups *g, smx_int r)
{
    return g->acc != NULL ? g->acc + r * g->width : NULL;
}

/* The groups' losses summed in group order. */
static inline double smx_groups_loss(const smx_groups *g)
{
    return smx_sum_in_order(g->loss, g->ng, 1);
}

static inline void smx_groups_free(smx_groups *g)
{
    free(g->loss);
    free(g->acc);
}

/* Per-thread scratch: up to SMX_SCRATCH_MAX buffers, allocated by each thread
 * inside the parallel region (so that they sit near that thread's core and
 * nothing is shared) and freed there by smx_scratch_free. */
#define SMX_SCRATCH_MAX 4
typedef struct {
    void *buf[SMX_SCRATCH_MAX];
} smx_scratch;

/* Allocates buffer j with bytes_j bytes, or leaves it NULL when bytes_j is 0
 * (a buffer the mode does not need).  Returns 1 when every requested buffer
 * was allocated; otherwise stores SMX_ENOMEM into the shared *status (an
 * atomic write: several threads may fail at once) and returns 0, and the
 * thread then skips its share of the work-shared loop but still reaches the
 * loop's barrier and frees what it got. */
static inline int smx_scratch_alloc(smx_scratch *s, int *status, size_t bytes0,
                                    size_t bytes1, size_t bytes2, size_t bytes3)
{
    const size_t bytes[SMX_SCRATCH_MAX] = {bytes0, bytes1, bytes2, bytes3};
    int ok = 1;
    for (int j = 0; j < SMX_SCRATCH_MAX; j++) {
        s->buf[j] = bytes[j] > 0 ? malloc(bytes[j]) : NULL;
        ok = ok && (bytes[j] == 0 || s->buf[j] != NULL);
    }
    if (!ok) {
#pragma omp atomic write
        *status = SMX_ENOMEM;
    }
    return ok;
}

static inline void smx_scratch_free(smx_scratch *s)
{
    for (int j = 0; j < SMX_SCRATCH_MAX; j++)
        free(s->buf[j]);
}

/* The status after a region that polls the stop flag: SMX_EINTR when the
 * work stopped early (the outputs are then unspecified), else status. */
static inline int smx_stop_status(int status, const smx_stop_flag *stop)
{
    return status == SMX_OK && SMX_STOPPED(stop) ? SMX_EINTR : status;
}

#endif
