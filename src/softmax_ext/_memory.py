"""Memory accounting: what a solver will allocate beyond X, and what is available.

A solver that allocates O(m^2) (newton-cholesky: the Hessian, m = coef.size)
or O(n K) (every solver: the scores and their companions) first compares its
estimate with the memory this process can still get, and raises a
``MemoryError`` that names the size and the alternatives instead of
allocating for seconds and failing (or being killed by the OOM killer).
``solver="auto"`` skips solvers whose estimate does not fit.

Available memory is the smallest of

- the kernel's ``MemAvailable`` (``/proc/meminfo``; ``os.sysconf``'s free
  physical pages where there is no ``/proc``),
- the cgroup v2 limit of this process and of each ancestor group
  (``memory.max - memory.current``, plus reclaimable ``inactive_file`` page
  cache), or the cgroup v1 limit (``memory.limit_in_bytes -
  memory.usage_in_bytes`` plus ``total_inactive_file``),

and None when none of them can be read (then nothing is refused).

The estimates count every array of the given size that is alive at the peak
of an iteration (see :func:`newton_cholesky_bytes`); small arrays (O(m),
O(d^2) with d ~ m / K, per-thread buffers) are left out.
"""

import os

import numpy as np

__all__ = ["available_bytes", "solver_bytes", "check_fits", "format_bytes"]

# cgroup limits at or above this mean "no limit" (v1 reports 2^63 - 4096)
_UNLIMITED = 1 << 60


def _read_int(path):
    try:
        with open(path) as fh:
            text = fh.read().strip()
    except (OSError, ValueError):
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _stat_value(path, key):
    """One ``key value`` line of a cgroup ``memory.stat`` file, or 0."""
    try:
        with open(path) as fh:
            for line in fh:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _meminfo_available():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_paths():
    """(v2 path, v1 memory path) of this process from ``/proc/self/cgroup``."""
    v2 = v1 = None
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                parts = line.rstrip("\n").split(":", 2)
                if len(parts) != 3:
                    continue
                if parts[0] == "0" and parts[1] == "":
                    v2 = parts[2]
                elif "memory" in parts[1].split(","):
                    v1 = parts[2]
    except OSError:
        pass
    return v2, v1


def _cgroup_v2_available(root, path):
    """Smallest ``max - current + inactive_file`` over the group and its ancestors."""
    best = None
    rel = path.strip("/")
    while True:
        d = os.path.join(root, rel) if rel else root
        limit = _read_int(os.path.join(d, "memory.max"))
        if limit is not None and limit < _UNLIMITED:
            used = _read_int(os.path.join(d, "memory.current")) or 0
            free = limit - used + _stat_value(os.path.join(d, "memory.stat"), "inactive_file")
            best = free if best is None else min(best, free)
        if not rel:
            return best
        rel = os.path.dirname(rel)


def _cgroup_v1_available(root, path):
    # inside a container the group is usually mounted as the root itself
    for d in (os.path.join(root, path.strip("/")), root):
        limit = _read_int(os.path.join(d, "memory.limit_in_bytes"))
        if limit is None:
            continue
        if limit >= _UNLIMITED:
            return None
        used = _read_int(os.path.join(d, "memory.usage_in_bytes")) or 0
        return limit - used + _stat_value(os.path.join(d, "memory.stat"),
                                          "total_inactive_file")
    return None


def available_bytes():
    """Bytes this process can still allocate, or None when unknown (see the module doc)."""
    candidates = [_meminfo_available()]
    v2, v1 = _cgroup_paths()
    if v2 is not None:
        candidates.append(_cgroup_v2_available("/sys/fs/cgroup", v2))
    if v1 is not None:
        candidates.append(_cgroup_v1_available("/sys/fs/cgroup/memory", v1))
    known = [max(0, int(c)) for c in candidates if c is not None]
    return min(known) if known else None


def format_bytes(n):
    """``n`` bytes as a short human-readable size (binary units)."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


# ---------------------------------------------------------------- estimates

def _m(obj):
    return int(np.prod(obj.coef_shape))


def scores_bytes(n_samples, n_classes):
    """O(n K) float64 arrays every solver holds at its peak: the scores Z,
    the direction's scores XD, the trial scores and the probabilities of the
    line search, and the per-sample weights/gradients of a backward pass."""
    return 6 * 8 * int(n_samples) * int(n_classes)


def _scores_bytes(obj):
    # a blocked objective holds its scores as coefficients (scale/_scores.py):
    # its n x K arrays are one block's at a time
    return scores_bytes(getattr(obj, "scores_rows", obj.n_samples), obj.n_classes)


# The Hessian kernel's plan (csrc/smx_hessian.c: SMX_GRAM_CHUNK,
# SMX_GRAM_TILE, SMX_HESS_MIN_UNITS), mirrored to size its buffers.
_GRAM_CHUNK, _GRAM_TILE, _MIN_UNITS = 512, 131072, 8


def hessian_kernel_bytes(n, d, K, fit_intercept, n_threads, itemsize):
    """Bytes the Hessian assembly allocates besides H (smx_hessian_body.h).

    The n x K probabilities; with fewer than 8 chunks of feature pairs (p up
    to ~90) R row groups each with a T x nq partial (R T nq doubles, up to
    twice H's size for many classes); per thread a chunk x nq accumulator
    and the row-block buffers.
    """
    p = d + (1 if fit_intercept else 0)
    nq = K * (K - 1) // 2
    if p == 0 or nq == 0 or n == 0:
        return 0
    # chunks: whole rows a of the triangle (a + 1 entries) until >= 512
    # entries; rows from a = 511 on are a chunk each
    nchunks = cmax = count = 0
    for a in range(min(p, _GRAM_CHUNK - 1)):
        count += a + 1
        if count >= _GRAM_CHUNK or a == p - 1:
            nchunks, cmax, count = nchunks + 1, max(cmax, count), 0
    if p >= _GRAM_CHUNK:
        nchunks, cmax = nchunks + p - (_GRAM_CHUNK - 1), max(cmax, p)
    bs = min(512, max(64, _GRAM_TILE // max(cmax, 1)))
    R = 1 if nchunks >= _MIN_UNITS else min(-(-_MIN_UNITS // nchunks), -(-n // bs))
    T = p * (p + 1) // 2
    nbytes = itemsize * n * K
    if R > 1:
        nbytes += 8 * R * T * nq
    per_thread = 8 * (bs * (p + cmax + nq) + (cmax * nq if R == 1 else 0))
    return nbytes + max(1, int(n_threads)) * per_thread


def newton_cholesky_bytes(obj):
    """Peak bytes of a newton-cholesky iteration beyond X.

    m x m float64 arrays alive together at the peak:

    - the Hessian H (assembled in C order; its transpose is the same matrix in
      Fortran order and is factored in place: no copy; the damped retries and
      the condition estimate also work inside H);
    - with ``FixedClassLoss``, the Hessian of the full parametrisation
      ((m + p)^2) from which the free rows and columns are copied;
    - when ``l2 == 0``, the eigenvectors of the pseudo-inverse step
      (``scipy.linalg.eigh`` overwrites H with workspace of O(m) besides).

    plus the Hessian kernel's buffers (:func:`hessian_kernel_bytes`: its
    n x K probabilities, and for few features and many classes partials as
    large as H) and the solvers' O(n K) arrays (:func:`_scores_bytes`).
    """
    m = _m(obj)
    nbytes = 8 * m * m
    if obj.assembled_hessian_size != m:   # assembled in full, then the free part copied
        nbytes += 8 * obj.assembled_hessian_size ** 2
    if obj.l2 == 0.0:
        nbytes += 8 * m * m
    nbytes += hessian_kernel_bytes(int(obj.n_samples), int(obj.n_features), int(obj.n_classes),
                                   bool(obj.fit_intercept), int(obj.n_threads or 1),
                                   np.dtype(obj.dtype).itemsize)
    return nbytes + _scores_bytes(obj)


def solver_bytes(obj, solver):
    """Estimated peak bytes beyond X of ``solver`` on ``obj``.

    lbfgs and newton-cg hold O(m) vectors (L-BFGS pairs, CG vectors) and the
    O(n K) arrays of :func:`_scores_bytes` (newton-cg also the n x K
    probabilities of its Hessian products); gd the O(n K) arrays only.
    """
    m = _m(obj)
    if solver == "newton-cholesky":
        return newton_cholesky_bytes(obj)
    nbytes = _scores_bytes(obj)
    if solver in ("lbfgs", "owlqn"):
        nbytes += 8 * m * (2 * 10 + 8)      # 10 (s, y) pairs and a few more vectors
    elif solver == "newton-cg":
        nbytes += 8 * m * 8 + np.dtype(obj.dtype).itemsize * obj.n_samples * obj.n_classes
    else:
        nbytes += 8 * m * 4
    return int(nbytes)


def fits(obj, solver, available=None):
    """Whether ``solver``'s estimate fits in ``available`` (default: what is available now)."""
    if available is None:
        available = available_bytes()
    return available is None or solver_bytes(obj, solver) <= available


def check_fits(obj, solver, available=None):
    """Raise a MemoryError naming the size and the alternatives unless ``solver`` fits."""
    if available is None:
        available = available_bytes()
    need = solver_bytes(obj, solver)
    if available is None or need <= available:
        return
    m = _m(obj)
    if solver == "newton-cholesky":
        what = (f"its {m:,} x {m:,} Hessian (m = n_classes x (n_features + intercept) = "
                f"{m:,} coefficients) and its factorisation")
        hint = ("use solver='lbfgs' or solver='newton-cg', which need O(m) memory beyond "
                "X and the n_samples x n_classes scores")
    else:
        what = (f"the {obj.n_samples:,} x {obj.n_classes} scores and their companions "
                "(O(n_samples x n_classes) float64 arrays)")
        hint = "fit on fewer samples, or on a machine with more memory"
    raise MemoryError(
        f"The {solver} solver needs about {format_bytes(need)} for {what}, but only "
        f"{format_bytes(available)} is available; {hint}.")
