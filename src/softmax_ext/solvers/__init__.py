"""Solvers for the multinomial objective: L-BFGS, Newton-Cholesky, Newton-CG, gradient descent.

All of them work on the objective objects of :mod:`softmax_ext.objective`
through their public methods, keep the scores ``Z = X W^T + b`` between
iterations and run their line searches in score space (O(n K) per trial,
no pass over X); see ``_linesearch.py``.
"""


import numpy as np

from .. import _memory
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


# BLAS threads during a solve: none.  The products over X run in the C kernels,
# which call BLAS single-threaded inside their own OpenMP threads; what is left
# here is vector algebra on m-vectors (L-BFGS two-loop, CG), where threaded
# BLAS costs more than it gives and its workers, spinning after each call,
# compete with the next kernel's OpenMP threads for the cores (a digits fit
# was 4x slower).  Newton-Cholesky re-enables threads around a large
# factorisation (newton_cholesky.py).
def _blas_context(objective):
    return single_threaded_blas()


# solver="auto": newton-cholesky when the Hessian is small, newton-cg when
# there are at least as many rows as coefficients, lbfgs otherwise (wide
# problems, where the penalty dominates and a product costs as much as a
# gradient).
#
# Measured with the C kernels (2 cores, shared with other helpers, so +-30%;
# make_classification(n_informative=d/2, n_clusters_per_class=1), l2 = 1/n,
# float64, median of 3 fits in seconds; script in the ncg report):
#
#     tol    n       K  d    m=K(d+1)  chol    ncg     lbfgs   best
#     1e-4   2,000   3  5      18     0.012   0.008   0.009   ncg ~ lbfgs
#     1e-4   2,000   3  80    243     0.030   0.016   0.020   ncg
#     1e-4   2,000  10  20    210     0.026   0.013   0.023   ncg
#     1e-4   20,000  3  20     63     0.048   0.053   0.061   chol ~ ncg
#     1e-4   20,000  3  40    123     0.342   0.084   0.288   ncg
#     1e-4   20,000 10  10    110     0.165   0.060   0.348   ncg
#     1e-4   20,000 10  40    410     1.05    0.447   0.511   ncg
#     1e-4   20,000 10 100   1010     3.28    0.827   0.932   ncg
#     1e-4  100,000  3  20     63     0.368   0.648   0.627   chol
#     1e-4  100,000  3  40    123     0.828   1.09    1.35    chol
#     1e-4  100,000 10  10    110     0.643   0.669   1.01    chol ~ ncg
#     1e-4  100,000 10  40    410     2.50    1.03    1.47    ncg
#     1e-4  100,000 10 100   1010      -      1.88    2.65    ncg
#     1e-6   2,000   3  20     63     0.005   0.006   0.012   chol ~ ncg
#     1e-6   2,000   3  80    243     0.040   0.023   0.047   ncg
#     1e-6   20,000  3  20     63     0.031   0.033   0.054   chol ~ ncg
#     1e-6   20,000  3  40    123     0.446   0.361   1.58    ncg
#     1e-6   20,000 10  10    110     0.400   0.896   1.63    chol
#     1e-6   20,000 10 100   1010     0.976   0.952   2.12    ncg
#     1e-6  100,000  3  20     63     0.432   0.856   0.936   chol
#     1e-6  100,000  3  40    123     0.842   1.17    1.41    chol
#     1e-6  100,000 10  10    110     0.568   0.818   1.62    chol
#     1e-6  100,000 10  40    410     2.75    1.37    2.88    ncg
#     1e-6  100,000 10 100   1010      -      4.16    5.55    ncg
#
# The last shape with the machine nearly quiet (n_informative=50, the
# bench/test_bench_fit.py case): newton-cg 0.89 s, lbfgs 3.1 s; scikit-learn
# newton-cg 3.4-4.5 s, lbfgs 7.6 s.
#
# Newton-CG needs 5-8 Newton iterations and ~15 products per iteration at
# tol=1e-6 (a product costs one pass over X, as much as a loss+gradient),
# lbfgs 100-200 iterations; the Hessian costs ~n m^2 per Newton iteration, so
# newton-cholesky wins only for m up to ~120 (tight tol, where its quadratic
# convergence pays) or ~60 (loose tol).  lbfgs was never clearly best for
# n >= m on these shapes.
#
# Re-measured 2026-11-27 after Newton-Cholesky factored in place and the
# threaded factorisation moved to m >= 2048 (make_classification with
# n_redundant=0, one cluster per class, 2 threads, medians of 3, seconds,
# chol | ncg): tol 1e-6, n=100k: m=63 0.088|0.091, m=110 0.113|0.137,
# m=123 0.203|0.210, m=205 0.315|0.340, m=210 0.224|0.182, m=410
# 0.558|0.305; n=20k: newton-cg ahead or tied from m=63.  tol 1e-4, n=100k:
# m=110 0.098|0.098, m=123 0.182|0.196, m=210 0.308|0.174.  The crossovers
# below stand (within noise up to m ~ 200 at n=100k, ~60 at n=20k).
#
# Re-measured 2026-11-27 (late) with the Kronecker preconditioner in
# newton-cg and lbfgs (same grid and script, seconds, chol | ncg | lbfgs):
# tol 1e-6: m=18 chol ahead everywhere (n=100k: 0.076 | 0.109 | 0.105);
# m=63 chol at n=2k only (0.0055 | 0.0074), ncg at 20k/100k (0.083 | 0.073
# at 100k); m=110 (K=10, d=10) chol (100k: 0.114 | 0.155 | 0.259); m=123
# (K=3, d=40) no longer (100k: 0.200 | 0.137 | 0.130); m >= 210 ncg or lbfgs,
# within 10% of each other (100k, m=1010: 0.62 | 0.60).  tol 1e-4: chol
# at m=18 and m=110 (K=10), tied or behind at m=63.  So the tight crossover
# moves from 128 to 112; newton-cg stays the pick above it (lbfgs is as fast
# on some shapes, never clearly faster, and needs more passes).
#
# Wide problems (n < m), seconds, best of 2, lbfgs | newton-cg (2026-11-27,
# after the CSR product was fixed):
#
#     data                          tol=1e-4        tol=1e-6
#     dense 2000 x 2000, K=5        0.39 | 0.46     1.08 | 0.54
#     dense 1000 x 5000, K=10       0.26 | 0.32     0.81 | 0.82
#     dense 5000 x 2000, K=3        2.18 | 3.52     4.55 | 4.19
#     CSR 10k x 50k, K=5, 0.001     0.35 | 0.08     1.13 | 0.21
#     CSR 20k x 20k, K=20, 0.002    1.52 | 0.90     2.30 | 0.62
#     CSR 50k x 20k, K=10, 0.002      -  |  -       2.36 | 0.70
#
# so sparse problems take newton-cg whatever their width (a sparse product
# is as cheap as a gradient, and lbfgs needs many more of them), dense wide
# ones lbfgs (close either way; lbfgs ahead at loose tol).
CROSSOVER_M = {"tight": 112, "loose": 64}  # newton-cholesky up to this m
HESSIAN_BYTES_MAX = 256 * 2**20  # never assemble a Hessian larger than this


def _by_shape(objective, tol):
    """The solver the crossovers above pick for this objective's shape and tol."""
    m = int(np.prod(objective.coef_shape))
    limit = CROSSOVER_M["tight" if tol <= 1e-5 else "loose"]
    if m <= limit and 8 * m * m <= HESSIAN_BYTES_MAX:
        return "newton-cholesky"
    if objective.n_samples >= m or objective.is_sparse:
        return "newton-cg"
    return "lbfgs"


def _choose(objective, tol=1e-4, available=None):
    """The solver ``solver="auto"`` picks for this objective's shape and tol.

    The shape's pick (``_by_shape``) when its memory estimate fits in what
    is available (``_memory.py``), else the next of newton-cg, lbfgs that
    fits (both need O(n K + m) beyond X); when none does, the shape's pick,
    whose run then raises the MemoryError that names the size.
    """
    first = _by_shape(objective, tol)
    if available is None:
        available = _memory.available_bytes()
    for name in (first, "newton-cg", "lbfgs"):
        if _memory.fits(objective, name, available):
            return name
    return first


def solve(objective, coef0=None, *, solver="auto", tol=1e-4, max_iter=100, verbose=0,
          callback=None, precondition="auto"):
    """Minimise a multinomial objective.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
        The objective bound to its data (see :mod:`softmax_ext.objective`).
    coef0 : ndarray of shape ``objective.coef_shape``, optional
        Warm start; zeros when None.
    solver : {"auto", "lbfgs", "newton-cholesky", "newton-cg", "gd"}, default "auto"
        "auto" takes newton-cholesky when ``m = coef.size`` is below the
        crossover measured on this machine (see ``CROSSOVER_M``), newton-cg
        when there are at least ``m`` samples or X is sparse, lbfgs otherwise;
        never a solver whose memory estimate does not fit in the available
        memory (``softmax_ext._memory``).  A solver whose estimate does not
        fit raises a MemoryError that names the size before it allocates.
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
    precondition : {"auto", True, False}, default "auto"
        lbfgs and newton-cg only: the Kronecker-factored preconditioner of
        ``solvers/_precondition.py`` ("auto": where it is cheap and the
        features are correlated (dense X of moderate width), or their means
        large or their norms uneven, enough for it to pay; True: always).

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
    if name in ("lbfgs", "newton-cg"):
        kwargs["precondition"] = precondition
    elif precondition not in ("auto", False):
        raise ValueError(f"precondition={precondition!r} applies to the lbfgs and newton-cg "
                         f"solvers, not {name}.")
    _memory.check_fits(objective, name)
    run = {"lbfgs": _lbfgs, "newton-cholesky": _newton_cholesky, "newton-cg": _newton_cg,
           "gd": _gd}[name]
    # Values too large for the objective (X near 1e200) overflow in the
    # solvers' vector algebra; they check finiteness themselves and end with
    # a ConvergenceWarning that says to scale X, so numpy's per-operation
    # overflow notices (hundreds per fit) are not shown.
    with _blas_context(objective), np.errstate(over="ignore", invalid="ignore"):
        return run(objective, coef0, **kwargs)
