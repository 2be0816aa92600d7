"""Cython binding of the coordinate-descent kernel (csrc/smx_cd.c).

Checks every shape and index the C code assumes (sizes agree, coordinates in
range, penalties finite and >= 0), then runs the kernel without the GIL.
"""

from libc.stdint cimport int64_t
from libc.math cimport isfinite

from softmax_ext._ext.status cimport SMX_OK, raise_status

cdef extern from "smx_cd.h" nogil:
    int smx_cd_l1(int64_t m, const double *H, const double *g, const double *w,
                  const double *lam, const int64_t *coords, int64_t n_coords,
                  int64_t max_sweeps, double tol, double *d, double *Hd,
                  int64_t *sweeps_out, double *change_out)


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
    cdef int64_t m = H.shape[0], n = coords.shape[0], t, sweeps = 0
    cdef double change = 0.0
    cdef int status
    if H.shape[1] != m:
        raise ValueError(f"H must be square, got shape {(H.shape[0], H.shape[1])}.")
    for name, size in (("g", g.shape[0]), ("w", w.shape[0]), ("lam", lam.shape[0]),
                       ("d", d.shape[0]), ("Hd", Hd.shape[0])):
        if size != m:
            raise ValueError(f"{name} has {size} entries, expected {m}.")
    for t in range(n):
        if coords[t] < 0 or coords[t] >= m:
            raise ValueError(f"coords[{t}] = {coords[t]} is outside [0, {m}).")
    for t in range(m):
        if not (isfinite(lam[t]) and lam[t] >= 0):
            raise ValueError(f"lam[{t}] = {lam[t]} must be finite and >= 0.")
    if max_sweeps < 0:
        raise ValueError(f"max_sweeps must be >= 0, got {max_sweeps}.")
    if m == 0 or n == 0:
        return 0, 0.0
    with nogil:
        status = smx_cd_l1(m, &H[0, 0], &g[0], &w[0], &lam[0], &coords[0], n, max_sweeps,
                           tol, &d[0], &Hd[0], &sweeps, &change)
    raise_status(status, "coordinate descent")
    return int(sweeps), float(change)
