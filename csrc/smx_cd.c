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

/* The L1 model's coordinate update, for both kernels: the new d_j at
 * curvature hjj and model gradient r, with u = w_j + d_j.  Where hjj is zero
 * the coordinate moves only to zero, when the subgradient allows it; else it
 * stays (d_j returned).  A zero lands exactly on zero: d_j + (0 - u) can round
 * to w_j's negative plus an ulp, which leaves w_j + d_j = 1e-17, a non-zero. */
static double l1_coordinate(double hjj, double r, double w, double dj, double lam)
{
    const double u = w + dj;
    double u_new;
    if (hjj > 0.0) {
        u_new = soft_threshold(u - r / hjj, lam / hjj);
    } else if (lam > 0.0 && fabs(r) <= lam) {
        u_new = 0.0;
    } else {
        return dj;
    }
    return u_new == 0.0 ? -w : dj + (u_new - u);
}

/* The sweeps' stopping measure for one move: H_jj |delta_j| (|delta_j| where
 * H_jj is zero). */
static double coordinate_change(double hjj, double delta)
{
    return (hjj > 0.0 ? hjj : 1.0) * fabs(delta);
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
        const double d_new = l1_coordinate(hjj, g[j] + Hd[j], w[j], d[j], lam[j]);
        const double delta = d_new - d[j];
        if (delta == 0.0) continue;
        d[j] = d_new;
        for (smx_int i = 0; i < m; i++) Hd[i] += delta * Hj[i];
        const double moved = coordinate_change(hjj, delta);
        if (moved > change) change = moved;
    }
    return change;
}

/* glmnet's active-set scheme over any sweep: a sweep over every coordinate,
 * then sweeps over the non-zero (or unpenalised) ones until they settle, then
 * a full sweep again, until a full sweep changes nothing by more than tol. */
typedef double (*sweep_fn)(void *model, const smx_int *idx, smx_int n, double *d);

static int active_set_cd(sweep_fn run, void *model, const double *w, const double *lam,
                         const smx_int *coords, smx_int n_coords, smx_int max_sweeps,
                         double tol, double *d, smx_int *sweeps_out, double *change_out)
{
    smx_int sweeps = 0;
    double change = 0.0;
    smx_int *active = malloc((size_t)(n_coords > 0 ? n_coords : 1) * sizeof(smx_int));
    if (active == NULL) return SMX_ENOMEM;
    while (sweeps < max_sweeps) {
        change = run(model, coords, n_coords, d);
        sweeps++;
        if (change <= tol) break;
        smx_int n_active = 0;
        for (smx_int t = 0; t < n_coords; t++) {
            const smx_int j = coords[t];
            if (lam[j] == 0.0 || w[j] + d[j] != 0.0) active[n_active++] = j;
        }
        while (sweeps < max_sweeps) {
            const double inner = run(model, active, n_active, d);
            sweeps++;
            if (inner <= tol) break;
        }
    }
    free(active);
    *sweeps_out = sweeps;
    *change_out = change;
    return SMX_OK;
}

typedef struct {
    smx_int m;
    const double *H, *g, *w, *lam;
    double *Hd;
} explicit_model;

static double explicit_sweep(void *model, const smx_int *idx, smx_int n, double *d)
{
    const explicit_model *q = model;
    return sweep(q->m, q->H, q->g, q->w, q->lam, idx, n, d, q->Hd);
}

int smx_cd_l1(smx_int m, const double *H, const double *g, const double *w,
              const double *lam, const smx_int *coords, smx_int n_coords,
              smx_int max_sweeps, double tol, double *d, double *Hd,
              smx_int *sweeps_out, double *change_out)
{
    explicit_model q = {m, H, g, w, lam, Hd};
    return active_set_cd(explicit_sweep, &q, w, lam, coords, n_coords, max_sweeps, tol, d,
                         sweeps_out, change_out);
}


/* Coordinate descent on the same model with H never formed (score space).
 *
 * The model of proximal Newton at probabilities P (n x K) is
 *
 *     q(d) = g.d + (1/2) sum_i s_i u_i^T (diag(p_i) - p_i p_i^T) u_i
 *            + (1/2) sum_j c_j d_j^2 + sum_j lam_j |w_j + d_j| ,
 *
 * u_i the scores of the step on row i (u_ic = x~_i . d_r for the class c
 * = cls[r] of coefficient row r, 0 for a class with no row), s_i the
 * normalised sample weights and c_j the penalty's diagonal Hessian.  The
 * state is U = X~ D (n x R) and T_i = sum_r p_i,cls[r] U_ir; the model's
 * gradient along coordinate (r, j) is
 *
 *     g_rj + sum_i s_i x~_ij p_ic (U_ir - T_i) + c_rj d_rj,
 *
 * its curvature sum_i s_i x~_ij^2 p_ic (1 - p_ic) + c_rj, and a step delta
 * adds delta x~_ij to U_ir and delta x~_ij p_ic to T_i: O(nnz of column j)
 * per coordinate, X~ read by columns (CSC; the intercept, column `ncols`,
 * is the constant 1), never an m x m matrix.  Coordinate (r, j) is flat
 * index r * p + j, p = ncols + intercept, as coef.ravel(). */
typedef struct {
    smx_int n, K, R, ncols, p;
    const double *data;
    const smx_int *indices, *indptr;
    const double *s, *P;
    const smx_int *cls;
    const double *g, *w, *lam, *c;
    double *U, *T, *curv;  /* curv: each coordinate's curvature, < 0 until computed */
} scores_model;

static double scores_curvature(const scores_model *q, smx_int r, smx_int j)
{
    const smx_int k = q->cls[r];
    double h = 0.0;
    if (j == q->ncols) {
        for (smx_int i = 0; i < q->n; i++) {
            const double pk = q->P[i * q->K + k];
            h += q->s[i] * pk * (1.0 - pk);
        }
    } else {
        for (smx_int t = q->indptr[j]; t < q->indptr[j + 1]; t++) {
            const smx_int i = q->indices[t];
            const double pk = q->P[i * q->K + k];
            h += q->s[i] * q->data[t] * q->data[t] * pk * (1.0 - pk);
        }
    }
    return h;
}

static double scores_sweep(void *model, const smx_int *idx, smx_int n_idx, double *d)
{
    scores_model *q = model;
    const smx_int K = q->K, R = q->R;
    double change = 0.0;
    for (smx_int t = 0; t < n_idx; t++) {
        const smx_int flat = idx[t];
        const smx_int r = flat / q->p, j = flat % q->p, k = q->cls[r];
        const int intercept = j == q->ncols;
        if (q->curv[flat] < 0.0) q->curv[flat] = scores_curvature(q, r, j);
        const double hjj = q->curv[flat] + q->c[flat];
        double grad = q->g[flat] + q->c[flat] * d[flat];
        if (intercept) {
            for (smx_int i = 0; i < q->n; i++)
                grad += q->s[i] * q->P[i * K + k] * (q->U[i * R + r] - q->T[i]);
        } else {
            for (smx_int a = q->indptr[j]; a < q->indptr[j + 1]; a++) {
                const smx_int i = q->indices[a];
                grad += q->s[i] * q->data[a] * q->P[i * K + k] * (q->U[i * R + r] - q->T[i]);
            }
        }
        const double d_new = l1_coordinate(hjj, grad, q->w[flat], d[flat], q->lam[flat]);
        const double delta = d_new - d[flat];
        if (delta == 0.0) continue;
        d[flat] = d_new;
        if (intercept) {
            for (smx_int i = 0; i < q->n; i++) {
                q->U[i * R + r] += delta;
                q->T[i] += delta * q->P[i * K + k];
            }
        } else {
            for (smx_int a = q->indptr[j]; a < q->indptr[j + 1]; a++) {
                const smx_int i = q->indices[a];
                q->U[i * R + r] += delta * q->data[a];
                q->T[i] += delta * q->data[a] * q->P[i * K + k];
            }
        }
        const double moved = coordinate_change(hjj, delta);
        if (moved > change) change = moved;
    }
    return change;
}

int smx_cd_l1_scores(smx_int n, smx_int K, smx_int R, smx_int ncols, int intercept,
                     const double *data, const smx_int *indices, const smx_int *indptr,
                     const double *s, const double *P, const smx_int *cls,
                     const double *g, const double *w, const double *lam, const double *c,
                     const smx_int *coords, smx_int n_coords, smx_int max_sweeps, double tol,
                     double *d, double *U, double *T,
                     smx_int *sweeps_out, double *change_out)
{
    const smx_int p = ncols + (intercept ? 1 : 0), m = R * p;
    double *curv = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
    if (curv == NULL) return SMX_ENOMEM;
    for (smx_int j = 0; j < m; j++) curv[j] = -1.0;
    scores_model q = {n, K, R, ncols, p, data, indices, indptr, s, P, cls, g, w, lam, c,
                      U, T, curv};
    const int status = active_set_cd(scores_sweep, &q, w, lam, coords, n_coords, max_sweeps,
                                     tol, d, sweeps_out, change_out);
    free(curv);
    return status;
}


/* Block coordinate descent for the group lasso across classes:
 *
 *     q(d) = g.d + d.H d / 2 + sum_G glam_G ||w_G + d_G||_2 ,
 *
 * group G = the coordinates groups[G * group_size .. + group_size) (a
 * feature's coefficients in every class), plus unpenalised coordinates
 * `unpenalised` (the intercepts) updated one at a time as in smx_cd_l1.  The exact
 * block minimiser has no closed form (H_GG is not diagonal), so each block
 * takes the proximal step of the model majorised by L_G I (L_G >= the
 * largest eigenvalue of H_GG, `lipschitz`), which decreases q:
 *
 *     z = u - r / L_G,   u' = z max(0, 1 - glam_G / (L_G ||z||)),
 *
 * u = w_G + d_G, r = g_G + (H d)_G.  Sweeps over all groups, then over the
 * non-zero ones until they settle, as in smx_cd_l1; the change of a block is
 * L_G ||u' - u||_inf. */
static double group_sweep(smx_int m, const double *H, const double *g, const double *w,
                          const smx_int *groups, const smx_int *which, smx_int n_which,
                          smx_int gs, const double *glam, const double *lipschitz,
                          double *d, double *Hd, double *step)
{
    double change = 0.0;
    for (smx_int t = 0; t < n_which; t++) {
        const smx_int G = which[t];
        const smx_int *idx = groups + G * gs;
        const double L = lipschitz[G];
        if (!(L > 0.0)) continue;
        double norm2 = 0.0;
        for (smx_int a = 0; a < gs; a++) {
            const smx_int j = idx[a];
            const double z = w[j] + d[j] - (g[j] + Hd[j]) / L;
            step[a] = z;
            norm2 += z * z;
        }
        const double norm = sqrt(norm2);
        const double scale = norm > glam[G] / L ? 1.0 - glam[G] / (L * norm) : 0.0;
        double moved = 0.0;
        for (smx_int a = 0; a < gs; a++) {
            const smx_int j = idx[a];
            /* a zeroed group lands exactly on zero (as in sweep) */
            const double d_new = scale == 0.0 ? -w[j] : d[j] + (scale * step[a] - (w[j] + d[j]));
            const double delta = d_new - d[j];
            step[a] = delta;
            if (fabs(delta) > moved) moved = fabs(delta);
        }
        if (moved == 0.0) continue;
        for (smx_int a = 0; a < gs; a++) {
            const smx_int j = idx[a];
            const double delta = step[a];
            if (delta == 0.0) continue;
            d[j] = scale == 0.0 ? -w[j] : d[j] + delta;
            const double *Hj = H + j * m;
            for (smx_int i = 0; i < m; i++) Hd[i] += delta * Hj[i];
        }
        if (L * moved > change) change = L * moved;
    }
    return change;
}

int smx_cd_group(smx_int m, const double *H, const double *g, const double *w,
                 const smx_int *groups, smx_int n_groups, smx_int group_size,
                 const double *glam, const double *lipschitz,
                 const smx_int *unpenalised, smx_int n_free,
                 smx_int max_sweeps, double tol, double *d, double *Hd,
                 smx_int *sweeps_out, double *change_out)
{
    smx_int sweeps = 0;
    double change = 0.0;
    smx_int *which = malloc((size_t)(n_groups > 0 ? n_groups : 1) * sizeof(smx_int));
    double *step = malloc((size_t)(group_size > 0 ? group_size : 1) * sizeof(double));
    double *zeros = calloc((size_t)(m > 0 ? m : 1), sizeof(double));
    if (which == NULL || step == NULL || zeros == NULL) {
        free(which); free(step); free(zeros);
        return SMX_ENOMEM;
    }
    smx_int n_all = n_groups;
    for (smx_int G = 0; G < n_groups; G++) which[G] = G;
    while (sweeps < max_sweeps) {
        for (smx_int G = 0; G < n_groups; G++) which[G] = G;
        change = group_sweep(m, H, g, w, groups, which, n_all, group_size, glam, lipschitz,
                             d, Hd, step);
        const double c_free = sweep(m, H, g, w, zeros, unpenalised, n_free, d, Hd);
        if (c_free > change) change = c_free;
        sweeps++;
        if (change <= tol) break;
        smx_int n_active = 0;
        for (smx_int G = 0; G < n_groups; G++) {
            const smx_int *idx = groups + G * group_size;
            int nonzero = 0;
            for (smx_int a = 0; a < group_size; a++) nonzero |= (w[idx[a]] + d[idx[a]] != 0.0);
            if (nonzero) which[n_active++] = G;
        }
        while (sweeps < max_sweeps) {
            double inner = group_sweep(m, H, g, w, groups, which, n_active, group_size, glam,
                                       lipschitz, d, Hd, step);
            const double c = sweep(m, H, g, w, zeros, unpenalised, n_free, d, Hd);
            if (c > inner) inner = c;
            sweeps++;
            if (inner <= tol) break;
        }
    }
    free(which); free(step); free(zeros);
    *sweeps_out = sweeps;
    *change_out = change;
    return SMX_OK;
}
