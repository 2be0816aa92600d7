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

import numpy as np

from .. import _memory
from ..objective._penalty import set_objective_l2
from ._base import in_dtype

__all__ = ["NewtonMethod", "curvature_rows", "subsample_rows"]

# Sub-sampled curvature on tall dense X: the Hessian (or its products) from a
# random subset of at least CURVATURE_ROWS rows, and CURVATURE_ROWS_PER_COEF
# per coefficient, when X has at least twice as many, and every class has
# CURVATURE_MIN_CLASS_ROWS rows in it (or all of its rows).  The gradient, the
# line search and the stopping test use every row (docs/derivation.md 5.7).
CURVATURE_ROWS = 10_000
CURVATURE_ROWS_PER_COEF = 10
CURVATURE_MIN_CLASS_ROWS = 50
# The subset is a copy of its rows of X (up to half of X): taken only while it
# needs at most this share of the memory available.
CURVATURE_COPY_SHARE = 0.25
# A sub-sampled step that leaves max|grad| above this share of its value
# before the step hands the rest of the run to the exact curvature.
SUBSAMPLED_MIN_GAIN = 0.8


def curvature_rows(objective, n_coef=None, min_rows=None, rows_per_coef=None):
    """``ceil(n / step)`` rows of the objective, ``step = n // max(min_rows, rows_per_coef *
    n_coef)``, drawn at random without replacement (a fixed seed: the same rows on every
    call) and sorted; None (every row) when that step is below 2.

    At random rather than every step-th row: labels in a periodic order (class
    i mod K) would leave a regular grid with a single class.  ``n_coef``
    defaults to the objective's number of coefficients, ``min_rows`` and
    ``rows_per_coef`` to ``CURVATURE_ROWS`` and ``CURVATURE_ROWS_PER_COEF``.
    """
    n = objective.n_samples
    n_coef = int(np.prod(objective.coef_shape)) if n_coef is None else int(n_coef)
    min_rows = CURVATURE_ROWS if min_rows is None else int(min_rows)
    rows_per_coef = CURVATURE_ROWS_PER_COEF if rows_per_coef is None else int(rows_per_coef)
    step = n // max(min_rows, rows_per_coef * n_coef)
    if step < 2:
        return None
    rows = np.random.default_rng(0).choice(n, size=-(-n // step), replace=False)
    rows.sort()
    return rows.astype(np.int64, copy=False)


def subsample_rows(objective):
    """The rows a Newton method takes its curvature from, or None (every row).

    Only on dense X held in memory (a CSR row subset saves less than its copy
    costs, and an objective over row blocks has no rows to take), and only
    when every class keeps ``CURVATURE_MIN_CLASS_ROWS`` rows (or all it has):
    a class seen in a handful of rows would get a Hessian block of noise; and
    only when the copy of those rows of X needs at most ``CURVATURE_COPY_SHARE``
    of the available memory.
    """
    if (not hasattr(objective, "restrict") or getattr(objective, "is_sparse", True)
            or getattr(objective, "lazy_scores", False)):
        return None
    rows = curvature_rows(objective)
    if rows is None:
        return None
    K = objective.n_classes
    full = np.bincount(objective.y, minlength=K)
    kept = np.bincount(objective.y[rows], minlength=K)
    if np.any(kept < np.minimum(full, CURVATURE_MIN_CLASS_ROWS)):
        return None
    available = _memory.available_bytes()
    copy = rows.size * objective.n_features * np.dtype(objective.dtype).itemsize
    if available is not None and copy > CURVATURE_COPY_SHARE * available:
        return None
    return rows


class NewtonMethod:
    """The outer loop of a Newton method on a :class:`SolverState`.

    Parameters
    ----------
    state : SolverState
        Started (``state.start``); :meth:`run` advances it until it stops.
    subsample : bool, default False
        Take the curvature from a random subset of the rows of a tall dense X
        (:func:`subsample_rows`): ``curvature`` is then the objective on
        those rows and ``rows`` their indices, until a step that gains too
        little (``SUBSAMPLED_MIN_GAIN``) makes them the full objective and None.
    """

    def __init__(self, state, subsample=False):
        self.state = state
        obj = state.objective
        self.curvature, self.rows = obj, None
        if not subsample:
            return

        def build():
            rows = subsample_rows(obj)
            return None if rows is None else (obj.restrict(rows=rows), rows)

        # a path's fits share the copy (``state.cache``), at the current strength
        cache = state.cache
        subset = build() if cache is None else cache.shared(obj, "curvature rows", build)
        if subset is not None:
            self.curvature, self.rows = subset
            set_objective_l2(self.curvature, obj.l2)

    def curvature_scores(self):
        """The held scores on the curvature's rows (a copy of those rows, or the scores)."""
        return self.state.scores if self.rows is None else self.state.scores[self.rows]

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
            self.check_subsample(before)

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

    def check_subsample(self, before):
        """After a sub-sampled step from ``before`` that cut max|grad| by less than
        ``SUBSAMPLED_MIN_GAIN``, take the exact curvature from the next iteration on."""
        if self.rows is not None and self.state.grad_max > SUBSAMPLED_MIN_GAIN * before.grad_max:
            self.exact_curvature()

    def exact_curvature(self):
        """Take the curvature from every row from now on."""
        self.curvature, self.rows = self.state.objective, None
