"""Truncated Newton: conjugate gradients on Hessian-vector products, line search in score space.

For problems whose Hessian is too large to assemble.  Per iteration: the
product operator at the iterate (``objective.hessp``, one pass over X), CG
iterations on ``H D = -g`` (one pass per product) stopped at the relative
residual ``eta = min(0.5, sqrt(||g||))`` (Eisenstat-Walker forcing, giving
superlinear convergence as in scikit-learn's ``_newton_cg``) or on
non-positive curvature, ``XD`` (one pass), a strong Wolfe search in score
space (O(n K) per trial, starting at the Newton step t = 1) and the gradient
at the accepted point (one backward pass).

The Hessian of ``MultinomialLoss`` is singular along the class-invariant
directions (see ``_base.null_columns``); the gradient is orthogonal to them,
so CG stays in the range of H and needs no special treatment.

Stopping as scikit-learn's ``newton-cg``: ``max|grad| <= tol``.
"""

import numpy as np

from ._base import (Monitor, check_separable, in_dtype, loss_grad_at, max_abs, scores64, start,
                    warn_not_converged)
from ._linesearch import ScoreLine


def conjugate_gradient(hessp, g, rtol, max_cg):
    """Approximately solve ``H D = -g`` by CG from D = 0.

    Returns ``(D, n_products, reason)``.  Stops when ``||r|| <= rtol ||g||``,
    after ``max_cg`` products, or at non-positive curvature (then the current
    D, or -g if none yet, which is always a descent direction).
    """
    D = np.zeros_like(g)
    r = -g.copy()
    p = r.copy()
    rr = float(np.dot(r, r))
    target = (rtol ** 2) * rr
    n_prod = 0
    for _ in range(max_cg):
        Hp = hessp(p)
        n_prod += 1
        curv = float(np.dot(p, Hp))
        if not (curv > 0 and np.isfinite(curv)):
            return (D if n_prod > 1 else -g), n_prod, "negative curvature"
        alpha = rr / curv
        D += alpha * p
        r -= alpha * Hp
        rr_new = float(np.dot(r, r))
        if rr_new <= target:
            return D, n_prod, "converged"
        p = r + (rr_new / rr) * p
        rr = rr_new
    return D, n_prod, "max_cg"


def newton_cg(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
              max_cg=200, name="newton-cg"):
    """Minimise ``objective`` with truncated Newton-CG; see :func:`softmax_ext.solvers.solve`."""
    obj = objective
    mon = Monitor(obj, name, verbose=verbose, callback=callback)
    x, Z, f, g = start(obj, coef0)
    gmax = max_abs(g)
    stop = mon.record(0, x, f, g, gmax, 0.0)
    it = 0
    converged = gmax <= tol
    message = "max|grad| <= tol at the start" if converged else "max_iter reached"
    shape = obj.coef_shape
    while not converged and not stop and it < max_iter:
        product = obj.hessp(x.reshape(shape))

        def hessp(v):
            return np.asarray(product(in_dtype(obj, v).reshape(shape)), dtype=np.float64).ravel()

        gnorm = float(np.sqrt(np.dot(g, g)))
        D, n_prod, why = conjugate_gradient(hessp, g, min(0.5, np.sqrt(gnorm)), max_cg)
        D = in_dtype(obj, D)
        d0 = float(np.dot(g, D))
        if not d0 < 0:
            D = in_dtype(obj, -g / max(gnorm, 1.0))
            d0 = float(np.dot(g, D))
        XD = scores64(obj, D)
        line = ScoreLine(obj, x, D, Z, XD, f, d0)
        t, _ = line.wolfe(1.0)
        if t is None:
            message = ("line search failed: the objective cannot be decreased further at "
                       f"{np.dtype(obj.dtype).name} precision")
            break
        it += 1
        Z, x = line.point(t)
        f, g = loss_grad_at(obj, Z, x)
        gmax = max_abs(g)
        stop = mon.record(it, x, f, g, gmax, t, trials=line.n_evals, cg=n_prod)
        if gmax <= tol:
            converged, message = True, "max|grad| <= tol"
    if stop and not converged:
        message = "stopped by callback"
    check_separable(obj, Z, x)
    if not converged and not stop:
        reason = None if message == "max_iter reached" else message
        warn_not_converged(name, it, gmax, tol, reason)
    return mon.result(x, it, converged, f, gmax, message)
