"""Orthant-wise limited-memory quasi-Newton (OWL-QN) for L1 / elastic-net terms on
objectives that only evaluate losses and gradients.

Proximal Newton (``prox_newton.py``) is the L1 solver of in-memory X: its
model needs X's columns (working sets) and the n x K scores.  An objective
over row blocks (``scale/``: a memory-mapped X, Dask chunks) offers neither,
only ``loss_gradient`` at a point, one pass over X.  OWL-QN (Andrew and Gao,
"Scalable training of L1-regularized log-linear models", ICML 2007; the L1
solver of Spark MLlib's logistic regression) needs no more: L-BFGS on the
smooth part ``f`` (the loss and the L2 term), steered by the minimum-norm
subgradient ``v`` of ``F = f + sum_i lam_i |x_i|`` and kept inside one
orthant per step:

- direction ``D = -H v`` from the (s, y) pairs of the smooth gradients, with
  every component whose sign disagrees with ``-v`` set to zero;
- the orthant ``xi = sign(x)``, and ``sign(-v)`` where ``x`` is zero;
- backtracking from ``t = 1`` on ``x(t) = P(x + t D)``, where ``P`` sets to
  zero every penalised coordinate that left the orthant, until
  ``F(x(t)) <= F(x) + ARMIJO * v . (x(t) - x)``.

Each trial is one pass over X (the fused loss and gradient); the accepted
trial's gradient is the next iteration's.  The stop is that of
prox-newton: ``max |v| <= tol`` (docs/derivation.md), so the two solvers
reach the same optimum.  Group penalties are not handled (their
subgradient is not separable by coordinate).
"""

from collections import deque

import numpy as np

from ._base import Monitor, check_coef0, max_abs, warn_not_converged
from .lbfgs import _two_loop
from .prox_newton import L1, l1_coef, min_norm_subgradient

__all__ = ["owlqn"]

ARMIJO = 1e-4          # sufficient decrease, as in Andrew and Gao
MAX_BACKTRACKS = 40    # halvings before the search gives up (t down to ~1e-12)


def _evaluate(objective, x, pen):
    """``(F, f's gradient)`` at the flat ``x``: one pass over X."""
    f, g = objective.loss_gradient(x.reshape(objective.coef_shape))
    return float(f) + pen.value(x), np.asarray(g, dtype=np.float64).ravel()


def _accept(F, Fn, slope, vmax, xn, gn, lam, eps):
    """Armijo's sufficient decrease; near the optimum, where the decrease is below
    the rounding of F (``16 eps |F|``, the slack of prox-newton's search), a
    trial within that rounding of F whose subgradient is smaller."""
    if not np.isfinite(Fn):
        return False
    if Fn <= F + ARMIJO * slope:
        return True
    return (Fn <= F + 16 * eps * abs(F)
            and max_abs(min_norm_subgradient(xn, gn, lam)) < vmax)


def _project(x, orthant, penalised):
    """``x`` with every penalised coordinate outside ``orthant`` set to zero, in place."""
    x[penalised & (np.sign(x) != orthant)] = 0.0
    return x


def owlqn(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
          l1=0.0, memory=10):
    """Minimise ``objective + l1 * ||W||_1`` with OWL-QN; see :func:`softmax_ext.solvers.solve`.

    Parameters
    ----------
    objective : MultinomialLoss, FixedClassLoss or BlockedLoss
        Only ``loss_gradient`` is called.
    l1 : float, default 0.0
        Strength of the L1 term on the weights (the intercepts as
        :func:`~.prox_newton.l1_weights` says: unpenalised unless liblinear's
        intercept penalty is set).
    memory : int, default 10
        Number of (s, y) pairs kept.
    """
    mon = Monitor(objective, "owlqn", verbose=verbose, callback=callback)
    pen = L1(objective, l1)
    lam = pen.lam
    penalised = lam > 0
    eps = float(np.finfo(objective.dtype).eps)
    x = check_coef0(objective, coef0)
    F, g = _evaluate(objective, x, pen)
    v = min_norm_subgradient(x, g, lam)
    vmax = max_abs(v)
    stop = mon.record(0, x, F, v, vmax, 0.0)
    pairs, gamma = deque(maxlen=int(memory)), 1.0
    it, message = 0, ""
    while vmax > tol and not stop and it < max_iter:
        D = _two_loop(v, pairs, gamma) if pairs else -v / max(float(np.sqrt(v @ v)), 1.0)
        D[D * v >= 0] = 0.0          # only components that descend along -v
        if pairs and not D.any():    # the model points nowhere downhill: start it again
            pairs.clear()
            continue
        orthant = np.where(x != 0, np.sign(x), np.sign(-v))
        t, accepted = 1.0, None
        for _ in range(MAX_BACKTRACKS):
            xn = _project(x + t * D, orthant, penalised)
            Fn, gn = _evaluate(objective, xn, pen)
            if _accept(F, Fn, float(v @ (xn - x)), vmax, xn, gn, lam, eps):
                accepted = (xn, Fn, gn)
                break
            t *= 0.5
        if accepted is None:
            if pairs:              # a poor quasi-Newton model: start it again
                pairs.clear()
                continue
            message = "the line search found no decrease"
            break
        xn, Fn, gn = accepted
        s, y = xn - x, gn - g
        sy, yy = float(s @ y), float(y @ y)
        if sy > 1e-10 * yy and sy > 0:
            pairs.append((s, y, 1.0 / sy))
            gamma = sy / yy
        x, F, g = xn, Fn, gn
        v = min_norm_subgradient(x, g, lam)
        vmax = max_abs(v)
        it += 1
        stop = mon.record(it, x, F, v, vmax, t)
    converged = vmax <= tol
    if converged:
        message = "max|subgradient| <= tol"
    elif stop:
        message = "stopped by the callback"
    else:
        message = message or f"max_iter={max_iter} reached"
        warn_not_converged("owlqn", it, vmax, tol, reason=message)
    if l1 > 0:
        return mon.result(l1_coef(objective, x), it, converged, F, vmax, message, center=False)
    return mon.result(x, it, converged, F, vmax, message)
