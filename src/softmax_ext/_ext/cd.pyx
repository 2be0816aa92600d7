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
    int smx_scores_blocks(int64_t n, int64_t R, int64_t ncols, int intercept,
                          const double *data, const int64_t *indices, const int64_t *indptr,
                          const double *s, const double *Pc, const double *c, double *B)
    int smx_cd_l1_scores_blocks(int64_t n, int64_t R, int64_t ncols, int intercept,
                                const double *data, const int64_t *indices,
                                const int64_t *indptr, const double *s, const double *Pc,
                                const double *B, const double *g, const double *w,
                                const double *lam, const double *c, int64_t max_sweeps,
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


def _check_probabilities(name, const double[:, ::1] P):
    cdef int64_t i, k
    for i in range(P.shape[0]):
        for k in range(P.shape[1]):
            if not (isfinite(P[i, k]) and 0.0 <= P[i, k] <= 1.0):
                raise ValueError(f"{name}[{i}, {k}] must be a probability.")


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
    cdef int64_t ncols = indptr.shape[0] - 1, m, sweeps = 0
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
    _check_probabilities("P", P)
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


def _check_block_inputs(data, indices, indptr, const double[::1] s, const double[:, ::1] Pc,
                        const double[::1] c, bint intercept):
    """The checks both block kernels need; returns ``(n, R, ncols, p)``."""
    cdef int64_t n = Pc.shape[0], R = Pc.shape[1], ncols = indptr.shape[0] - 1
    _check_csc(data, indices, indptr, n)
    cdef int64_t p = ncols + (1 if intercept else 0)
    if s.shape[0] != n:
        raise ValueError(f"s has {s.shape[0]} entries, expected {n} (the rows of Pc).")
    if c.shape[0] != R * p:
        raise ValueError(f"c has {c.shape[0]} entries, expected {R * p}.")
    _check_weights("s", s)
    _check_weights("c", c)
    _check_probabilities("Pc", Pc)
    return n, R, ncols, p


def scores_blocks(const double[::1] data,      # IN  CSC values of the working set's columns
                  const int64_t[::1] indices,  # IN  their rows
                  const int64_t[::1] indptr,   # IN  (ncols + 1,)
                  const double[::1] s,         # IN  (n,) normalised sample weights, >= 0
                  const double[:, ::1] Pc,     # IN  (n, R) probabilities of the rows' classes
                  const double[::1] c,         # IN  (R p,) the penalty's Hessian diagonal
                  bint intercept):
    """The score-space model's Hessian blocks, one per feature (and the intercept).

    Returns
    -------
    B : ndarray of shape (p, R, R)
        ``B[j] = sum_i s_i x~_ij^2 (diag(pc_i) - pc_i pc_i^T) + diag(c[:, j])``
        with ``c`` read as (R, p), p = columns + intercept.
    """
    cdef int64_t n, R, ncols, p
    n, R, ncols, p = _check_block_inputs(data, indices, indptr, s, Pc, c, intercept)
    B = np.empty((p, R, R))
    cdef double[:, :, ::1] Bv = B
    cdef int status
    if p == 0 or R == 0:
        return B
    with nogil:
        status = smx_scores_blocks(n, R, ncols, 1 if intercept else 0,
                          &data[0] if data.shape[0] > 0 else NULL,
                          &indices[0] if indices.shape[0] > 0 else NULL, &indptr[0],
                          &s[0] if n > 0 else NULL, &Pc[0, 0] if n > 0 else NULL, &c[0],
                          &Bv[0, 0, 0])
    raise_status(status, "the score-space model's Hessian blocks")
    return B


def cd_l1_scores_blocks(const double[::1] data,      # IN  CSC values of the working set
                        const int64_t[::1] indices,  # IN  their rows
                        const int64_t[::1] indptr,   # IN  (ncols + 1,)
                        const double[::1] s,         # IN  (n,) normalised sample weights
                        const double[:, ::1] Pc,     # IN  (n, R) probabilities of the classes
                        const double[:, :, ::1] B,   # IN  (p, R, R) from scores_blocks
                        const double[::1] g,         # IN  (m,) gradient, m = R p
                        const double[::1] w,         # IN  (m,) current coefficients
                        const double[::1] lam,       # IN  (m,) L1 weights
                        const double[::1] c,         # IN  (m,) the penalty's Hessian diagonal
                        double[::1] d,               # INOUT (m,) step
                        double[:, ::1] U,            # INOUT (n, R) X~ D
                        double[::1] T,               # INOUT (n,) sum_r Pc[:, r] U[:, r]
                        bint intercept, int64_t max_sweeps, double tol):
    """Minimise the model of :func:`cd_l1_scores` by block coordinate descent,
    each feature's R coefficients one block (their Hessian ``B[j]``).

    Coefficient ``(r, j)`` is flat ``r * p + j``.  ``U`` and ``T`` must be
    consistent with ``d`` on entry (zeros for ``d = 0``).

    Returns ``(sweeps, change)`` as :func:`cd_l1`.
    """
    cdef int64_t n, R, ncols, p, t, e, sweeps = 0
    cdef double change = 0.0
    cdef int status
    n, R, ncols, p = _check_block_inputs(data, indices, indptr, s, Pc, c, intercept)
    cdef int64_t m = R * p
    for name, vec in (("g", g), ("w", w), ("lam", lam), ("d", d)):
        if vec.shape[0] != m:
            raise ValueError(f"{name} has {vec.shape[0]} entries, expected {m}.")
    if B.shape[0] != p or B.shape[1] != R or B.shape[2] != R:
        raise ValueError(f"B must have shape ({p}, {R}, {R}), got "
                         f"{(B.shape[0], B.shape[1], B.shape[2])}.")
    for t in range(p):
        for e in range(R * R):
            if not isfinite(B[t, e // R, e % R]):
                raise ValueError(f"B[{t}] is not finite.")
    if T.shape[0] != n:
        raise ValueError(f"T must have {n} entries (the rows of Pc).")
    if U.shape[0] != n or U.shape[1] != R:
        raise ValueError(f"U must have shape ({n}, {R}), got {(U.shape[0], U.shape[1])}.")
    _check_weights("lam", lam)
    if max_sweeps < 0:
        raise ValueError(f"max_sweeps must be >= 0, got {max_sweeps}.")
    if m == 0 or n == 0:
        return 0, 0.0
    with nogil:
        status = smx_cd_l1_scores_blocks(n, R, ncols, 1 if intercept else 0,
                                         &data[0] if data.shape[0] > 0 else NULL,
                                         &indices[0] if indices.shape[0] > 0 else NULL,
                                         &indptr[0], &s[0], &Pc[0, 0], &B[0, 0, 0], &g[0],
                                         &w[0], &lam[0], &c[0], max_sweeps, tol, &d[0],
                                         &U[0, 0], &T[0], &sweeps, &change)
    raise_status(status, "block coordinate descent in score space")
    return int(sweeps), float(change)
