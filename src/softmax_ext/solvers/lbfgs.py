"""Limited-memory BFGS with a strong Wolfe line search in score space.

Per iteration: the two-loop recursion gives the direction D (O(m * memory),
float64, single-threaded NumPy), one pass over X computes ``XD``, the strong
Wolfe search runs on ``Z + t XD`` in O(n K) per trial, and one backward pass
gives the gradient at the accepted point -- two passes over X per iteration
whatever the number of trials.

Stopping: ``max|grad| <= tol`` on the objective normalised by the sum of
sample weights -- what scikit-learn's ``LogisticRegression(solver="lbfgs")``
asks of scipy (``gtol=tol`` on the same normalised objective).  scipy also
stops when the relative decrease falls below ``ftol = 64 * eps``; we do not:
the line search accepts steps by Hager and Zhang's approximate Wolfe test
once decreases fall below rounding, so the gradient criterion stays reachable
(tol = 1e-10 and below in float64).  A line search that finds no acceptable
point ends the run with a ConvergenceWarning.
"""

from collections import deque

import numpy as np

from ._base import (Monitor, axpy, finish, in_dtype, loss_grad_at, max_abs, scores64, start,
                    steepest_descent)
from ._linesearch import ScoreLine
from ._precondition import Preconditioning



# With the Kronecker preconditioner, its class factor B is refreshed from the
# current scores every REFRESH iterations (H0 may change between iterations;
# B drifts as the probabilities do).  100,000 x 100, K=10, tol=1e-6: 161
# iterations without the preconditioner, 18 with B fixed at the start, 17
# refreshed every 10.
REFRESH = 10


def _two_loop(g, pairs, gamma, precondition=None):
    """``-H g`` for the L-BFGS inverse Hessian approximation H (pairs: (s, y, rho)).

    The initial matrix is ``gamma I``, or ``gamma M^-1`` with ``precondition``
    (``r -> M^-1 r``).
    """
    # in place (axpy): numpy's q -= a * y allocates an m-vector per pair
    q = -g
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(np.dot(s, q))
        axpy(-a, y, q)
        alphas.append(a)
    if precondition is not None:
        q = precondition(q)
    q *= gamma
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        b = rho * float(np.dot(y, q))
        axpy(a - b, s, q)
    return q


def lbfgs(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
          memory=10, precondition="auto", name="lbfgs"):
    """Minimise ``objective`` with L-BFGS; see :func:`softmax_ext.solvers.solve`.

    Parameters
    ----------
    memory : int, default 10
        Number of (s, y) pairs kept.
    precondition : {"auto", True, False}, default "auto"
        Start each two-loop recursion from the Kronecker-factored
        preconditioner of ``_precondition.py`` instead of a multiple of the
        identity: "auto" where it pays for itself (correlated features in
        dense X of moderate width, uncentred columns or uneven column norms
        in any X), True always.
    """
    pre = Preconditioning(objective, precondition, "lbfgs")
    obj = objective
    mon = Monitor(obj, name, verbose=verbose, callback=callback)
    x, Z, f, g = start(obj, coef0)
    precond = None
    refreshed = 0
    plain = False  # the preconditioned gradient failed its line search: steepest descent
    gmax = max_abs(g)
    stop = mon.record(0, x, f, g, gmax, 0.0)
    pairs = deque(maxlen=int(memory))
    gamma = 1.0
    it = 0
    message = "max_iter reached"
    converged = gmax <= tol
    if converged:
        message = "max|grad| <= tol at the start"
    while not converged and not stop and it < max_iter:
        if pre.active and (precond is None or it - refreshed >= REFRESH):
            with mon.stage("preconditioner"):
                precond, refreshed = pre.at(Z), it
        with mon.stage("direction"):
            if pairs:
                D = in_dtype(obj, _two_loop(g, pairs, gamma, precond))
            else:  # the preconditioned gradient, or steepest descent below
                D = None if precond is None or plain else in_dtype(obj, -precond(g))
        d0 = float(np.dot(g, D)) if D is not None else 0.0
        if D is None or not d0 < 0:
            pairs.clear()
            D, d0 = steepest_descent(obj, g)
        with mon.stage("forward"):
            XD = scores64(obj, D)
        line = ScoreLine(obj, x, D, Z, XD, f, d0)
        with mon.stage("line search"):
            t, f_t = line.wolfe(1.0)
        if t is None:
            if pairs:  # a poor quasi-Newton model: restart
                pairs.clear()
                continue
            if precond is not None and not plain:
                plain = True
                continue
            message = ("line search failed: the objective cannot be decreased further at "
                       f"{np.dtype(obj.dtype).name} precision")
            break
        it += 1
        plain = False
        Z, x_new = line.point(t)
        with mon.stage("backward"):
            f_new, g_new = loss_grad_at(obj, Z, x_new)
        s = x_new - x
        yv = g_new - g
        sy = float(np.dot(s, yv))
        yy = float(np.dot(yv, yv))
        if sy > 1e-10 * yy and sy > 0:
            pairs.append((s, yv, 1.0 / sy))
            yhy = yy if precond is None else float(np.dot(yv, precond(yv)))
            if yhy > 0:  # (M singular along y, l2 = 0: keep the last scale)
                gamma = sy / yhy
        x, f, g = x_new, f_new, g_new
        gmax = max_abs(g)
        stop = mon.record(it, x, f, g, gmax, t, trials=line.n_evals, **pre.take_setup())
        if gmax <= tol:
            converged, message = True, "max|grad| <= tol"
    return finish(mon, obj, name, Z, x, it, f, gmax, tol, converged, stop, message)
