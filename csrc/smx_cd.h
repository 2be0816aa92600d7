/* Coordinate descent on an L1-penalised quadratic model (the inner solver of
 * proximal Newton, solvers/prox_newton.py).  Double precision only: the model
 * comes from the Hessian kernels, which assemble in double. */
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

#endif
