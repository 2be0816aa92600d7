"""One event per solver iteration, and the listeners that consume it.

A run's :class:`~softmax_ext.solvers._base.Monitor` records each iteration
once and hands the same :class:`IterationEvent` to each of its listeners, in
order, then one :class:`StopEvent` when the run ends:

- :class:`VerboseLines` (``verbose >= 1``) prints the solver's table;
- :class:`CallbackListener` calls the caller's ``callback(state)``; the
  estimator's scikit-learn callbacks (``linear_model/_callbacks.py``) and
  the command line's ``fit --progress`` run through it.

Neither has a path of its own to the solver, so the verbose table and the
callbacks cannot disagree: the same iterations, the same count, the same
stop (a callback's request to stop ends the run after the row of that
iteration, and the stop line says so).  A run with neither (``verbose=0``,
no callback) has no listener and builds no event: it costs what it cost
before listeners existed.

A listener has ``on_iteration(event)``, whose true return value asks the run
to stop, and ``on_stop(event)``.
"""

import sys
from dataclasses import dataclass, field

import numpy as np

__all__ = ["IterationEvent", "StopEvent", "IterationState", "VerboseLines", "CallbackListener"]


@dataclass
class IterationEvent:
    """One recorded iteration (iteration 0 is the starting point).

    Attributes
    ----------
    iteration : int
    loss : float
        The objective at ``coef``.
    grad_max : float
        ``max |gradient|`` (prox-newton: of the minimum-norm subgradient).
    step : float
        The accepted step length (0 at the start).
    passes : int
        Passes over X since the start of the run, cumulative.
    seconds : float
        Elapsed since the start of the run.
    extra : dict
        Solver-specific columns (``trials``, ``cg``, ``features``, ...).
    coef, grad : ndarray (m,), float64
        The solver's own flat iterate and gradient (``coef.ravel()`` order),
        not copies: valid during the call only, never to be modified.
    """

    iteration: int
    loss: float
    grad_max: float
    step: float
    passes: int
    seconds: float
    extra: dict
    coef: np.ndarray
    grad: np.ndarray


@dataclass
class StopEvent:
    """The end of a run: after how many iterations, why, and where.

    ``stages`` maps a stage name to the seconds spent in it.
    """

    n_iter: int
    message: str
    loss: float
    grad_max: float
    passes: int
    seconds: float
    stages: dict = field(default_factory=dict)


@dataclass
class IterationState:
    """Passed to ``callback`` after each iteration.

    ``coef`` and ``grad`` are float64 copies of shape ``objective.coef_shape``.
    """

    iteration: int
    coef: np.ndarray
    loss: float
    grad: np.ndarray


class VerboseLines:
    """The solver's table on stdout (``verbose >= 1``): a header, one row per
    iteration event (iteration 0 included), a stop line and the time per stage.

    Parameters
    ----------
    name : str
        The solver's name, the prefix of every line.
    """

    def __init__(self, name):
        self.name = name

    def _print(self, text):
        # sys.stdout at call time: the command line redirects it to stderr
        print(f"[{self.name}] {text}", file=sys.stdout)

    def on_iteration(self, event):
        if event.iteration == 0:
            self._print(f"{'iter':>5} {'loss':>22} {'max|grad|':>10} {'step':>9} "
                        f"{'passes':>6} {'seconds':>8}")
        more = "".join(f" {k}={v}" for k, v in event.extra.items())
        self._print(f"{event.iteration:5d} {event.loss:22.15e} {event.grad_max:10.3e} "
                    f"{event.step:9.3e} {event.passes:6d} {event.seconds:8.3f}{more}")
        return False

    def on_stop(self, event):
        self._print(f"stop after {event.n_iter} iterations: {event.message} "
                    f"(loss {event.loss:.15e}, max|grad| {event.grad_max:.3e}, "
                    f"{event.passes} passes over X, {event.seconds:.3f} s)")
        total = max(event.seconds, 1e-12)
        parts = ", ".join(f"{k} {v:.3f} s ({100 * v / total:.0f}%)"
                          for k, v in sorted(event.stages.items(), key=lambda kv: -kv[1]))
        self._print(f"time per stage: {parts}")


class CallbackListener:
    """``callback(state)`` after each iteration (not at the start), with an
    :class:`IterationState` of float64 copies; its true return value asks the
    run to stop.

    Parameters
    ----------
    callback : callable
    coef_shape : tuple
        The objective's ``coef_shape``, the shape of ``state.coef``.
    """

    def __init__(self, callback, coef_shape):
        self.callback = callback
        self.coef_shape = coef_shape

    def on_iteration(self, event):
        if event.iteration == 0:
            return False
        # copies: the solver updates its iterate in place after the call
        state = IterationState(iteration=event.iteration,
                               coef=np.array(event.coef, dtype=np.float64).reshape(
                                   self.coef_shape),
                               loss=event.loss,
                               grad=np.array(event.grad, dtype=np.float64).reshape(
                                   self.coef_shape))
        return bool(self.callback(state))

    def on_stop(self, event):
        pass
