"""Cython binding of the coordinate-descent kernel (csrc/smx_cd.c).

Checks every shape and index the C code assumes (sizes agree, coordinates in
range, penalties finite and >= 0), then runs the kernel without the GIL.
"""

from libc.stdint cimport int64_t
from libc.math cimport isfinite

import numpy as np

from softmax_ext._ext.status cimport SMX_OK, raise_status

cdef extern from "smx_cd.h" nogil:
    int smx_cd_l1(int64_t m, const double *H, const double *g, const double *w,
                  const double *lam, const int64_t *coords, int64_t n_coords,
                  int64_t max_sweeps, double tol, double *d, double *Hd,
                  int64_t *sweeps_out, double *change_out)
    int smx_cd_group(int64_t m, const double *H, const double *g, const double *w,
                     const int64_t *groups, int64_t n_groups, int64_t group_size,
                     const double *glam, const double *lipschitz,
                     const int64_t *free, int64_t n_free,
                     int64_t max_sweeps, double tol, double *d, double *Hd,
                     int64_t *sweeps_out, double *change_out)
    int smx_cd_l1_scores(int64_t n, int64_t K, int64_t R, int64_t ncols, int intercept,
                         const double *data, const int64_t *indices, const int64_t *indptr,
                         const double *s, const double *P, const int64_t *cls,
                         const double *g, const double *w, const double *lam, const double *c,
                         const int64_t *coords, int64_t n_coords, int64_t max_sweeps,
                         double tol, double *d, double *U, double *T,
                         int64_t *sweeps_out, double *change_out)


def _check_model(H, g, w, d, Hd, int64_t max_sweeps):
    """The shape checks both kernels need: H square, every vector of its size."""
    cdef int64_t m = H.shape[0]
    if H.shape[1] != m:
        raise ValueError(f"H must be square, got shape {(H.shape[0], H.shape[1])}.")
    for name, vec in (("g", g), ("w", w), ("d", d), ("Hd", Hd)):
        if vec.shape[0] != m:
            raise ValueError(f"{name} has {vec.shape[0]} entries, expected {m}.")
    if max_sweeps < 0:
        raise ValueError(f"max_sweeps must be >= 0, got {max_sweeps}.")


def _check_indices(name, const int64_t[::1] idx, int64_t m):
    cdef int64_t t
    for t in range(idx.shape[0]):
        if idx[t] < 0 or idx[t] >= m:
            raise ValueError(f"{name}[{t}] = {idx[t]} is outside [0, {m}).")


def _check_weights(name, const double[::1] lam):
    cdef int64_t t
    for t in range(lam.shape[0]):
        if not (isfinite(lam[t]) and lam[t] >= 0):
            raise ValueError(f"{name}[{t}] = {lam[t]} must be finite and >= 0.")


def cd_l1(const double[:, ::1] H,        # IN  (m, m) symmetric PSD
          const double[::1] g,            # IN  (m,) gradient of the smooth part
          const double[::1] w,            # IN  (m,) current coefficients
          const double[::1] lam,          # IN  (m,) L1 weights, 0 = unpenalised
          const int64_t[::1] coords,      # IN  (n_coords,) coordinates that move
          double[::1] d,                  # INOUT (m,) step
          double[::1] Hd,                 # INOUT (m,) H d, consistent with d on entry
          int64_t max_sweeps, double tol):
    """Minimise ``g.d + d.H d / 2 + sum_j lam_j |w_j + d_j|`` over ``d[coords]``.

    Returns
    -------
    sweeps : int
        Sweeps made.
    change : float
        ``max_j H_jj |delta_j|`` of the last full sweep (<= tol when converged).
    """
    cdef int64_t m = H.shape[0], n = coords.shape[0], sweeps = 0
    cdef double change = 0.0
    cdef int status
    _check_model(H, g, w, d, Hd, max_sweeps)
    if lam.shape[0] != m:
        raise ValueError(f"lam has {lam.shape[0]} entries, expected {m}.")
    _check_indices("coords", coords, m)
    _check_weights("lam", lam)
    if m == 0 or n == 0:
        return 0, 0.0
    with nogil:
        status = smx_cd_l1(m, &H[0, 0], &g[0], &w[0], &lam[0], &coords[0], n, max_sweeps,
                           tol, &d[0], &Hd[0], &sweeps, &change)
    raise_status(status, "coordinate descent")
    return int(sweeps), float(change)


def cd_group(const double[:, ::1] H,         # IN  (m, m) symmetric PSD
             const double[::1] g,             # IN  (m,)
             const double[::1] w,             # IN  (m,)
             const int64_t[:, ::1] groups,    # IN  (n_groups, group_size) coordinates
             const double[::1] glam,          # IN  (n_groups,) group penalty weights
             const double[::1] lipschitz,     # IN  (n_groups,) >= max eigenvalue of H_GG
             const int64_t[::1] free,         # IN  (n_free,) unpenalised coordinates
             double[::1] d,                   # INOUT (m,)
             double[::1] Hd,                  # INOUT (m,)
             int64_t max_sweeps, double tol):
    """Minimise ``g.d + d.H d / 2 + sum_G glam_G ||w_G + d_G||_2`` by block coordinate descent.

    Returns ``(sweeps, change)`` as :func:`cd_l1`.
    """
    cdef int64_t m = H.shape[0], G = groups.shape[0], gs = groups.shape[1], sweeps = 0
    cdef double change = 0.0
    cdef int status
    _check_model(H, g, w, d, Hd, max_sweeps)
    for name, vec in (("glam", glam), ("lipschitz", lipschitz)):
        if vec.shape[0] != G:
            raise ValueError(f"{name} has {vec.shape[0]} entries, expected {G} (one per group).")
    _check_indices("groups", np.asarray(groups).ravel(), m)
    _check_indices("free", free, m)
    _check_weights("glam", glam)
    _check_weights("lipschitz", lipschitz)
    if m == 0 or (G == 0 and free.shape[0] == 0):
        return 0, 0.0
    with nogil:
        status = smx_cd_group(m, &H[0, 0], &g[0], &w[0],
                              &groups[0, 0] if G > 0 and gs > 0 else NULL, G, gs,
                              &glam[0] if G > 0 else NULL, &lipschitz[0] if G > 0 else NULL,
                              &free[0] if free.shape[0] > 0 else NULL, free.shape[0],
                              max_sweeps, tol, &d[0], &Hd[0], &sweeps, &change)
    raise_status(status, "block coordinate descent")
    return int(sweeps), float(change)


def _check_csc(const double[::1] data, const int64_t[::1] indices, const int64_t[::1] indptr,
               int64_t n):
    """A canonical-enough CSC: indptr from 0, non-decreasing, ending at nnz; rows in [0, n)."""
    cdef int64_t j, ncols = indptr.shape[0] - 1
    if ncols < 0:
        raise ValueError("indptr must have at least one entry.")
    if indices.shape[0] != data.shape[0]:
        raise ValueError(f"indices has {indices.shape[0]} entries but data has {data.shape[0]}.")
    if indptr[0] != 0 or indptr[ncols] != data.shape[0]:
        raise ValueError(f"indptr must run from 0 to nnz = {data.shape[0]}.")
    for j in range(ncols):
        if indptr[j + 1] < indptr[j]:
            raise ValueError(f"indptr decreases at column {j}.")
    _check_indices("indices", indices, n)
    for j in range(data.shape[0]):
        if not isfinite(data[j]):
            raise ValueError(f"data[{j}] = {data[j]} is not finite.")


def cd_l1_scores(const double[::1] data,      # IN  CSC values of the working set's columns
                 const int64_t[::1] indices,  # IN  their rows
                 const int64_t[::1] indptr,   # IN  (ncols + 1,)
                 const double[::1] s,         # IN  (n,) normalised sample weights, >= 0
                 const double[:, ::1] P,      # IN  (n, K) probabilities of the model's point
                 const int64_t[::1] cls,      # IN  (R,) class of each coefficient row
                 const double[::1] g,         # IN  (m,) gradient, m = R (ncols + intercept)
                 const double[::1] w,         # IN  (m,) current coefficients
                 const double[::1] lam,       # IN  (m,) L1 weights
                 const double[::1] c,         # IN  (m,) the penalty's Hessian diagonal
                 const int64_t[::1] coords,   # IN  coordinates that move
                 double[::1] d,               # INOUT (m,) step
                 double[:, ::1] U,            # INOUT (n, R) X~ D
                 double[::1] T,               # INOUT (n,) sum_r P[:, cls[r]] U[:, r]
                 bint intercept, int64_t max_sweeps, double tol):
    """Minimise the proximal Newton model of :func:`cd_l1` with H never formed.

    The Hessian is the multinomial one at ``P`` over the CSC columns (plus a
    column of ones for the intercept) with sample weights ``s``, plus
    ``diag(c)``; coefficient ``(r, j)`` is flat ``r * p + j``.  ``U`` and ``T``
    must be consistent with ``d`` on entry (zeros for ``d = 0``).

    Returns ``(sweeps, change)`` as :func:`cd_l1`.
    """
    cdef int64_t n = P.shape[0], K = P.shape[1], R = cls.shape[0]
    cdef int64_t ncols = indptr.shape[0] - 1, m, t, sweeps = 0
    cdef double change = 0.0
    cdef int status
    _check_csc(data, indices, indptr, n)
    m = R * (ncols + (1 if intercept else 0))
    for name, vec in (("g", g), ("w", w), ("lam", lam), ("c", c), ("d", d)):
        if vec.shape[0] != m:
            raise ValueError(f"{name} has {vec.shape[0]} entries, expected {m}.")
    if s.shape[0] != n or T.shape[0] != n:
        raise ValueError(f"s and T must have {n} entries (the rows of P).")
    if U.shape[0] != n or U.shape[1] != R:
        raise ValueError(f"U must have shape ({n}, {R}), got {(U.shape[0], U.shape[1])}.")
    _check_indices("cls", cls, K)
    _check_indices("coords", coords, m)
    _check_weights("lam", lam)
    _check_weights("c", c)
    _check_weights("s", s)
    for t in range(n * K):
        if not (isfinite(P[t // K, t % K]) and 0.0 <= P[t // K, t % K] <= 1.0):
            raise ValueError(f"P[{t // K}, {t % K}] must be a probability.")
    if max_sweeps < 0:
        raise ValueError(f"max_sweeps must be >= 0, got {max_sweeps}.")
    if m == 0 or coords.shape[0] == 0 or n == 0:
        return 0, 0.0
    with nogil:
        status = smx_cd_l1_scores(n, K, R, ncols, 1 if intercept else 0,
                                  &data[0] if data.shape[0] > 0 else NULL,
                                  &indices[0] if indices.shape[0] > 0 else NULL, &indptr[0],
                                  &s[0], &P[0, 0], &cls[0], &g[0], &w[0], &lam[0], &c[0],
                                  &coords[0], coords.shape[0], max_sweeps, tol, &d[0],
                                  &U[0, 0], &T[0], &sweeps, &change)
    raise_status(status, "coordinate descent in score space")
    return int(sweeps), float(change)
