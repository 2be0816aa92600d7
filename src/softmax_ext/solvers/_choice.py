"""What ``solver="auto"`` runs: a decision from the problem's shape, tol and memory.

Multinomial objectives: newton-cholesky when the Hessian is small (its
quadratic convergence pays for the ~n m^2 assembly only up to the crossover
``m``), newton-cg when there are at least as many rows as coefficients or X
is sparse (a product costs one pass over X, as much as a gradient, and
Newton needs far fewer of them than lbfgs), lbfgs otherwise (dense wide
problems, where the penalty dominates).

Binary objectives (:class:`~softmax_ext.objective.BinaryLoss`) have their
own cost model, in passes over X: their Hessian is a weighted SYRK whose cost
grows with p = n_features + 1 (:func:`binary_costs`), against newton-cg's
products of one pass each.  Either way, never a solver whose memory estimate
does not fit.  The measurements behind the constants, with their dates:
docs/solvers.md, "How auto chooses".
"""

import numpy as np

from .. import _memory

__all__ = ["choose", "binary_costs", "CROSSOVER_M", "HESSIAN_BYTES_MAX"]

# newton-cholesky up to this m = coef.size, at tight (tol <= 1e-5) and loose tol
CROSSOVER_M = {"tight": 112, "loose": 64}
HESSIAN_BYTES_MAX = 256 * 2**20  # never assemble a Hessian larger than this

# The binary cost model, in passes over X (one pass: a loss and gradient from
# the scores, the unit every other cost is measured in).  Newton iterations,
# and the total passes of newton-cg and lbfgs (gradients, products and
# line-search scores) to reach tol, measured by bench/bench_binary.py (pass
# counts are exact, not timings): dense X (lbfgs with the feature-Gram
# preconditioner: 7-10 iterations) and sparse X (lbfgs 49 iterations).
BINARY_NEWTON_ITERATIONS = {"dense": {"tight": 5, "loose": 4},
                            "sparse": {"tight": 7, "loose": 5}}
BINARY_CG_PASSES = {"dense": {"tight": 26, "loose": 20}, "sparse": {"tight": 35, "loose": 25}}
BINARY_LBFGS_PASSES = {"dense": {"tight": 20, "loose": 16},
                       "sparse": {"tight": 100, "loose": 60}}
# One dense Hessian costs 2 passes (the scores, the scaled rows) plus the
# SYRK, whose flops per row grow with p: it costs one more pass per this many
# columns (float32's SYRK runs at twice the flop rate).
BINARY_SYRK_COLUMNS_PER_PASS = {np.dtype(np.float64): 25.0, np.dtype(np.float32): 45.0}
# A sparse Hessian accumulates the products of each row's nonzeros into
# dense p x p buffers: taken as dense until measured.


def _tol_kind(tol):
    return "tight" if tol <= 1e-5 else "loose"


def _is_binary(objective):
    from ..objective import BinaryLoss   # objective is the layer below: no cycle at import
    return isinstance(objective, BinaryLoss)


def binary_costs(objective, tol):
    """Predicted passes over X of newton-cholesky, newton-cg and lbfgs on a binary objective.

    Parameters
    ----------
    objective : BinaryLoss
    tol : float

    Returns
    -------
    dict
        ``{"newton-cholesky": passes, "newton-cg": passes, "lbfgs": passes}``
        (floats; lbfgs only when X is dense with ``n_samples >= p`` or
        sparse, as elsewhere).  The
        Cholesky factorisation (p^3 / 3 flops) is charged in passes of n p
        multiply-adds.
    """
    kind = _tol_kind(tol)
    layout = "sparse" if objective.is_sparse else "dense"
    p = objective.coef_shape[1]
    n = max(int(objective.n_samples), 1)
    syrk = p / BINARY_SYRK_COLUMNS_PER_PASS.get(np.dtype(objective.dtype), 25.0)
    factor = p * p / (3.0 * n)
    newton = BINARY_NEWTON_ITERATIONS[layout][kind] * (1.0 + 2.0 + syrk + factor)
    return {"newton-cholesky": newton, "newton-cg": float(BINARY_CG_PASSES[layout][kind]),
            "lbfgs": float(BINARY_LBFGS_PASSES[layout][kind])}


def _binary_by_cost(objective, tol):
    p = objective.coef_shape[1]
    if objective.n_samples < p and not objective.is_sparse:
        return "lbfgs"
    costs = binary_costs(objective, tol)
    if 8 * p * p > HESSIAN_BYTES_MAX:
        return "newton-cg"
    return min(costs, key=costs.get)


def by_shape(objective, tol):
    """The solver the crossovers (or the binary cost model) pick for this shape and tol.

    Parameters
    ----------
    objective : MultinomialLoss, FixedClassLoss or BinaryLoss
    tol : float

    Returns
    -------
    {"newton-cholesky", "newton-cg", "lbfgs"}
    """
    if _is_binary(objective):
        return _binary_by_cost(objective, tol)
    m = int(np.prod(objective.coef_shape))
    limit = CROSSOVER_M[_tol_kind(tol)]
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
    objective : MultinomialLoss, FixedClassLoss or BinaryLoss
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
