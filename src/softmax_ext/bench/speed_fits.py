"""The entries of one speed-matrix case: every fit, timed, with its objective.

Run in a process of its own per case (:mod:`.speed_matrix` starts it), so that
one case's memory, thread pools and warm caches do not reach the next.

Entries:

- ours: each of our solvers (``lbfgs``, ``newton-cg``, ``newton-cholesky``)
  and ``auto``, through ``SoftmaxRegression`` with its default thread policy
  (what users get);
- scikit-learn's best configuration: each of ``lbfgs`` (scipy's BLAS at one
  thread, :func:`~softmax_ext.bench.timing.sklearn_blas_limit`), ``newton-cg``
  and ``newton-cholesky``; the fastest of those at the best objective is
  "scikit-learn best";
- scikit-learn's default configuration: ``LogisticRegression()`` with the
  case's C and tol, nothing limited;
- peers, when importable: scikit-learn-intelex's LogisticRegression and
  torch's full-batch L-BFGS on the same objective.

sag and saga are left out: slower than lbfgs on every one of these shapes
and unconverged within 1,000 epochs on several (docs: /work/shared/ANCHORS.md).
Every entry's final objective is evaluated by the same float64 code
(:func:`~softmax_ext.bench.fits.final_objective`).
"""

import time
import warnings

import numpy as np

from .fits import final_objective, fit_context
from .records import SKLEARN

__all__ = ["OUR_SOLVERS", "SKLEARN_SOLVERS", "auto_pick", "run_entries"]

OUR_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky", "auto")
SKLEARN_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky")
MAX_ITER = 1000
LONG_FIT_SECONDS = 20.0     # an entry whose first fit takes longer gets one round
SKLEARN_HESSIAN_WORK_MAX = 2e10   # n m^2 of scikit-learn's newton-cholesky Hessian
# our newton-cholesky is skipped where it is predicted this many times
# newton-cg's passes AND its Hessians are large (n m^2 above the bound):
# 100 s on K=100, 50k x 50, never the fastest
OUR_CHOLESKY_OVER_CG_MAX = 4.0
OUR_HESSIAN_WORK_MAX = 1e10


def _n_coef(X, y):
    """``(K, m)``: the classes and the coefficients of the fit (one row when binary)."""
    K = len(np.unique(y))
    return K, (1 if K == 2 else K) * (X.shape[1] + 1)


def _our_skip(X, y, solver, tol):
    """Why our ``solver`` is not run on this case (None: it is)."""
    if solver != "newton-cholesky":
        return None
    from ..objective import MultinomialLoss
    from ..solvers._choice import HESSIAN_BYTES_MAX, multinomial_costs

    K, m = _n_coef(X, y)
    if 8 * m * m > HESSIAN_BYTES_MAX:
        return f"Hessian {m:,}^2 over {HESSIAN_BYTES_MAX >> 20} MiB"
    if K == 2:
        return None
    codes = np.unique(y, return_inverse=True)[1]
    costs = multinomial_costs(MultinomialLoss(X, codes, n_classes=K), tol)
    ratio = costs["newton-cholesky"] / costs["newton-cg"]
    if ratio > OUR_CHOLESKY_OVER_CG_MAX and float(X.shape[0]) * m * m > OUR_HESSIAN_WORK_MAX:
        return f"predicted {ratio:.0f}x newton-cg's passes (solvers/_choice.py)"
    return None


def _sklearn_skip(X, y, solver):
    if solver != "newton-cholesky":
        return None
    _, m = _n_coef(X, y)
    work = float(X.shape[0]) * m * m
    if work > SKLEARN_HESSIAN_WORK_MAX:
        return f"its Hessian (n m^2 = {work:.1e}) takes minutes or does not fit"
    return None


def _timed(fit, rounds):
    """Run ``fit`` up to ``rounds`` times (once when the first is long): (times, last)."""
    from sklearn.exceptions import ConvergenceWarning

    times, out = [], None
    for _ in range(rounds):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            out = fit()
            times.append(time.perf_counter() - start)
        if times[0] > LONG_FIT_SECONDS:
            break
    return times, out


def _entry(library, label, fit, X, y, C, rounds, **fields):
    times, est = _timed(fit, rounds)
    n_iter = getattr(est, "n_iter_", None)
    record = {"library": library, "entry": label, "times": times,
              "min": min(times), "median": float(np.median(times)), "max": max(times),
              "objective": final_objective(X, y, est, C),
              "n_iter": None if n_iter is None else int(np.max(n_iter)), **fields}
    return record


def auto_pick(X, y, case):
    """The solver ``solver="auto"`` runs on this case (the estimator's objective)."""
    from ..linear_model._penalty_params import l2_from_C
    from ..objective._build import build_objective
    from ..solvers._choice import choose

    classes, codes = np.unique(y, return_inverse=True)
    obj = build_objective(X, codes, n_classes=len(classes), l2=l2_from_C(case.C, X.shape[0]))
    return choose(obj, case.tol)


def _ours(X, y, case, rounds, n_threads):
    from .. import SoftmaxRegression

    out = []
    for solver in OUR_SOLVERS:
        why = _our_skip(X, y, solver, case.tol)
        if why:
            out.append({"library": "softmax-ext", "entry": solver, "skipped": why})
            continue

        def fit(solver=solver):
            return SoftmaxRegression(C=case.C, tol=case.tol, solver=solver, max_iter=MAX_ITER,
                                     n_threads=n_threads).fit(X, y)
        extra = {"ran": auto_pick(X, y, case)} if solver == "auto" else {}
        out.append(_entry("softmax-ext", solver, fit, X, y, case.C, rounds, **extra))
    return out


def _sklearn(X, y, case, rounds):
    from sklearn.linear_model import LogisticRegression

    def make(solver):
        return LogisticRegression(C=case.C, tol=case.tol, solver=solver, max_iter=MAX_ITER)

    out = []
    for solver in SKLEARN_SOLVERS:
        why = _sklearn_skip(X, y, solver)
        if why:
            out.append({"library": "scikit-learn", "entry": solver, "skipped": why})
            continue
        def fit(solver=solver):
            with fit_context(SKLEARN, solver):
                return make(solver).fit(X, y)
        setting = "scipy BLAS 1 thread" if solver == "lbfgs" else "default threads"
        out.append(_entry("scikit-learn", solver, fit, X, y, case.C, rounds, setting=setting))
    out.append(_entry("scikit-learn", "default (lbfgs)",
                      lambda: LogisticRegression(C=case.C, tol=case.tol,
                                                 max_iter=MAX_ITER).fit(X, y),
                      X, y, case.C, rounds, setting="default threads", default=True))
    return out


def run_entries(case, X, y, *, rounds=3, n_threads=None, peers=True, progress=print):
    """Every entry of one case, as a list of dicts (see the module notes).

    Parameters
    ----------
    case : speed_data.Case
    X, y : the case's data
    rounds : int
        Fits per entry (one when the first takes over ``LONG_FIT_SECONDS``).
    n_threads : int, optional
        Our threads (None: the estimator's default policy).
    peers : bool
        Also the optional peers that can be imported.
    """
    from .speed_peers import run_peers

    entries = []
    for part in (lambda: _ours(X, y, case, rounds, n_threads),
                 lambda: _sklearn(X, y, case, rounds),
                 lambda: run_peers(X, y, case, rounds, _entry) if peers else []):
        for record in part():
            entries.append(record)
            shown = record.get("skipped") or f"{record['median']:.3f} s"
            progress(f"  {record['library']} {record['entry']}: {shown}")
    return entries
