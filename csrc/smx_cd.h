/* Coordinate descent on an L1-penalised quadratic model (the inner solver of
 * proximal Newton, solvers/prox_newton.py).  Double precision only: the model
 * comes from the Hessian kernels, which assemble in double (or, in score
 * space, from float64 probabilities and a float64 CSC copy of the working
 * set's columns). */
#ifndef SMX_CD_H
#define SMX_CD_H

#include "smx_config.h"

int smx_cd_l1(smx_int m, const double *H, const double *g, const double *w,
              const double *lam, const smx_int *coords, smx_int n_coords,
              smx_int max_sweeps, double tol, double *d, double *Hd,
              smx_int *sweeps_out, double *change_out);

int smx_cd_group(smx_int m, const double *H, const double *g, const double *w,
                 const smx_int *groups, smx_int n_groups, smx_int group_size,
                 const double *glam, const double *lipschitz,
                 const smx_int *unpenalised, smx_int n_free,
                 smx_int max_sweeps, double tol, double *d, double *Hd,
                 smx_int *sweeps_out, double *change_out);

/* The same model with H never formed: coordinate descent in score space over
 * the CSC columns of X (smx_cd.c, "score space"); U (n x R) and T (n) hold
 * X~ D and its probability-weighted row sums, consistent with d on entry. */
int smx_cd_l1_scores(smx_int n, smx_int K, smx_int R, smx_int ncols, int intercept,
                     const double *data, const smx_int *indices, const smx_int *indptr,
                     const double *s, const double *P, const smx_int *cls,
                     const double *g, const double *w, const double *lam, const double *c,
                     const smx_int *coords, smx_int n_coords, smx_int max_sweeps, double tol,
                     double *d, double *U, double *T,
                     smx_int *sweeps_out, double *change_out);

/* The same model by block coordinate descent, a feature's R coefficients a
 * block (smx_cd.c, "blocks"): Pc (n x R) the probabilities of the rows'
 * classes, B the blocks' R x R Hessians from smx_scores_blocks, (ncols +
 * intercept) x R x R. */
int smx_scores_blocks(smx_int n, smx_int R, smx_int ncols, int intercept,
                      const double *data, const smx_int *indices, const smx_int *indptr,
                      const double *s, const double *Pc, const double *c, double *B);

int smx_cd_l1_scores_blocks(smx_int n, smx_int R, smx_int ncols, int intercept,
                            const double *data, const smx_int *indices, const smx_int *indptr,
                            const double *s, const double *Pc, const double *B,
                            const double *g, const double *w, const double *lam,
                            const double *c, smx_int max_sweeps, double tol,
                            double *d, double *U, double *T,
                            smx_int *sweeps_out, double *change_out);

#endif
