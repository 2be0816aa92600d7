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

/* glmnet's active-set scheme over any sweep: a sweep over every item (a
 * coordinate, or a block of them), then sweeps over the active ones (some
 * coordinate non-zero or unpenalised) until they settle, then a full sweep
 * again, until a full sweep changes nothing by more than tol. */
typedef double (*sweep_fn)(void *model, const smx_int *idx, smx_int n, double *d);
typedef int (*active_fn)(const void *model, smx_int item, const double *d);

static int active_set_cd(sweep_fn run, active_fn is_active, void *model,
                         const smx_int *items, smx_int n_items, smx_int max_sweeps,
                         double tol, double *d, smx_int *sweeps_out, double *change_out)
{
    smx_int sweeps = 0;
    double change = 0.0;
    smx_int *active = malloc((size_t)(n_items > 0 ? n_items : 1) * sizeof(smx_int));
    if (active == NULL) return SMX_ENOMEM;
    while (sweeps < max_sweeps) {
        change = run(model, items, n_items, d);
        sweeps++;
        if (change <= tol) break;
        smx_int n_active = 0;
        for (smx_int t = 0; t < n_items; t++)
            if (is_active(model, items[t], d)) active[n_active++] = items[t];
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

/* A coordinate that can move off its value in the active sweeps. */
static int coordinate_active(const double *w, const double *lam, const double *d, smx_int j)
{
    return lam[j] == 0.0 || w[j] + d[j] != 0.0;
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

static int explicit_active(const void *model, smx_int j, const double *d)
{
    const explicit_model *q = model;
    return coordinate_active(q->w, q->lam, d, j);
}

int smx_cd_l1(smx_int m, const double *H, const double *g, const double *w,
              const double *lam, const smx_int *coords, smx_int n_coords,
              smx_int max_sweeps, double tol, double *d, double *Hd,
              smx_int *sweeps_out, double *change_out)
{
    explicit_model q = {m, H, g, w, lam, Hd};
    return active_set_cd(explicit_sweep, explicit_active, &q, coords, n_coords, max_sweeps,
                         tol, d, sweeps_out, change_out);
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

static int scores_active(const void *model, smx_int j, const double *d)
{
    const scores_model *q = model;
    return coordinate_active(q->w, q->lam, d, j);
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
    const int status = active_set_cd(scores_sweep, scores_active, &q, coords, n_coords,
                                     max_sweeps, tol, d, sweeps_out, change_out);
    free(curv);
    return status;
}


/* The same score-space model by block coordinate descent over features: the
 * block of feature j is its R coefficients (r, j), r = 0..R-1 (the intercept
 * "column" ncols, the constant 1, is a block too).  Where smx_cd_l1_scores
 * reads column j once per coordinate and gathers U[i, r] and P[i, cls[r]]
 * one class at a time, a block reads the column twice per visit and each row
 * i's R values of U and Pc contiguously: once for the R gradients
 *
 *     gr_r = g_rj + c_rj d_rj + sum_i s_i x~_ij pc_ir (U_ir - T_i),
 *
 * once to add the block's step delta (U_ir += x~_ij delta_r, T_i += x~_ij
 * sum_r pc_ir delta_r).  Between the two the block's own model
 *
 *     gr.delta + delta.B_j delta / 2 + sum_r lam_rj |w_rj + d_rj + delta_r|
 *
 * is minimised by coordinate descent on its R x R Hessian B_j (the classes of
 * one feature are coupled through -p p^T; the block solves that coupling in
 * cache, the sweeps over features do the rest).  Pc (n x R) holds the
 * probabilities of the rows' classes, pc_ir = P[i, cls[r]], and
 * T_i = sum_r pc_ir U_ir.  The blocks come from smx_scores_blocks. */
typedef struct {
    smx_int n, R, ncols, p;
    const double *data;
    const smx_int *indices, *indptr;
    const double *s, *Pc, *B;
    const double *g, *w, *lam, *c;
    double *U, *T;
    double *grad, *dnew, *Bdelta;  /* R each: the visited block's work */
    double change_tol;             /* the outer tolerance (the blocks' own: a share) */
    const smx_int *all_rows;       /* 0..n-1 and n ones: the intercept's "column" */
    const double *ones;
} blocks_model;

/* Sweeps of a block's own model at most, and its tolerance as a share of the
 * outer one: the block is small and in cache, so it is solved nearly exactly
 * (a block that stays at zero costs one sweep). */
enum { BLOCK_SWEEPS = 50 };
static const double BLOCK_FORCING = 0.1;

/* The rows of block j and their values: the column's entries, or for the
 * intercept (j == ncols) every row with the value 1 (all_rows and ones). */
static smx_int block_rows(const blocks_model *q, smx_int j, const smx_int **rows,
                          const double **vals)
{
    if (j == q->ncols) {
        *rows = q->all_rows;
        *vals = q->ones;
        return q->n;
    }
    *rows = q->indices + q->indptr[j];
    *vals = q->data + q->indptr[j];
    return q->indptr[j + 1] - q->indptr[j];
}

static double blocks_sweep(void *model, const smx_int *idx, smx_int n_idx, double *d)
{
    blocks_model *q = model;
    const smx_int R = q->R, p = q->p;
    double *gr = q->grad, *dn = q->dnew, *Bd = q->Bdelta;
    double change = 0.0;
    for (smx_int t = 0; t < n_idx; t++) {
        const smx_int j = idx[t];
        const double *Bj = q->B + j * R * R;
        for (smx_int r = 0; r < R; r++) {
            gr[r] = q->g[r * p + j] + q->c[r * p + j] * d[r * p + j];
            dn[r] = d[r * p + j];
            Bd[r] = 0.0;
        }
        const smx_int *rows;
        const double *vals;
        const smx_int nnz = block_rows(q, j, &rows, &vals);
        for (smx_int a = 0; a < nnz; a++) {
            const smx_int i = rows[a];
            const double xs = q->s[i] * vals[a], Ti = q->T[i];
            const double *Pi = q->Pc + i * R, *Ui = q->U + i * R;
            for (smx_int r = 0; r < R; r++) gr[r] += xs * Pi[r] * (Ui[r] - Ti);
        }
        /* the block's model in delta = dn - d: gradient gr + B delta */
        double moved = 0.0;
        for (smx_int sweep_no = 0; sweep_no < BLOCK_SWEEPS; sweep_no++) {
            double inner = 0.0;
            for (smx_int r = 0; r < R; r++) {
                const smx_int flat = r * p + j;
                const double h = Bj[r * R + r];
                const double d_r = l1_coordinate(h, gr[r] + Bd[r], q->w[flat], dn[r],
                                                 q->lam[flat]);
                const double step = d_r - dn[r];
                if (step == 0.0) continue;
                dn[r] = d_r;
                for (smx_int k = 0; k < R; k++) Bd[k] += step * Bj[k * R + r];
                const double ch = coordinate_change(h, step);
                if (ch > inner) inner = ch;
            }
            if (inner > moved) moved = inner;
            if (inner <= BLOCK_FORCING * q->change_tol) break;
        }
        if (moved == 0.0) continue;
        /* delta into Bd's place: the block's step, and its change measure */
        double block_change = 0.0;
        for (smx_int r = 0; r < R; r++) {
            const smx_int flat = r * p + j;
            Bd[r] = dn[r] - d[flat];
            d[flat] = dn[r];  /* exactly: a zero lands on -w */
            const double ch = coordinate_change(Bj[r * R + r], Bd[r]);
            if (ch > block_change) block_change = ch;
        }
        for (smx_int a = 0; a < nnz; a++) {
            const smx_int i = rows[a];
            const double x = vals[a], *Pi = q->Pc + i * R;
            double *Ui = q->U + i * R;
            double dT = 0.0;
            for (smx_int r = 0; r < R; r++) {
                Ui[r] += x * Bd[r];
                dT += Pi[r] * Bd[r];
            }
            q->T[i] += x * dT;
        }
        if (block_change > change) change = block_change;
    }
    return change;
}

static int blocks_active(const void *model, smx_int j, const double *d)
{
    const blocks_model *q = model;
    for (smx_int r = 0; r < q->R; r++)
        if (coordinate_active(q->w, q->lam, d, r * q->p + j)) return 1;
    return 0;
}

/* 0..n-1 and n ones, the intercept block's rows and values (n = 0 without an
 * intercept: nothing is read). */
static int intercept_rows(smx_int n, smx_int **rows, double **ones)
{
    *rows = malloc((size_t)(n > 0 ? n : 1) * sizeof(smx_int));
    *ones = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (*rows == NULL || *ones == NULL) {
        free(*rows); free(*ones);
        return SMX_ENOMEM;
    }
    for (smx_int i = 0; i < n; i++) {
        (*rows)[i] = i;
        (*ones)[i] = 1.0;
    }
    return SMX_OK;
}

int smx_scores_blocks(smx_int n, smx_int R, smx_int ncols, int intercept,
                      const double *data, const smx_int *indices, const smx_int *indptr,
                      const double *s, const double *Pc, const double *c, double *B)
{
    const smx_int p = ncols + (intercept ? 1 : 0);
    smx_int *all_rows;
    double *ones;
    if (intercept_rows(intercept ? n : 0, &all_rows, &ones) != SMX_OK) return SMX_ENOMEM;
    const blocks_model q = {.n = n, .R = R, .ncols = ncols, .p = p, .data = data,
                            .indices = indices, .indptr = indptr, .all_rows = all_rows,
                            .ones = ones};
    for (smx_int j = 0; j < p; j++) {
        double *Bj = B + j * R * R;
        for (smx_int e = 0; e < R * R; e++) Bj[e] = 0.0;
        const smx_int *rows;
        const double *vals;
        const smx_int nnz = block_rows(&q, j, &rows, &vals);
        for (smx_int a = 0; a < nnz; a++) {  /* the lower triangle, mirrored below */
            const smx_int i = rows[a];
            const double wx = s[i] * vals[a] * vals[a];
            const double *Pi = Pc + i * R;
            for (smx_int r = 0; r < R; r++) {
                const double pr = wx * Pi[r];
                double *row = Bj + r * R;
                row[r] += pr;
                for (smx_int k = 0; k <= r; k++) row[k] -= pr * Pi[k];
            }
        }
        for (smx_int r = 0; r < R; r++) {
            Bj[r * R + r] += c[r * p + j];
            for (smx_int k = 0; k < r; k++) Bj[k * R + r] = Bj[r * R + k];
        }
    }
    free(all_rows);
    free(ones);
    return SMX_OK;
}

int smx_cd_l1_scores_blocks(smx_int n, smx_int R, smx_int ncols, int intercept,
                            const double *data, const smx_int *indices, const smx_int *indptr,
                            const double *s, const double *Pc, const double *B,
                            const double *g, const double *w, const double *lam,
                            const double *c, smx_int max_sweeps, double tol,
                            double *d, double *U, double *T,
                            smx_int *sweeps_out, double *change_out)
{
    const smx_int p = ncols + (intercept ? 1 : 0);
    double *work = malloc((size_t)(3 * R > 0 ? 3 * R : 1) * sizeof(double));
    smx_int *blocks = malloc((size_t)(p > 0 ? p : 1) * sizeof(smx_int));
    smx_int *all_rows = NULL;
    double *ones = NULL;
    int status = SMX_ENOMEM;
    if (work != NULL && blocks != NULL &&
        intercept_rows(intercept ? n : 0, &all_rows, &ones) == SMX_OK) {
        for (smx_int j = 0; j < p; j++) blocks[j] = j;
        blocks_model q = {n, R, ncols, p, data, indices, indptr, s, Pc, B, g, w, lam, c, U, T,
                          work, work + R, work + 2 * R, tol, all_rows, ones};
        status = active_set_cd(blocks_sweep, blocks_active, &q, blocks, p, max_sweeps, tol,
                               d, sweeps_out, change_out);
        free(all_rows);
        free(ones);
    }
    free(work);
    free(blocks);
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
