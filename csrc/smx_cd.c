/* Cyclic coordinate descent on q(d) = g.d + d.H d / 2 + sum_j lam_j |w_j + d_j|.
 *
 * H is symmetric positive semi-definite, m x m, row-major (row j is column
 * j, read contiguously); Hd = H d is kept up to date as d changes, so one
 * coordinate step costs O(m): the exact minimiser along coordinate j is a
 * soft-thresholding of the Newton step,
 *
 *     u = w_j + d_j,   r = g_j + (H d)_j,
 *     u' = S(u - r / H_jj, lam_j / H_jj),   S(z, a) = sign(z) max(|z| - a, 0).
 *
 * Sweeps follow glmnet's active-set scheme: one sweep over every coordinate
 * of `coords`, then sweeps over the non-zero (or unpenalised) ones only until
 * they settle, then a full sweep again; the run ends when a full sweep moves
 * no coordinate's gradient by more than `tol` (max_j H_jj |delta_j|, the
 * units of the outer solver's optimality tolerance) or after `max_sweeps`
 * sweeps in all.
 *
 * A coordinate with H_jj = 0 (a feature that is zero on every row with
 * weight) has a linear model: its minimiser is 0 when |r| <= lam_j and
 * unbounded otherwise; it is then left where it is (the outer line search
 * and the zero gradient of such a feature keep that from happening at a
 * penalised optimum). */
#include <math.h>
#include <stdlib.h>

#include "smx_cd.h"

static double soft_threshold(double z, double a)
{
    if (z > a) return z - a;
    if (z < -a) return z + a;
    return 0.0;
}

/* One sweep over idx[0..n); returns max_j H_jj |delta_j|. */
static double sweep(smx_int m, const double *H, const double *g, const double *w,
                    const double *lam, const smx_int *idx, smx_int n, double *d, double *Hd)
{
    double change = 0.0;
    for (smx_int t = 0; t < n; t++) {
        const smx_int j = idx[t];
        const double *Hj = H + j * m;
        const double hjj = Hj[j];
        const double r = g[j] + Hd[j];
        const double u = w[j] + d[j];
        double u_new;
        if (hjj > 0.0) {
            u_new = soft_threshold(u - r / hjj, lam[j] / hjj);
        } else if (lam[j] > 0.0 && fabs(r) <= lam[j]) {
            u_new = 0.0;
        } else {
            continue;
        }
        const double delta = u_new - u;
        if (delta == 0.0) continue;
        d[j] += delta;
        for (smx_int i = 0; i < m; i++) Hd[i] += delta * Hj[i];
        const double moved = (hjj > 0.0 ? hjj : 1.0) * fabs(delta);
        if (moved > change) change = moved;
    }
    return change;
}

int smx_cd_l1(smx_int m, const double *H, const double *g, const double *w,
              const double *lam, const smx_int *coords, smx_int n_coords,
              smx_int max_sweeps, double tol, double *d, double *Hd,
              smx_int *sweeps_out, double *change_out)
{
    smx_int sweeps = 0;
    double change = 0.0;
    smx_int *active = malloc((size_t)(n_coords > 0 ? n_coords : 1) * sizeof(smx_int));
    if (active == NULL) return SMX_ENOMEM;
    while (sweeps < max_sweeps) {
        change = sweep(m, H, g, w, lam, coords, n_coords, d, Hd);
        sweeps++;
        if (change <= tol) break;
        smx_int n_active = 0;
        for (smx_int t = 0; t < n_coords; t++) {
            const smx_int j = coords[t];
            if (lam[j] == 0.0 || w[j] + d[j] != 0.0) active[n_active++] = j;
        }
        while (sweeps < max_sweeps) {
            const double inner = sweep(m, H, g, w, lam, active, n_active, d, Hd);
            sweeps++;
            if (inner <= tol) break;
        }
    }
    free(active);
    *sweeps_out = sweeps;
    *change_out = change;
    return SMX_OK;
}
