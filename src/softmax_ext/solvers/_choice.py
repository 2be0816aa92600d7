"""What ``solver="auto"`` runs: a decision from the problem's shape, tol and memory.

newton-cholesky when the Hessian is small (its quadratic convergence pays
for the ~n m^2 assembly only up to the crossover ``m``), newton-cg when there
are at least as many rows as coefficients or X is sparse (a product costs one
pass over X, as much as a gradient, and Newton needs far fewer of them than
lbfgs), lbfgs otherwise (dense wide problems, where the penalty dominates);
never a solver whose memory estimate does not fit.  The measurements behind
the constants, with their dates: docs/solvers.md, "How auto chooses".
"""

import numpy as np

from .. import _memory

__all__ = ["choose", "CROSSOVER_M", "HESSIAN_BYTES_MAX"]

# newton-cholesky up to this m = coef.size, at tight (tol <= 1e-5) and loose tol
CROSSOVER_M = {"tight": 112, "loose": 64}
HESSIAN_BYTES_MAX = 256 * 2**20  # never assemble a Hessian larger than this


def by_shape(objective, tol):
    """The solver the crossovers pick for this objective's shape and tol.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
    tol : float

    Returns
    -------
    {"newton-cholesky", "newton-cg", "lbfgs"}
    """
    m = int(np.prod(objective.coef_shape))
    limit = CROSSOVER_M["tight" if tol <= 1e-5 else "loose"]
    if m <= limit and 8 * m * m <= HESSIAN_BYTES_MAX:
        return "newton-cholesky"
    if objective.n_samples >= m or objective.is_sparse:
        return "newton-cg"
    return "lbfgs"


def choose(objective, tol=1e-4, available=None):
    """The solver ``solver="auto"`` picks for this objective's shape and tol.

    The shape's pick (:func:`by_shape`) when its memory estimate fits in what
    is available (``_memory.py``), else the next of newton-cg, lbfgs that
    fits (both need O(n K + m) beyond X); when none does, the shape's pick,
    whose run then raises the MemoryError that names the size.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
    tol : float, default 1e-4
    available : int, optional
        Bytes available; default: ``_memory.available_bytes()``.

    Returns
    -------
    str
        A solver name other than "auto".
    """
    first = by_shape(objective, tol)
    if available is None:
        available = _memory.available_bytes()
    for name in (first, "newton-cg", "lbfgs"):
        if _memory.fits(objective, name, available):
            return name
    return first
