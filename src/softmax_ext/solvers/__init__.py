"""Solvers for the multinomial objective: L-BFGS, Newton-Cholesky, Newton-CG, gradient descent.

All of them work on the objective objects of :mod:`softmax_ext.objective`
through their public methods, keep the scores ``Z = X W^T + b`` between
iterations and run their line searches in score space (O(n K) per trial,
no pass over X); see ``_linesearch.py``.
"""

import contextlib

import numpy as np

from .._threads import single_threaded_blas
from ._base import IterationState, SolverResult, check_options
# the solver functions under private names: the package attributes
# ``lbfgs``, ``newton_cg``, ... stay the modules (their settings live there)
from .gd import gd as _gd
from .lbfgs import lbfgs as _lbfgs
from .newton_cg import newton_cg as _newton_cg
from .newton_cholesky import newton_cholesky as _newton_cholesky

__all__ = ["solve", "SolverResult", "IterationState", "SOLVERS"]

SOLVERS = ("auto", "lbfgs", "newton-cholesky", "newton-cg", "gd")


# Below this many multiply-adds per pass over X (n * m), BLAS threads cost more
# than they give: waking them for every small product, and their spinning next
# to the OpenMP kernels' threads on the same cores, made a digits fit 4x slower
# (0.72 s vs 0.17 s).  Above it the products over X are worth threading.
SMALL_PROBLEM = 5_000_000


def _blas_context(objective):
    n_mult = objective.n_samples * objective.coef_shape[0] * objective.coef_shape[1]
    return single_threaded_blas() if n_mult < SMALL_PROBLEM else contextlib.nullcontext()


# solver="auto": newton-cholesky when the Hessian is small, lbfgs otherwise.
#
# Measured on this machine (2 cores, shared, loaded; objective on its NumPy
# products, n_threads=1, BLAS 1 thread; make_classification, l2 = 1/n;
# seconds of one fit, "N/L" = newton-cholesky time / lbfgs time):
#
#     n       K  d   m=K(d+1)   N/L at tol=1e-4   N/L at tol=1e-6
#     2,000   3  5     18          0.85              0.51
#     2,000   3  20    63          1.07              0.50
#     2,000   3  40   123          1.17              0.87
#     2,000   3  80   243          2.06              1.43
#     20,000  3  5     18          0.95              0.93
#     20,000  3  20    63          2.30              0.90
#     20,000  3  40   123          3.06              1.60
#     20,000 10  5     60          1.14              0.89
#     20,000 10  10   110          3.36              2.19
#     20,000 10  40   410         11.8               6.35
#     100,000 3  5     18          0.93              0.66
#     100,000 3  10    33          1.33              0.90
#     100,000 3  20    63          2.00              1.31
#     100,000 3  40   123          1.68              1.76
#
# Newton needs 5-8 iterations whatever the shape, lbfgs 15-120 (more at tight
# tol and large d).  Each Newton iteration costs ~n m^2 for the Hessian
# (today K^2 NumPy GEMMs with n x p temporaries, memory-bound) against ~4 n m
# per lbfgs iteration, so the crossover is in m and barely in n; it moves down
# with n because the NumPy Hessian's temporaries leave the cache.  The C
# Hessian kernel (one triangle, BLAS-3 on row blocks, no temporaries) will
# move it up: re-measure then (the script is in the solvers report).
CROSSOVER_M = {"tight": (120, 45), "loose": (30, 18)}  # (n <= 5000, n > 5000)
HESSIAN_BYTES_MAX = 256 * 2**20  # never assemble a Hessian larger than this


def _choose(objective, tol=1e-4):
    """The solver ``solver="auto"`` picks for this objective's shape and tol."""
    m = int(np.prod(objective.coef_shape))
    small_n, large_n = CROSSOVER_M["tight" if tol <= 1e-5 else "loose"]
    limit = small_n if objective.n_samples <= 5000 else large_n
    if m <= limit and 8 * m * m <= HESSIAN_BYTES_MAX:
        return "newton-cholesky"
    return "lbfgs"


def solve(objective, coef0=None, *, solver="auto", tol=1e-4, max_iter=100, verbose=0,
          callback=None):
    """Minimise a multinomial objective.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
        The objective bound to its data (see :mod:`softmax_ext.objective`).
    coef0 : ndarray of shape ``objective.coef_shape``, optional
        Warm start; zeros when None.
    solver : {"auto", "lbfgs", "newton-cholesky", "newton-cg", "gd"}, default "auto"
        "auto" takes newton-cholesky when ``m = coef.size`` is below the
        crossover measured on this machine (see ``CROSSOVER_M``), lbfgs
        otherwise.
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
    name = _choose(objective, tol) if solver == "auto" else solver
    kwargs = dict(tol=float(tol), max_iter=int(max_iter), verbose=int(verbose), callback=callback)
    run = {"lbfgs": _lbfgs, "newton-cholesky": _newton_cholesky, "newton-cg": _newton_cg,
           "gd": _gd}[name]
    with _blas_context(objective):
        return run(objective, coef0, **kwargs)
