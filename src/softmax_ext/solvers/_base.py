"""Shared pieces of the solvers: result, per-iteration bookkeeping, warnings, vector helpers.

The iteration state itself (iterate, status, the named steps) is in ``_state.py``.

Every solver minimises an objective object of :mod:`softmax_ext.objective`
(``MultinomialLoss`` or ``FixedClassLoss``) through its public methods only.
Coefficient arrays have the objective's ``coef_shape`` (layout documented in
``objective.py``); flattened vectors follow ``coef.ravel()`` (C order).

Precision: X and every pass over it stay in the objective's dtype (float32
stays float32).  The iterate, the search directions and the scores
``Z = X W^T + b`` carried between iterations are kept in float64: they are
O(m) and O(n K), negligible next to X, and accuracy requires it -- the last
steps of a fit are smaller than the float32 spacing of the coefficients
(relative 6e-8) and would be rounded away, and the carried scores
``Z + t XD`` must describe the same point as the iterate.  Directions are
rounded to the objective's dtype before ``XD`` is formed, so that XD is the
product with exactly the direction that is added.  The returned ``coef`` has
the objective's dtype (on a 20000 x 100, K=10 float32 problem rounding it moved
``max|grad|`` by less than 1e-8).
"""

import contextlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.blas import daxpy as _daxpy
from sklearn.exceptions import ConvergenceWarning

from ..objective._layout import check_coef
from ._events import CallbackListener, IterationEvent, IterationState, StopEvent, VerboseLines

__all__ = ["SolverResult", "IterationState", "Monitor", "ConvergenceWarning"]


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    coef : ndarray of ``objective.coef_shape``, dtype of the objective
        The final coefficients (intercept in the last column when fitted).
    n_iter : int
        Iterations performed (0 when the start already satisfied ``tol``).
    converged : bool
        Whether ``max|grad| <= tol`` (and, for Newton, the decrement test) held.
    loss : float
        Objective value at ``coef``.
    grad_max : float
        ``max |gradient|`` at ``coef``.
    n_passes_over_X : int
        Passes over X made by this call (forward or backward products,
        Hessian assembly or Hessian-vector products).
    history : list of dict
        One entry per iteration, iteration 0 being the start: ``iteration``,
        ``loss``, ``grad_max``, ``step``, ``passes`` (cumulative), ``seconds``
        (elapsed since the start of the call).
    solver : str
        The solver that ran (useful with ``solver="auto"``).
    message : str
        Why it stopped.
    timings : dict
        Seconds spent per stage (e.g. ``forward`` = X D, ``backward`` = gradient
        from scores, ``line search``, ``hessian``, ``cholesky``, ``cg``).
    """

    coef: np.ndarray
    n_iter: int
    converged: bool
    loss: float
    grad_max: float
    n_passes_over_X: int
    history: list = field(default_factory=list)
    solver: str = ""
    message: str = ""
    timings: dict = field(default_factory=dict)


def max_abs(a):
    """``max |a|`` as a Python float (0 for an empty array)."""
    return float(np.max(np.abs(a))) if a.size else 0.0


class Monitor:
    """History, pass counting, stage timings, and the one iteration event of a run.

    Each :meth:`record` appends to the history and, when the run has
    listeners, hands one :class:`~._events.IterationEvent` to each of them
    (``_events.py``): the verbose table when ``verbose`` is set, then the
    ``callback``.  Without either, no event is built.
    """

    def __init__(self, objective, name, *, verbose=0, callback=None):
        self.obj = objective
        self.name = name
        self.passes0 = objective.n_passes_over_X
        self.t0 = time.perf_counter()
        self.history = []
        self.stages = {}
        # the table first: a row is printed before a callback can stop the run there
        self.listeners = []
        if verbose:
            self.listeners.append(VerboseLines(name))
        if callback is not None:
            self.listeners.append(CallbackListener(callback, objective.coef_shape))

    @contextlib.contextmanager
    def stage(self, name):
        """Accumulate the wall time of a stage (reported in verbose mode and the result)."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t

    @property
    def passes(self):
        return self.obj.n_passes_over_X - self.passes0

    def elapsed(self):
        return time.perf_counter() - self.t0

    def record(self, iteration, coef, loss, grad, grad_max, step, **extra):
        """Store one iteration and emit its event; return True if a listener asks to stop.

        ``coef`` and ``grad`` are the solver's flat float64 vectors (listeners
        that keep them copy them).
        """
        entry = dict(iteration=int(iteration), loss=float(loss), grad_max=float(grad_max),
                     step=float(step), passes=int(self.passes), seconds=self.elapsed())
        entry.update(extra)
        self.history.append(entry)
        if not self.listeners:
            return False
        event = IterationEvent(iteration=entry["iteration"], loss=entry["loss"],
                               grad_max=entry["grad_max"], step=entry["step"],
                               passes=entry["passes"], seconds=entry["seconds"], extra=extra,
                               coef=coef, grad=grad)
        stop = False
        for listener in self.listeners:  # every listener sees the event, even after a stop
            stop = bool(listener.on_iteration(event)) or stop
        return stop

    def report_stop(self, n_iter, message, loss, grad_max):
        """Emit the run's :class:`~._events.StopEvent` (the verbose stop line)."""
        if not self.listeners:
            return
        event = StopEvent(n_iter=int(n_iter), message=message, loss=float(loss),
                          grad_max=float(grad_max), passes=int(self.passes),
                          seconds=self.elapsed(), stages=dict(self.stages))
        for listener in self.listeners:
            listener.on_stop(event)

    def result(self, coef, n_iter, converged, loss, grad_max, message="", center=True):
        """The run's :class:`SolverResult`, after its stop event.

        ``center``: move ``coef`` along the smooth objective's invariant
        columns to their mean-zero point (``objective.center``); False for an
        L1 term, which those moves would change.
        """
        self.report_stop(n_iter, message, loss, grad_max)
        coef = np.asarray(coef, dtype=np.float64).ravel()
        if center:
            coef = self.obj.center(coef)
        coef = coef.reshape(self.obj.coef_shape).astype(self.obj.dtype, copy=True)
        return SolverResult(coef=coef, n_iter=int(n_iter), converged=bool(converged),
                            loss=float(loss), grad_max=float(grad_max),
                            n_passes_over_X=int(self.passes), history=self.history,
                            solver=self.name, message=message, timings=dict(self.stages))


def warn_not_converged(name, n_iter, grad_max, tol, reason=None):
    """Emit the ConvergenceWarning of a run that stopped before ``max|grad| <= tol``."""
    why = reason or f"max_iter={n_iter} reached"
    # scikit-learn's opening words for the solver of that name, then ours
    opening = ("Newton solver did not converge" if name == "newton-cholesky"
               else f"{name} failed to converge")
    warnings.warn(
        f"{opening} after {n_iter} iterations ({why}; "
        f"max|grad| = {grad_max:.3g} > tol = {tol:.3g}). Increase the number of iterations "
        "(max_iter), or scale the features (e.g. sklearn.preprocessing.StandardScaler), or "
        "loosen tol.",
        ConvergenceWarning, stacklevel=4)


def check_separable(objective, Z, coef):
    """Warn when l2 == 0 and the current scores separate every (weighted) sample.

    A W with a positive margin on every sample certifies that the classes are
    separable; with l2 == 0 the loss then tends to 0 along ``t W`` as
    ``t -> inf``, so no finite minimiser exists and the coefficients diverge.
    """
    if objective.l2 != 0.0 or not isinstance(Z, np.ndarray):
        return False  # (a blocked objective's scores are not arrays: not checked)
    Z = np.asarray(Z)
    if Z.shape[1] < 2:
        return False
    y = np.asarray(objective.y)
    rows = np.arange(Z.shape[0])
    z_true = Z[rows, y]
    Zo = Z.copy()
    Zo[rows, y] = -np.inf
    margin = z_true - Zo.max(axis=1)
    sw = objective.sample_weight
    if sw is not None:
        margin = margin[np.asarray(sw) > 0]
    if margin.size and np.all(margin > 0):
        warnings.warn(
            "The classes are linearly separable (the current coefficients classify every "
            "training sample correctly) and l2 == 0: the objective has no finite minimiser, "
            f"the coefficients diverge (max|coef| = {max_abs(np.asarray(coef)):.3g} and "
            "growing). Use a penalty (l2 > 0, i.e. a finite C).",
            ConvergenceWarning, stacklevel=4)
        return True
    return False


def check_coef0(objective, coef0):
    """The starting point as a flat float64 vector (zeros when ``coef0`` is None)."""
    if coef0 is None:
        return np.zeros(int(np.prod(objective.coef_shape)), dtype=np.float64)
    # a copy: the solvers update the iterate in place
    return check_coef(coef0, objective.coef_shape, dtype=np.float64, name="coef0").ravel().copy()


def axpy(a, x, y):
    """``y += a * x`` in place, without a temporary (BLAS daxpy on float64 vectors).

    The solvers' vector algebra on m-vectors: at m = 200,000 (the CSR bench)
    numpy's ``y += a * x`` allocates and fills an m-vector each time.
    """
    out = _daxpy(x, y, a=a)
    if out is not y:  # y was not a contiguous float64 vector: BLAS updated a copy
        y[...] = out


def in_dtype(objective, v):
    """Round a float64 vector to the objective's dtype and back (exact in that dtype)."""
    if objective.dtype == np.float64:
        return v
    return v.astype(objective.dtype).astype(np.float64)


def steepest_descent(objective, g):
    """The fallback direction ``-g`` scaled to length at most 1 (as scipy's
    L-BFGS-B first step), in the objective's dtype, and its slope ``g . D``."""
    D = in_dtype(objective, -g / max(float(np.sqrt(np.dot(g, g))), 1.0))
    return D, float(np.dot(g, D))


def scores64(objective, flat):
    """``objective.scores`` of a flat vector, as float64 (one pass over X)."""
    Z = objective.scores(flat.reshape(objective.coef_shape))
    # a blocked objective's scores are not arrays (scale/_scores.py): kept as given
    return np.asarray(Z, dtype=np.float64) if isinstance(Z, np.ndarray) else Z


def loss_grad_at(objective, Z, flat):
    """Objective and flat float64 gradient from scores (backward pass only)."""
    f, g = objective.loss_gradient_scores(Z, flat.reshape(objective.coef_shape))
    return float(f), np.asarray(g, dtype=np.float64).ravel()


def check_options(tol, max_iter, verbose):
    """Check the options every solver takes (``solve`` does, once, before any solver runs).

    Raises
    ------
    ValueError
        ``tol`` not a finite number >= 0, ``max_iter`` not an int >= 0, or
        ``verbose`` not an int (booleans count as ints there).
    """
    if not (isinstance(tol, (int, float, np.floating, np.integer)) and not isinstance(tol, bool)
            and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be an int >= 0, got {max_iter!r}.")
    if isinstance(verbose, bool):
        verbose = int(verbose)
    if not isinstance(verbose, (int, np.integer)):
        raise ValueError(f"verbose must be an int, got {verbose!r}.")


