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

from ._base import in_dtype, loss_grad_at, max_abs
from ._state import Iterate, SolverState

# Backtracking halvings tried per iteration before the step counts as failed.
MAX_HALVINGS = 60


class _Accelerated:
    """Accelerated gradient descent's steps on a started :class:`SolverState` (see :func:`gd`).

    The state holds the iterate ``x_k`` (``coef``, ``scores``, ``loss``) and,
    as reported, the gradient of the extrapolated point ``y`` (``grad``,
    ``grad_max``), which this object keeps as an :class:`Iterate`, with the
    momentum ``theta``, the next trial step ``t`` and the restart bookkeeping.
    """

    def __init__(self, state):
        self.state = state
        self.y = state.point()
        g = state.grad
        self.theta = 1.0
        self.t = 1.0 / max(float(np.sqrt(np.dot(g, g))), 1.0)
        self.restarted = False
        self.n_restarts = 0  # since the last record; each cost two passes (rejected XD, gradient)
        self.eps_f = 16 * float(np.finfo(state.objective.dtype).eps)

    def run(self):
        """Iterate until converged, stopped, out of iterations or out of steps."""
        state, eps_f = self.state, self.eps_f
        while state.running:
            line, step = self.gradient_step()
            if step is None or line.phi(step) > state.loss + eps_f * abs(state.loss):
                if self.restarted or step is None and self.y.coef is state.coef:
                    state.halt("no decrease possible: the objective cannot be decreased "
                               f"further at {np.dtype(state.objective.dtype).name} precision")
                else:
                    self.restart()
                continue
            self.accept(line, step)
        self.settle()

    def gradient_step(self):
        """``(line, step)``: backtracking from ``y`` along ``-grad(y)`` (step None: none found).

        Halves ``t`` (kept for the next iteration) until the sufficient
        decrease of the quadratic upper bound, ``f(y - t grad) <= f(y) -
        (t / 2) ||grad||^2``, or, for decreases below the rounding of f,
        until the (accurate) slope shows t short of the minimiser along the line.
        """
        y, eps_f = self.y, self.eps_f
        D = in_dtype(self.state.objective, -y.grad)
        gg = float(np.dot(y.grad, D))  # -||grad(y)||^2 as rounded
        line = self.state.line_along(D, gg, start=y)
        for _ in range(MAX_HALVINGS):
            t = self.t
            ft = line.phi(t)
            if ft <= y.loss + 0.5 * t * gg:
                return line, t
            if (ft <= y.loss + eps_f * abs(y.loss) and abs(t * gg) <= 100 * eps_f * abs(y.loss)
                    and line.dphi(t) <= 0):
                return line, t
            self.t = 0.5 * t
        return line, None

    def restart(self):
        """Function restart: drop the momentum, retry from x with its gradient (one pass)."""
        state = self.state
        self.theta, self.restarted = 1.0, True
        self.n_restarts += 1
        f, g = loss_grad_at(state.objective, state.scores, state.coef)
        self.y = Iterate(state.coef, state.scores, f, g, max_abs(g))

    def accept(self, line, step):
        """Move x to the accepted point, extrapolate y, take its gradient (one pass), record."""
        state = self.state
        self.restarted = False
        Z_new, x_new = line.point(step)
        f_new = line.phi(step)
        theta_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * self.theta * self.theta))
        beta = (self.theta - 1.0) / theta_new
        self.theta = theta_new
        y = x_new + beta * (x_new - state.coef)
        Zy = Z_new + beta * (Z_new - state.scores)
        with state.stage("backward"):
            fy, gy = loss_grad_at(state.objective, Zy, y)
        state.iteration += 1
        self.y = Iterate(y, Zy, fy, gy, max_abs(gy))
        state.move_to(Iterate(x_new, Z_new, f_new, gy, self.y.grad_max))
        state.record(step, trials=line.n_evals, restarts=self.n_restarts)
        self.n_restarts = 0
        self.t = 1.5 * step
        if state.grad_max <= state.tol and self.y.loss <= state.loss:
            state.move_to(self.y)
            state.check_gradient()

    def settle(self):
        """End at x with its own gradient when the last y was not taken (one pass)."""
        state = self.state
        if not state.converged and self.y.coef is not state.coef:
            f, g = loss_grad_at(state.objective, state.scores, state.coef)
            state.loss, state.grad, state.grad_max = f, g, max_abs(g)
            state.converged = state.grad_max <= state.tol


def gd(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
       name="gd"):
    """Minimise ``objective`` with accelerated gradient descent; see :func:`solve`."""
    state = SolverState(objective, name, tol=tol, max_iter=max_iter, verbose=verbose,
                        callback=callback)
    state.start(coef0)
    _Accelerated(state).run()
    return state.finish()
