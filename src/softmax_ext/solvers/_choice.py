"""What ``solver="auto"`` runs: a decision from the problem's shape, tol and memory.

Multinomial objectives (:func:`multinomial_costs`): on dense X with at
least as many rows as coefficients, newton-cholesky against newton-cg by
their predicted cost in passes over X, the Hessian's assembly priced from
per-row costs measured for the Hessian and for one loss+gradient (both grow
with the shape: the Hessian with ``K (K+1) / 2 (d+1)^2``, a pass with
``K (d+1)``); lbfgs on sparse X (it needs no more passes there than
newton-cg and skips the preconditioner's work between them) and on dense
wide problems (the penalty dominates).

Binary objectives (:class:`~softmax_ext.objective.BinaryLoss`) have their
own cost model, in passes over X: their Hessian is a weighted SYRK whose cost
grows with p = n_features + 1 (:func:`binary_costs`), against newton-cg's
products of one pass each.  Either way, never a solver whose memory estimate
does not fit.  The measurements behind the constants, with their dates:
docs/solvers.md, "How auto chooses".
"""

import numpy as np

from .. import _memory
from ._newton import subsample_rows

__all__ = ["choose", "binary_costs", "multinomial_costs", "HESSIAN_BYTES_MAX"]

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


# The multinomial cost model (dense X), in passes over X.  Seconds per row of
# one loss+gradient and of one Hessian assembly, fixed part plus a part per
# unit of work (K (d+1) for a pass, K (K+1) / 2 (d+1)^2 for the Hessian),
# measured with 2 threads in float64 (docs/solvers.md, "Multinomial auto");
# only their ratio enters the choice (one thread roughly doubles both).  Each
# call also costs CALL_SECONDS (Python, thread start-up), which makes the
# Hessian of a tiny problem cost about a pass.  float32 passes take this
# fraction of float64's (the Hessian accumulates in float64 either way).
PASS_SECONDS_PER_ROW = (1.5e-8, 9e-11)
HESSIAN_SECONDS_PER_ROW = (1e-7, 1.4e-11)
CALL_SECONDS = 2e-5
FLOAT32_PASS_FRACTION = 0.8
# Newton iterations to reach tol, passes per newton-cholesky iteration beside
# its Hessian (gradient and line search), and newton-cg's total passes
# (gradients, products, line searches) as base + per class: measured pass
# counts on well-conditioned generated data (exact counts, not timings).
NEWTON_ITERATIONS = {"tight": 6, "loose": 5}
NEWTON_PASSES_PER_ITERATION = 2.0
CG_PASSES = {"tight": (30.0, 5.0), "loose": (20.0, 4.0)}
# With the curvature from a row subset (tall dense X, ``_newton.py``) the
# convergence is linear: this many iterations, each with its two full passes,
# the Hessian (or each product) priced on the subset's rows.
SUBSAMPLED_NEWTON_ITERATIONS = {"newton-cholesky": {"tight": 7, "loose": 4},
                                "newton-cg": {"tight": 8, "loose": 5}}


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


def multinomial_costs(objective, tol):
    """Predicted passes over X of newton-cholesky and newton-cg on a dense multinomial objective.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
    tol : float

    Returns
    -------
    dict
        ``{"newton-cholesky": passes, "newton-cg": passes}`` (floats): a
        Hessian assembly is charged its time over one loss+gradient's (the
        per-row constants ``HESSIAN_SECONDS_PER_ROW`` and
        ``PASS_SECONDS_PER_ROW``, plus ``CALL_SECONDS`` each), its Cholesky
        factorisation (m^3 / 3 multiply-adds) at the Hessian's rate.  Where
        the Newton methods take their curvature from a row subset
        (``_newton.subsample_rows``), the Hessian and the products are priced
        on its rows, over ``SUBSAMPLED_NEWTON_ITERATIONS``.
    """
    kind = _tol_kind(tol)
    K, p = objective.coef_shape
    n = max(int(objective.n_samples), 1)
    m = K * p
    rows = subsample_rows(objective)
    r = n if rows is None else max(int(rows.size), 1)
    per_row = PASS_SECONDS_PER_ROW[0] + PASS_SECONDS_PER_ROW[1] * m
    if np.dtype(objective.dtype) == np.float32:
        per_row *= FLOAT32_PASS_FRACTION
    per_pass = CALL_SECONDS + n * per_row
    work = K * (K + 1) / 2.0 * p * p + m ** 3 / (3.0 * r)
    hessian = CALL_SECONDS + r * (HESSIAN_SECONDS_PER_ROW[0] + HESSIAN_SECONDS_PER_ROW[1] * work)
    base, per_class = CG_PASSES[kind]
    cg = base + per_class * K
    iterations = NEWTON_ITERATIONS[kind]
    if rows is not None:
        # an exact run's products, over the sub-sampled run's iterations, each
        # at r / n of a pass plus its call
        cg_iterations = SUBSAMPLED_NEWTON_ITERATIONS["newton-cg"][kind]
        products = max(cg - NEWTON_PASSES_PER_ITERATION * iterations - 1.0, 0.0)
        products *= cg_iterations / iterations
        cg = (NEWTON_PASSES_PER_ITERATION * cg_iterations + 1.0
              + products * (CALL_SECONDS + r * per_row) / per_pass)
        iterations = SUBSAMPLED_NEWTON_ITERATIONS["newton-cholesky"][kind]
    newton = iterations * (hessian / per_pass + NEWTON_PASSES_PER_ITERATION) + 1.0
    return {"newton-cholesky": newton, "newton-cg": cg}


def _multinomial_by_cost(objective, tol):
    m = int(np.prod(objective.coef_shape))
    if objective.is_sparse or objective.n_samples < m:
        return "lbfgs"
    if 8 * m * m > HESSIAN_BYTES_MAX:
        return "newton-cg"
    costs = multinomial_costs(objective, tol)
    return min(costs, key=costs.get)


def by_shape(objective, tol):
    """The solver the cost models (binary or multinomial) pick for this shape and tol.

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
    return _multinomial_by_cost(objective, tol)


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
