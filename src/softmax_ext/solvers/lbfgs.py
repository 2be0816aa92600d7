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

from ._base import axpy, in_dtype
from ._precondition import Preconditioning
from ._state import SolverState

# With the Kronecker preconditioner, its class factor B is refreshed from the
# current scores every REFRESH iterations (H0 may change between iterations;
# B drifts as the probabilities do; measured in docs/solvers.md).
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


class _LBFGS:
    """L-BFGS's steps on a started :class:`SolverState` (see :func:`lbfgs`).

    Besides the state it keeps the (s, y) pairs and the scale ``gamma`` of
    the initial inverse Hessian, the preconditioner and the iteration it was
    last refreshed at, and ``plain``: the preconditioned gradient failed its
    line search, so the next direction without pairs is steepest descent.
    """

    def __init__(self, state, memory, pre):
        self.state, self.pre = state, pre
        self.pairs = deque(maxlen=int(memory))
        self.gamma = 1.0
        self.precond, self.refreshed = None, 0
        self.plain = False

    def run(self):
        """Iterate until converged, stopped, out of iterations or out of steps."""
        state = self.state
        while state.running:
            self.refresh_preconditioner()
            D, d0, fell_back = state.descent(self.direction())
            if fell_back:
                self.pairs.clear()
            line, t = state.search(D, d0, "wolfe")
            if t is None:
                self.restart()
                continue
            self.plain = False
            before = state.point()
            state.take_step(line, t, trials=line.n_evals, **self.pre.take_setup())
            self.update(state.coef - before.coef, state.grad - before.grad)
            state.check_gradient()

    def refresh_preconditioner(self):
        """Set ``precond`` (``r -> M^-1 r`` or None) at the start and every REFRESH iterations."""
        it = self.state.iteration
        if self.pre.active and (self.precond is None or it - self.refreshed >= REFRESH):
            with self.state.stage("preconditioner"):
                self.precond, self.refreshed = self.pre.at(self.state.scores), it

    def direction(self):
        """The two-loop direction, or without pairs the preconditioned gradient (None:
        steepest descent), rounded to the objective's dtype."""
        obj, g = self.state.objective, self.state.grad
        with self.state.stage("direction"):
            if self.pairs:
                return in_dtype(obj, _two_loop(g, self.pairs, self.gamma, self.precond))
            if self.precond is None or self.plain:
                return None
            return in_dtype(obj, -self.precond(g))

    def restart(self):
        """After a failed line search: forget the pairs (a poor quasi-Newton model),
        else try steepest descent instead of the preconditioned gradient, else halt."""
        if self.pairs:
            self.pairs.clear()
        elif self.precond is not None and not self.plain:
            self.plain = True
        else:
            self.state.line_search_failed()

    def update(self, s, y):
        """Keep the pair (s, y) when its curvature is positive, and rescale ``gamma``."""
        sy = float(np.dot(s, y))
        yy = float(np.dot(y, y))
        if sy > 1e-10 * yy and sy > 0:
            self.pairs.append((s, y, 1.0 / sy))
            yhy = yy if self.precond is None else float(np.dot(y, self.precond(y)))
            if yhy > 0:  # (M singular along y, l2 = 0: keep the last scale)
                self.gamma = sy / yhy


def lbfgs(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
          memory=10, precondition="auto", name="lbfgs", cache=None):
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
    pre = Preconditioning(objective, precondition, "lbfgs", cache)
    state = SolverState(objective, name, tol=tol, max_iter=max_iter, verbose=verbose,
                        callback=callback, cache=cache)
    state.start(coef0)
    _LBFGS(state, memory, pre).run()
    return state.finish()
