"""The named state of one solver run: where it is, and how the run stands.

Every solver keeps the same things between iterations -- the iterate, its
scores, loss and gradient, the iteration count and why it stopped -- and
moves them through the same steps: :meth:`SolverState.start`, a direction,
:meth:`SolverState.search` along it, :meth:`SolverState.take_step` to the
accepted point, :meth:`SolverState.check_gradient`, and at the end
:meth:`SolverState.finish`.  Each step says which attributes it sets; the
solvers add only what differs (their direction, their line search, their
stopping test).  The fixed problem (the objective and its data) stays in the
objective object, as glum keeps ``IRLSData`` apart from ``IRLSState``.

Layouts: ``coef`` and ``grad`` are flat float64 vectors in the order of
``coef.ravel()`` (the objective's ``coef_shape``, see ``objective.py``);
``scores`` is ``Z = X W^T + b``, (n_samples, n_classes) float64.  Why the
iterate and the scores are float64 whatever X's dtype: ``_base.py``.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._base import (Monitor, check_coef0, check_separable, in_dtype, loss_grad_at, max_abs,
                    scores64, steepest_descent, warn_not_converged)
from ._linesearch import ScoreLine

__all__ = ["Iterate", "SolverState", "start_point"]


@dataclass
class Iterate:
    """One point of a run and what is known there.

    Attributes
    ----------
    coef : ndarray (m,), float64
        The coefficients, flat.
    scores : ndarray (n_samples, n_classes), float64
        ``Z`` at ``coef``.
    loss : float
        Objective at ``coef``.
    grad : ndarray (m,), float64
        Gradient at ``coef``, flat.
    grad_max : float
        ``max |grad|``.
    """

    coef: np.ndarray
    scores: np.ndarray
    loss: float
    grad: np.ndarray
    grad_max: float


class SolverState:
    """One run of a solver on an objective.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
    name : str
        The solver's name (history, verbose lines, warnings, the result).
    tol, max_iter, verbose, callback
        As in :func:`softmax_ext.solvers.solve` (validated there).
    cache : PathCache, optional
        A regularisation path's (``_path_cache.py``): :meth:`start` begins at
        the previous fit's end point when ``coef0`` is its result, and
        :meth:`finish` stores this run's end for the next fit.

    Attributes
    ----------
    coef, scores, loss, grad, grad_max
        The current iterate (see :class:`Iterate`); set by :meth:`start`,
        :meth:`take_step` and :meth:`move_to`.  (gd reports the gradient of
        its extrapolated point here: see ``gd.py``.)
    iteration : int
        Iterations accepted so far (0 at the start).
    converged : bool
        The solver's stopping test held.
    stopped : bool
        The callback asked to stop.
    halted : bool
        The solver gave up (:meth:`halt`: no step decreases the objective,
        or no progress); ``message`` says why.
    message : str
        Why the run stopped (``"max_iter reached"`` until something else).
    monitor : Monitor
        History, per-stage timings, pass counting, and the iteration event
        that the verbose table and the callback consume (``_events.py``).
    """

    def __init__(self, objective, name, *, tol, max_iter, verbose=0, callback=None, cache=None):
        self.objective = objective
        self.cache = cache
        self.name = name
        self.tol = tol
        self.max_iter = max_iter
        self.monitor = Monitor(objective, name, verbose=verbose, callback=callback)
        self.coef = self.scores = self.grad = None
        self.loss = self.grad_max = math.nan
        self.iteration = 0
        self.converged = self.stopped = self.halted = False
        self.message = "max_iter reached"

    # ---- the iterate ----------------------------------------------------
    def start(self, coef0):
        """Set the iterate at ``coef0`` (zeros when None) and record iteration 0.

        Two passes over X (forward, backward); at zero coefficients the
        scores are zero and the forward pass is skipped, and at the previous
        fit's end of a path (``cache``) both are.  Sets ``converged`` when
        the start already satisfies ``max|grad| <= tol``.
        """
        x, Z, f, g = start_point(self.objective, coef0, self.cache)
        self.move_to(Iterate(x, Z, f, g, max_abs(g)))
        self.record(0.0)
        if self.grad_max <= self.tol:
            self.converged, self.message = True, "max|grad| <= tol at the start"

    def point(self):
        """The current iterate as an :class:`Iterate` (no copies)."""
        return Iterate(self.coef, self.scores, self.loss, self.grad, self.grad_max)

    def move_to(self, point):
        """Make ``point`` (an :class:`Iterate`) the current iterate; no pass over X."""
        self.coef, self.scores, self.loss = point.coef, point.scores, point.loss
        self.grad, self.grad_max = point.grad, point.grad_max

    @property
    def running(self):
        """Neither converged, nor stopped by the callback, nor halted, nor out of iterations."""
        return not (self.converged or self.stopped or self.halted) and self.iteration < self.max_iter

    def stage(self, name):
        """Context manager timing a stage (``Monitor.stage``)."""
        return self.monitor.stage(name)

    # ---- a step ---------------------------------------------------------
    def descent(self, D):
        """``(D, slope, fell_back)`` for a proposed direction D from the current point.

        D must already be rounded to the objective's dtype (``in_dtype``), or
        be None for "no proposal".  When it is None or not a descent
        direction (``grad . D`` not negative), the scaled steepest-descent
        direction takes its place and ``fell_back`` is True.
        """
        d0 = float(np.dot(self.grad, D)) if D is not None else 0.0
        if D is None or not d0 < 0:
            D, d0 = steepest_descent(self.objective, self.grad)
            return D, d0, True
        return D, d0, False

    def line_along(self, D, d0, start=None):
        """The objective along ``start + t D`` (a :class:`ScoreLine`).

        One pass over X for ``XD`` (stage "forward").  ``start`` is an
        :class:`Iterate` (default: the current one); ``d0`` the slope at it.
        """
        at = self.point() if start is None else start
        with self.stage("forward"):
            XD = scores64(self.objective, D)
        return ScoreLine(self.objective, at.coef, D, at.scores, XD, at.loss, d0)

    def search(self, D, d0, method="wolfe", **options):
        """``(line, t)``: the line along D and the step its search accepts, trying t = 1 first.

        ``method`` is "wolfe" or "armijo" (``ScoreLine``'s searches, stage
        "line search"; trials cost O(n K), no pass over X); ``t`` is None
        when no acceptable step was found.
        """
        line = self.line_along(D, d0)
        with self.stage("line search"):
            t, _ = getattr(line, method)(1.0, **options)
        return line, t

    def take_step(self, line, t, **extra):
        """Move to ``coef + t D`` along ``line`` and record the iteration.

        Sets ``coef`` and ``scores`` from the line (no pass over X), ``loss``,
        ``grad`` and ``grad_max`` from one backward pass (stage "backward"),
        ``iteration`` (+1) and ``stopped``; ``extra`` goes to the history.
        """
        self.iteration += 1
        Z, x = line.point(t)
        with self.stage("backward"):
            f, g = loss_grad_at(self.objective, Z, x)
        self.move_to(Iterate(x, Z, f, g, max_abs(g)))
        self.record(t, **extra)

    def record(self, step, **extra):
        """Record the current iteration (``Monitor.record``); sets ``stopped``."""
        self.stopped = self.monitor.record(self.iteration, self.coef, self.loss, self.grad,
                                           self.grad_max, step, **extra)

    # ---- stopping -------------------------------------------------------
    def check_gradient(self, message="max|grad| <= tol"):
        """Set ``converged`` (and ``message``) when ``max|grad| <= tol``; return ``converged``."""
        if self.grad_max <= self.tol:
            self.converged, self.message = True, message
        return self.converged

    def halt(self, message):
        """End the run without convergence (sets ``halted`` and ``message``)."""
        self.halted, self.message = True, message

    def line_search_failed(self):
        """Halt a run in which no step along the direction decreases the objective."""
        self.halt("line search failed: the objective cannot be decreased further at "
                  f"{np.dtype(self.objective.dtype).name} precision")

    def finish(self):
        """The run's :class:`SolverResult`, after its warnings.

        The separability check (``check_separable``), then the
        ConvergenceWarning when the run neither converged nor was stopped by
        the callback.  Each solver function calls this itself: the warnings'
        fixed stacklevel counts on that depth (they name the line in
        :func:`solve` that ran the solver).
        """
        if self.stopped and not self.converged:
            self.message = "stopped by callback"
        check_separable(self.objective, self.scores, self.coef)
        if not self.converged and not self.stopped:
            reason = None if self.message == "max_iter reached" else self.message
            warn_not_converged(self.name, self.iteration, self.grad_max, self.tol, reason)
        result = self.monitor.result(self.coef, self.iteration, self.converged, self.loss,
                                     self.grad_max, self.message)
        if self.cache is not None:
            self.cache.keep_end(self.objective, result.coef, self.coef, self.scores,
                                self.loss, self.grad)
        return result


def start_point(objective, coef0, cache=None):
    """``(x, Z, f, g)``: the flat iterate at ``coef0`` (zeros when None) in the
    objective's dtype, its float64 scores, objective and flat gradient.

    A path's previous end (``cache.start``) costs no pass over X; zero
    coefficients only the backward pass; any other start both passes.
    """
    warm = None if cache is None else cache.start(objective, coef0)
    if warm is not None:
        return warm
    x = in_dtype(objective, check_coef0(objective, coef0))
    if np.any(x) or getattr(objective, "lazy_scores", False):
        Z = scores64(objective, x)
    else:
        Z = np.zeros((objective.n_samples, objective.n_classes), dtype=np.float64)
    f, g = loss_grad_at(objective, Z, x)
    return x, Z, f, g
