"""Accelerated gradient descent (Nesterov) with backtracking and monotone restarts: the baseline.

Iterates ``x_k`` with extrapolated points ``y_k = x_k + beta_k (x_k - x_{k-1})``
(FISTA's ``beta``); the step from ``y`` is ``x+ = y - t grad(y)`` with ``t``
backtracked until ``f(x+) <= f(y) - (t / 2) ||grad(y)||^2`` (the quadratic
upper bound with Lipschitz constant 1 / t) and allowed to grow by 1.5x at the
next iteration.  Scores are linear in the coefficients, so ``Z(y)`` is
extrapolated the same way at no cost; each backtracking trial is O(n K).
Passes over X per iteration: ``X grad(y)`` and the gradient at the next y.

Monotone: when ``f(x+) > f(x_k)`` (beyond the rounding error of f) the momentum is dropped (function restart,
O'Donoghue and Candes 2015) and the step is retried from ``x_k`` itself, so
the accepted objective values never increase.

Stopping: ``max|grad(y)| <= tol`` at a point y no worse than ``x_k``; that y
is returned.
"""

import math

import numpy as np

from ._base import Monitor, finish, in_dtype, loss_grad_at, max_abs, scores64, start
from ._linesearch import ScoreLine


def gd(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
       name="gd"):
    """Minimise ``objective`` with accelerated gradient descent; see :func:`solve`."""
    obj = objective
    mon = Monitor(obj, name, verbose=verbose, callback=callback)
    x, Z, f, g = start(obj, coef0)
    y, Zy, fy, gy = x, Z, f, g
    gmax = max_abs(g)
    stop = mon.record(0, x, f, g, gmax, 0.0)
    theta = 1.0
    t = 1.0 / max(float(np.sqrt(np.dot(g, g))), 1.0)
    it = 0
    converged = gmax <= tol
    message = "max|grad| <= tol at the start" if converged else "max_iter reached"
    restarted = False
    n_restarts = 0  # since the last record; each cost two passes (rejected XD, gradient)
    eps_f = 16 * float(np.finfo(obj.dtype).eps)
    while not converged and not stop and it < max_iter:
        D = in_dtype(obj, -gy)
        gg = float(np.dot(gy, D))  # -||grad(y)||^2 as rounded
        with mon.stage("forward"):
            XD = scores64(obj, D)
        line = ScoreLine(obj, y, D, Zy, XD, fy, gg)
        step = None
        for _ in range(60):
            ft = line.phi(t)
            if ft <= fy + 0.5 * t * gg:
                step = t
                break
            # decreases below the rounding of f: trust the (accurate) slope instead,
            # accept while t is short of the minimiser along the line
            if (ft <= fy + eps_f * abs(fy) and abs(t * gg) <= 100 * eps_f * abs(fy)
                    and line.dphi(t) <= 0):
                step = t
                break
            t *= 0.5
        if step is None or line.phi(step) > f + eps_f * abs(f):
            if restarted or step is None and y is x:
                message = ("no decrease possible: the objective cannot be decreased further "
                           f"at {np.dtype(obj.dtype).name} precision")
                break
            # function restart: drop the momentum, retry from x with its gradient
            theta, restarted = 1.0, True
            n_restarts += 1
            y, Zy = x, Z
            fy, gy = loss_grad_at(obj, Zy, y)
            continue
        restarted = False
        Z_new, x_new = line.point(step)
        f_new = line.phi(step)
        theta_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * theta * theta))
        beta = (theta - 1.0) / theta_new
        theta = theta_new
        y = x_new + beta * (x_new - x)
        Zy = Z_new + beta * (Z_new - Z)
        x, Z, f = x_new, Z_new, f_new
        with mon.stage("backward"):
            fy, gy = loss_grad_at(obj, Zy, y)
            it += 1
        gmax = max_abs(gy)
        stop = mon.record(it, x, f, gy, gmax, step, trials=line.n_evals, restarts=n_restarts)
        n_restarts = 0
        t = 1.5 * step
        if gmax <= tol and fy <= f:
            x, Z, f = y, Zy, fy
            converged, message = True, "max|grad| <= tol"
    if not converged:
        if y is not x:
            f, g_x = loss_grad_at(obj, Z, x)
            gmax = max_abs(g_x)
            converged = gmax <= tol
    return finish(mon, obj, name, Z, x, it, f, gmax, tol, converged, stop, message)
