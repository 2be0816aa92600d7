"""Solvers for the multinomial objective: L-BFGS, Newton-Cholesky, Newton-CG, gradient
descent, and proximal Newton for L1 / elastic-net penalties (OWL-QN for them on
objectives over row blocks).

All of them work on the objective objects of :mod:`softmax_ext.objective`
through their public methods, keep the scores ``Z = X W^T + b`` between
iterations and run their line searches in score space (O(n K) per trial,
no pass over X); see ``_linesearch.py``.

Every solver advances a ``SolverState`` (``_state.py``: the iterate, the
run's status and the named steps of an iteration); the Newton methods share
their outer loop (``_newton.py``); ``_choice.py`` decides what
``solver="auto"`` runs.  The measurements behind the constants are in
docs/solvers.md.
"""

import numpy as np

from .. import _memory
from .._threads import single_threaded_blas
from ._base import IterationState, SolverResult, check_options
from ._choice import choose
# the solver functions under private names: the package attributes
# ``lbfgs``, ``newton_cg``, ... stay the modules (their settings live there)
from .gd import gd as _gd
from .lbfgs import lbfgs as _lbfgs
from .newton_cg import newton_cg as _newton_cg
from .newton_cholesky import newton_cholesky as _newton_cholesky
from .owlqn import owlqn as _owlqn
from .prox_newton import PENALTIES
from .prox_newton import prox_newton as _prox_newton

__all__ = ["solve", "SolverResult", "IterationState", "SOLVERS"]

_RUN = {"lbfgs": _lbfgs, "newton-cholesky": _newton_cholesky, "newton-cg": _newton_cg,
        "gd": _gd, "prox-newton": _prox_newton}
# The solver names, here only: the estimator, the CLI and the tests import them.
SOLVERS = ("auto",) + tuple(_RUN)
# An L1 term on an objective without X's columns (a blocked one, scale/) runs
# OWL-QN, which needs only losses and gradients, where prox-newton would run.
_RUN["owlqn"] = _owlqn
# The solvers that take the ``precondition`` option.
PRECONDITIONED = ("lbfgs", "newton-cg")
# The solvers that start from a path's previous end (``cache``): gd's state
# holds the gradient of its extrapolated point, not of its iterate.
_CACHED = ("lbfgs", "newton-cg", "newton-cholesky", "prox-newton")


# BLAS threads during a solve: none.  The products over X run in the C kernels,
# which call BLAS single-threaded inside their own OpenMP threads; what is left
# here is vector algebra on m-vectors (L-BFGS two-loop, CG), where threaded
# BLAS costs more than it gives and its workers, spinning after each call,
# compete with the next kernel's OpenMP threads for the cores (measured in
# docs/solvers.md).  Newton-Cholesky re-enables threads around a large
# factorisation (newton_cholesky.py).
def _blas_context(objective):
    return single_threaded_blas()


def solve(objective, coef0=None, *, solver="auto", tol=1e-4, max_iter=100, verbose=0,
          callback=None, precondition="auto", l1=0.0, penalty="l1", cache=None):
    """Minimise a multinomial objective.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
        The objective bound to its data (see :mod:`softmax_ext.objective`).
    coef0 : ndarray of shape ``objective.coef_shape``, optional
        Warm start; zeros when None.
    solver : {"auto", "lbfgs", "newton-cholesky", "newton-cg", "gd", "prox-newton"}, \
            default "auto"
        "auto" takes, on dense X with at least ``m = coef.size`` samples,
        newton-cholesky or newton-cg by their predicted passes over X
        (``_choice.multinomial_costs`` and ``binary_costs``; the measurements
        are in docs/solvers.md), lbfgs on wide dense X and on sparse
        multinomial X (newton-cg on sparse binary X);
        never a solver whose memory estimate does not fit in the available
        memory (``softmax_ext._memory``).  On tall dense X newton-cholesky
        and newton-cg take the Hessian (or its products) from a random
        subset of the rows, everything else from every row: the same
        optimum (``_newton.py``, docs/derivation.md 5.7).  A solver whose estimate does not
        fit raises a MemoryError that names the size before it allocates.
        With ``l1 > 0`` "auto" is "prox-newton" (``prox_newton.py``), the
        solver for a non-smooth term; on an objective over row blocks
        (``scale/``), which has no columns of X to give it, "auto" and
        "prox-newton" run OWL-QN (``owlqn.py``, the same optimum and stop).
    tol : float, default 1e-4
        Stop when ``max |gradient| <= tol`` (the objective is normalised by the
        sum of sample weights, as in scikit-learn, so ``tol`` means what it
        means for ``LogisticRegression``).
    max_iter : int, default 100
    verbose : int, default 0
        1 prints one line per iteration: iteration, loss, max|grad|, step,
        passes over X, elapsed seconds.
    callback : callable, optional
        ``callback(state)`` after each iteration with ``state.iteration``,
        ``state.coef``, ``state.loss``, ``state.grad``; returning True stops.
        The verbose lines and the callback consume the same per-iteration
        event (``_events.py``): the callback is called once for each verbose
        row after the first (the start), and a stop it asks for is the
        stop the verbose table reports.
    precondition : {"auto", True, False}, default "auto"
        lbfgs and newton-cg only: the Kronecker-factored preconditioner of
        ``solvers/_precondition.py`` ("auto": where it is cheap and the
        features are correlated (dense X of moderate width), or their means
        large or their norms uneven, enough for it to pay; True: always).
    l1 : float, default 0.0
        Strength of an L1 term ``l1 * ||W||_1`` added to the objective
        (intercepts excluded), on the objective's normalised scale; ``tol``
        then bounds its minimum-norm subgradient.
    penalty : {"l1", "group"}, default "l1"
        The form of that term: every weight on its own, or each feature's
        coefficients in all classes as one group (``l1 * sum_j ||W[:, j]||``).
    cache : PathCache, optional
        A regularisation path's (``_path_cache.py``, ``linear_model/_path.py``):
        what the previous fit on the same objective ended with.  A fit whose
        ``coef0`` is that fit's result starts from its end point without a
        pass over X (lbfgs, newton-cg, newton-cholesky, prox-newton; gd and
        owlqn start afresh), and prox-newton's first step may reuse its last
        Hessian.  The fit stores its own end there.

    Returns
    -------
    SolverResult

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import MultinomialLoss
    >>> from softmax_ext.solvers import solve
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> res = solve(MultinomialLoss(X, [0, 1, 2, 0], l2=0.1), solver="lbfgs", tol=1e-8)
    >>> res.converged, res.coef.shape
    (True, (3, 3))
    """
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(repr(s) for s in SOLVERS)}; "
                         f"got {solver!r}.")
    check_options(tol, max_iter, verbose)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}.")
    if (isinstance(l1, bool) or not isinstance(l1, (int, float, np.floating, np.integer))
            or not np.isfinite(l1) or l1 < 0):
        raise ValueError(f"l1 must be a finite number >= 0, got {l1!r}.")
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {sorted(PENALTIES)}, got {penalty!r}.")
    if l1 > 0 and solver not in ("auto", "prox-newton"):
        raise ValueError(f"solver={solver!r} minimises smooth objectives only; an L1 term "
                         "(l1 > 0) needs solver='auto' or 'prox-newton'.")
    if l1 > 0 or solver == "prox-newton":
        name = "owlqn" if getattr(objective, "lazy_scores", False) else "prox-newton"
        if name == "owlqn" and penalty != "l1":
            raise ValueError(f"penalty={penalty!r} is not supported on an objective over "
                             "row blocks (a memory-mapped X or Dask chunks); use 'l1'.")
    else:
        name = choose(objective, tol) if solver == "auto" else solver
    kwargs = dict(tol=float(tol), max_iter=int(max_iter), verbose=int(verbose), callback=callback)
    if name in _CACHED:
        kwargs["cache"] = cache
    if name == "prox-newton":
        kwargs.update(l1=float(l1), penalty=penalty)
    elif name == "owlqn":
        kwargs["l1"] = float(l1)
    if name in PRECONDITIONED:
        kwargs["precondition"] = precondition
    elif precondition not in ("auto", False):
        raise ValueError(f"precondition={precondition!r} applies to the "
                         f"{' and '.join(PRECONDITIONED)} solvers, not {name}.")
    _memory.check_fits(objective, name)
    run = _RUN[name]
    # Values too large for the objective (X near 1e200) overflow in the
    # solvers' vector algebra; they check finiteness themselves and end with
    # a ConvergenceWarning that says to scale X, so numpy's per-operation
    # overflow notices (hundreds per fit) are not shown.
    with _blas_context(objective), np.errstate(over="ignore", invalid="ignore"):
        return run(objective, coef0, **kwargs)
