"""What the Newton methods share: the outer loop, the step along the Newton direction, the test.

A Newton iteration, as scikit-learn's ``_glm/_newton_solver.py`` names its
steps: :meth:`NewtonMethod.update_curvature` (the Hessian or its product at
the iterate), :meth:`NewtonMethod.inner_solve` (the Newton direction
``H D = -g``), :meth:`NewtonMethod.line_search` (from the natural step
t = 1, in score space), :meth:`NewtonMethod.check_convergence`; a failed
line search goes to :meth:`NewtonMethod.recover` (a retry, or the end).  ``newton_cg.py`` and
``newton_cholesky.py`` override what differs; the iterate and the run's
status live in the :class:`~softmax_ext.solvers._state.SolverState`.
"""

from ._base import in_dtype

__all__ = ["NewtonMethod"]


class NewtonMethod:
    """The outer loop of a Newton method on a :class:`SolverState`.

    Parameters
    ----------
    state : SolverState
        Started (``state.start``); :meth:`run` advances it until it stops.
    """

    def __init__(self, state):
        self.state = state

    def run(self):
        """Iterate until converged, stopped, out of iterations or out of steps."""
        state = self.state
        while state.running:
            self.update_curvature()
            D = in_dtype(state.objective, self.inner_solve())
            line, t = self.line_search(*state.descent(D))
            if t is None:
                self.recover()   # a retry, or state.halted
                continue
            before = state.point()
            state.take_step(line, t, **self.record_extra(line))
            self.check_convergence(before)

    def update_curvature(self):
        """Set up the curvature at ``state.coef`` (the Hessian, or its product)."""
        raise NotImplementedError

    def inner_solve(self):
        """The Newton direction ``D ~ -H^-1 g`` (flat float64; rounded by the caller)."""
        raise NotImplementedError

    def line_search(self, D, d0, fell_back):
        """``(line, t)`` along D with slope d0 (``state.search``, from the Newton step t = 1).

        ``fell_back``: D is the steepest-descent direction (``state.descent``).
        """
        raise NotImplementedError

    def recover(self):
        """After a failed line search: prepare a retry, or halt the run.

        By default the run halts with the line-search message.
        """
        self.state.line_search_failed()

    def record_extra(self, line):
        """What the history records of this iteration besides the shared columns."""
        return dict(trials=line.n_evals)

    def check_convergence(self, before):
        """Stop test after a step from ``before`` (an Iterate): ``max|grad| <= tol``."""
        self.state.check_gradient()
