"""Timed fits of either library, as records.

Both libraries are measured on the same footing: the same C, tol and
max_iter, each fit's final objective evaluated by the same float64 code
(:func:`~softmax_ext.bench.cases.scoring_loss`), scikit-learn's lbfgs in its
best thread setting (:func:`~softmax_ext.bench.timing.sklearn_blas_limit`).

Passes over X: ours are what the fit's objective counted, reported by the
estimator as ``n_passes_over_X_``.  scikit-learn does not report its passes,
so :func:`sklearn_min_passes` derives from its ``n_iter_`` the fewest passes
its solver makes in that many iterations.
"""

import contextlib
import math
import time
import warnings

import numpy as np

from .. import SoftmaxRegression
from ..solvers import SOLVERS
from .cases import scoring_loss
from .records import OURS, SKLEARN
from .timing import median_time, sklearn_blas_limit

__all__ = ["OUR_SOLVERS", "SKLEARN_SOLVERS", "make_estimator", "final_objective",
           "sklearn_min_passes", "fit_record", "convergence_path", "attempt"]

OUR_SOLVERS = tuple(s for s in SOLVERS if s != "auto")
SKLEARN_SOLVERS = ("lbfgs", "newton-cholesky", "newton-cg")


def make_estimator(library, solver, *, C, tol, max_iter, n_threads=None):
    """An unfitted estimator of either library with the same C, tol and max_iter."""
    if library == OURS:
        return SoftmaxRegression(C=C, tol=tol, solver=solver, max_iter=max_iter,
                                 n_threads=n_threads)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, tol=tol, solver=solver, max_iter=max_iter)


def _full_coef(est):
    coef = np.asarray(est.coef_, dtype=np.float64)
    intercept = np.asarray(getattr(est, "intercept_", np.zeros(coef.shape[0])), dtype=np.float64)
    return np.hstack([coef, intercept.reshape(-1, 1)])


def final_objective(X, y, est, C, n_threads=None):
    """scikit-learn's objective at a fitted estimator's coefficients.

    Evaluated with :func:`~softmax_ext.bench.cases.scoring_loss`, so that both
    libraries are measured on the same footing.  A binary model (coef_ of
    shape (1, d)) is evaluated with the reference-class parametrisation, which
    is exactly the binary logistic objective.
    """
    from .. import FixedClassLoss

    classes = np.asarray(est.classes_)
    y_idx = np.searchsorted(classes, np.asarray(y))
    obj = scoring_loss(X, y_idx, C, n_classes=len(classes), n_threads=n_threads)
    coef = _full_coef(est)
    if coef.shape[0] == 1 and len(classes) == 2:
        return float(FixedClassLoss(obj, fixed=0).loss(coef))
    return float(obj.loss(coef))


def n_iter_of(est):
    """A fitted estimator's iteration count (the largest of ``n_iter_``), or None."""
    it = getattr(est, "n_iter_", None)
    return None if it is None else int(np.max(np.asarray(it)))


def sklearn_min_passes(solver, n_iter, n_rows, fit_intercept=True):
    """The fewest passes over X a LogisticRegression fit makes in ``n_iter`` iterations.

    Counted from scikit-learn 1.9's solvers: a loss reads X once (X @ W), a
    gradient or loss+gradient twice (and G^T X), a Hessian-vector product
    twice, a gradient with the full Hessian ``1 + K (K + 1) / 2 + K`` times
    (its sandwich products, K = ``n_rows``).  Per iteration, at the least:

    - lbfgs: one loss+gradient, plus one at the start;
    - newton-cg: a gradient with its Hessian product, one Hessian-vector
      product in the inner CG solve, and a loss and a gradient in the line
      search; plus one loss at the start;
    - newton-cholesky: a gradient with the full Hessian and one
      loss+gradient in the line search; plus one loss at the start.

    Parameters
    ----------
    solver : {"lbfgs", "newton-cg", "newton-cholesky"}
    n_iter : int
        The fit's ``n_iter_``.
    n_rows : int
        Rows of its ``coef_`` (1 for a binary fit, else the number of classes).
    fit_intercept : bool, default True

    Returns
    -------
    int
        A lower bound: line searches and inner solves often take more steps.
    """
    if solver == "lbfgs":
        return 2 * (n_iter + 1)
    if solver == "newton-cg":
        return 1 + n_iter * (2 + 2 + 1 + 2)
    if solver == "newton-cholesky":
        K = n_rows
        hessian = 1 + K * (K + 1) // 2 + (K if fit_intercept else 0)
        return 1 + n_iter * (hessian + 2)
    raise ValueError(f"no pass count for scikit-learn's solver {solver!r}.")


def _passes(library, solver, est):
    if library == OURS:
        return int(est.n_passes_over_X_)
    return sklearn_min_passes(solver, n_iter_of(est), np.asarray(est.coef_).shape[0],
                              est.fit_intercept)


PASSES_SOURCE = {OURS: "counted by the objective",
                 SKLEARN: "at least (from n_iter_; scikit-learn does not report its passes)"}


def fit_context(library, solver):
    """The context a fit of ``library``'s ``solver`` runs in: scikit-learn's lbfgs
    with scipy's BLAS at one thread (its best configuration), nothing otherwise."""
    if library == SKLEARN and solver == "lbfgs":
        return sklearn_blas_limit()
    return contextlib.nullcontext()


def _fit(library, solver, X, y, *, C, tol, max_iter, n_threads):
    """One fit, its ConvergenceWarning silenced; return (estimator, seconds)."""
    from sklearn.exceptions import ConvergenceWarning

    est = make_estimator(library, solver, C=C, tol=tol, max_iter=max_iter, n_threads=n_threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with fit_context(library, solver):
            start = time.perf_counter()
            est.fit(X, y)
            seconds = time.perf_counter() - start
    return est, seconds


def fit_record(library, solver, data, *, case, C=1.0, tol=1e-6, max_iter=1000,
               n_threads=None, repeats=3, section="fit", evaluate=True, extra=None):
    """Fit one library/solver on ``data`` ``repeats`` times; return a record.

    Parameters
    ----------
    library : {"softmax-ext", "scikit-learn"}
    solver : str
    data : tuple (X_train, X_test, y_train, y_test)
    case : str
        Name of the data set shown in tables.
    evaluate : bool
        Compute final objective, test accuracy and log-loss.
    """
    from sklearn.metrics import log_loss

    X_train, X_test, y_train, y_test = data
    settings = dict(C=C, tol=tol, max_iter=max_iter, n_threads=n_threads)
    seconds, times, est = median_time(
        lambda: _fit(library, solver, X_train, y_train, **settings)[0], repeats=repeats)
    n, d = X_train.shape
    n_iter = n_iter_of(est)
    record = {
        "section": section, "case": case, "library": library, "solver": solver,
        "n": int(n), "d": int(d), "K": int(len(est.classes_)),
        "dtype": np.dtype(X_train.dtype).name,
        "threads": n_threads if library == OURS else None,
        "C": C, "tol": tol, "max_iter": max_iter,
        "seconds": seconds, "times": times, "n_iter": n_iter,
        "converged": None if n_iter is None else bool(n_iter < max_iter),
        "passes": _passes(library, solver, est),
        "passes_source": PASSES_SOURCE[library],
        "blas_limit": ("scipy BLAS 1 thread" if library == SKLEARN and solver == "lbfgs"
                       else None),
    }
    if evaluate:
        record["objective"] = final_objective(X_train, y_train, est, C, n_threads)
        proba = est.predict_proba(X_test)
        record["accuracy"] = float(np.mean(est.predict(X_test) == y_test))
        record["log_loss"] = float(log_loss(y_test, proba, labels=est.classes_))
    if extra:
        record.update(extra)
    return record


def _trace(solver, X, y, *, C, tol, max_iter, n_threads):
    """Points of one fit of ours: the objective after each iteration and the time then."""
    from ..linear_model._penalty_params import l2_from_C
    from ..objective._build import build_objective
    from ..solvers import solve

    classes, codes = np.unique(y, return_inverse=True)
    obj = build_objective(X, codes, n_classes=len(classes), l2=l2_from_C(C, X.shape[0]),
                          n_threads=n_threads)
    result = solve(obj, solver=solver, tol=tol, max_iter=max_iter)
    return [{"n_iter": h["iteration"], "seconds": h["seconds"], "objective": h["loss"],
             "passes": h["passes"]} for h in result.history]


def convergence_path(library, solver, data, *, C, tol, max_iter, n_threads=None):
    """Objective against time from ONE fit.

    Ours: the fit's own per-iteration history (objective after each iteration,
    seconds since the solve began), the same objective as
    :func:`final_objective`.  scikit-learn reports no trace: the start (zero
    coefficients) and the end of one timed fit.

    Returns
    -------
    list of dict
        Points ``{"n_iter", "seconds", "objective"}``.
    """
    X, y = data[0], data[2]
    if library == OURS:
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return _trace(solver, X, y, C=C, tol=tol, max_iter=max_iter, n_threads=n_threads)
    K = len(np.unique(y))
    est, seconds = _fit(library, solver, X, y, C=C, tol=tol, max_iter=max_iter,
                        n_threads=n_threads)
    return [{"n_iter": 0, "seconds": 0.0, "objective": math.log(K)},
            {"n_iter": n_iter_of(est), "seconds": seconds,
             "objective": final_objective(X, y, est, C, n_threads)}]


def attempt(progress, what, fn, **settings):
    """``fn()``; a fit that our build cannot run becomes a record with ``error``.

    NotImplementedError (a solver not there yet), ValueError, TypeError and
    ArithmeticError are reported on ``progress`` and recorded instead of
    ending the run; ``settings`` are the record's other fields.
    """
    try:
        return fn()
    except (NotImplementedError, ValueError, TypeError, ArithmeticError) as exc:
        message = f"{type(exc).__name__}: {exc}"
        progress(f"{what}: not measured ({message})")
        return {**settings, "error": message}
