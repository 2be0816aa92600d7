"""The sections of the benchmark matrix: each takes a config and returns records.

- ``kernels``: row-wise kernels against scipy.special and the NumPy oracles;
- ``objective``: :class:`~softmax_ext.MultinomialLoss` against scikit-learn's
  ``LinearModelLoss`` (loss and gradient at the same coef);
- ``fit``: ``SoftmaxRegression`` against ``LogisticRegression`` per solver;
- ``scaling_n`` / ``scaling_K`` / ``threads``: fit time as n, K and the
  thread count grow;
- ``convergence``: objective against seconds along each solver's path
  (fits with growing ``max_iter``, both libraries on the same footing).

``cfg`` is a :class:`~softmax_ext.bench.matrix.BenchConfig`; ``progress`` a
callable that takes one line of text.
"""

import numpy as np

from .. import MultinomialLoss
from .cases import digits_problem, kernel_scores, l2_of, make_problem
from .fits import OUR_SOLVERS, SKLEARN_SOLVERS, attempt, convergence_path, fit_record
from .records import OURS, SKLEARN
from .timing import median_time

__all__ = ["bench_kernels", "bench_objective", "bench_fits", "bench_scaling_n",
           "bench_scaling_K", "bench_threads", "bench_convergence"]


def _kernel_contenders(Z, y, out, threads):
    """Per kernel: (library, function to time) for ours and its baselines."""
    import scipy.special

    from .. import reference, special

    return {
        "softmax": [(OURS, lambda: special.softmax(Z, out=out, n_threads=threads)),
                    ("scipy.special", lambda: scipy.special.softmax(Z, axis=-1)),
                    ("numpy oracle", lambda: reference.softmax(Z))],
        "log_softmax": [(OURS, lambda: special.log_softmax(Z, out=out, n_threads=threads)),
                        ("scipy.special", lambda: scipy.special.log_softmax(Z, axis=-1)),
                        ("numpy oracle", lambda: reference.log_softmax(Z))],
        "logsumexp": [(OURS, lambda: special.logsumexp(Z, n_threads=threads)),
                      ("scipy.special", lambda: scipy.special.logsumexp(Z, axis=-1)),
                      ("numpy oracle", lambda: reference.logsumexp(Z))],
        "cross_entropy": [(OURS, lambda: special.cross_entropy(Z, y, out=out,
                                                               n_threads=threads)),
                          ("numpy oracle", lambda: reference.cross_entropy(Z, y))],
    }


def bench_kernels(cfg, progress):
    """Row-wise kernels on ``cfg.kernel_n`` x ``cfg.K`` scores, float64 and float32."""
    n, K = cfg.kernel_n, cfg.K
    records = []
    for dtype in (np.float64, np.float32):
        Z, y = kernel_scores(n, K, dtype)
        out = np.empty_like(Z)
        for kernel, entries in _kernel_contenders(Z, y, out, cfg.threads).items():
            progress(f"kernels: {kernel} {np.dtype(dtype).name} ({n:,} x {K})")
            for library, fn in entries:
                seconds, times, _ = median_time(fn, repeats=cfg.kernel_repeats, warmup=1)
                records.append({
                    "section": "kernels", "case": f"{kernel} {np.dtype(dtype).name}",
                    "kernel": kernel, "library": library, "n": n, "K": K,
                    "dtype": np.dtype(dtype).name,
                    "threads": cfg.threads if library == OURS else None,
                    "seconds": seconds, "times": times})
    return records


def bench_objective(cfg, progress):
    """One loss+gradient, ours against scikit-learn's LinearModelLoss, float64 and float32."""
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    records = []
    n, d, K = cfg.n, cfg.d, cfg.K
    for dtype in (np.float64, np.float32):
        X, _, y, _ = make_problem(n, d, K, seed=1, dtype=dtype, n_test=K)
        l2 = l2_of(cfg.C, n)
        coef = (np.random.default_rng(2).standard_normal((K, d + 1)) * 0.1).astype(dtype)
        ours = MultinomialLoss(X, y, l2=l2, n_classes=K, n_threads=cfg.threads)
        theirs = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=True)
        y_float = y.astype(dtype)
        coef_f = np.asfortranarray(coef)
        case = f"loss_gradient {n:,}x{d} K={K} {np.dtype(dtype).name}"
        progress(f"objective: {case}")
        t_ours, times_ours, (f_ours, g_ours) = median_time(
            lambda: ours.loss_gradient(coef), repeats=cfg.kernel_repeats, warmup=1)
        t_sk, times_sk, (f_sk, g_sk) = median_time(
            lambda: theirs.loss_gradient(coef_f, X, y_float, l2_reg_strength=l2,
                                         n_threads=cfg.threads),
            repeats=cfg.kernel_repeats, warmup=1)
        grad_diff = float(np.max(np.abs(np.asarray(g_ours, dtype=np.float64)
                                        - np.asarray(g_sk, dtype=np.float64))))
        common = {"section": "objective", "case": case, "n": n, "d": d, "K": K,
                  "dtype": np.dtype(dtype).name, "threads": cfg.threads}
        records.append({**common, "library": OURS, "seconds": t_ours, "times": times_ours,
                        "loss": float(f_ours), "max_abs_grad_diff": grad_diff})
        records.append({**common, "library": "scikit-learn LinearModelLoss", "seconds": t_sk,
                        "times": times_sk, "loss": float(f_sk)})
    return records


def _fit_cases(cfg, progress):
    progress("fits: preparing data")
    if cfg.digits:
        yield "digits", digits_problem()
    yield f"generated {cfg.n:,}x{cfg.d} K={cfg.K}", make_problem(cfg.n, cfg.d, cfg.K, seed=0)


def _sklearn_skips(cfg, solver, n):
    """Why scikit-learn's ``solver`` is not run on ``n`` rows in this mode, or None."""
    if solver == "newton-cholesky" and n > cfg.sklearn_newton_cholesky_max_n:
        return (f"skipped: n > {cfg.sklearn_newton_cholesky_max_n:,} in --{cfg.mode} "
                "(its K(K+1)/2 sandwich products make it the slowest case)")
    return None


def bench_fits(cfg, progress):
    """Every solver of both libraries on each fit case (our "auto" too)."""
    records = []
    common = dict(C=cfg.C, tol=cfg.tol, max_iter=cfg.max_iter)
    for case, data in _fit_cases(cfg, progress):
        n = data[0].shape[0]
        for solver in OUR_SOLVERS + ("auto",):
            progress(f"fits: {case} softmax-ext {solver}")
            records.append(attempt(
                progress, f"fits: {case} softmax-ext {solver}",
                lambda: fit_record(OURS, solver, data, case=case, n_threads=cfg.fit_threads,
                                   repeats=cfg.repeats, **common),
                section="fit", case=case, library=OURS, solver=solver))
        for solver in SKLEARN_SOLVERS:
            why = _sklearn_skips(cfg, solver, n)
            if why is not None:
                progress(f"fits: {case} scikit-learn {solver} {why}")
                records.append({"section": "fit", "case": case, "library": SKLEARN,
                                "solver": solver, "error": why})
                continue
            progress(f"fits: {case} scikit-learn {solver}")
            records.append(fit_record(SKLEARN, solver, data, case=case,
                                      repeats=cfg.repeats, **common))
    return records


def _scaling(cfg, progress, section, cases, what, shape=""):
    """Our "auto" against scikit-learn's lbfgs on each (case name, data) of ``cases``.

    ``what`` and ``shape`` only word the progress lines.
    """
    records = []
    for case, data in cases:
        for library, solver in ((OURS, "auto"), (SKLEARN, "lbfgs")):
            progress(f"{what}: {case}{shape} {library} {solver}")
            records.append(fit_record(library, solver, data, case=case, C=cfg.C, tol=cfg.tol,
                                      max_iter=cfg.max_iter, repeats=cfg.repeats,
                                      n_threads=cfg.fit_threads if library == OURS else None,
                                      section=section))
    return records


def bench_scaling_n(cfg, progress):
    """Fit time as the number of training rows grows (``cfg.sizes``)."""
    cases = ((f"n={n:,}", make_problem(n, cfg.d, cfg.K, seed=0)) for n in cfg.sizes)
    return _scaling(cfg, progress, "scaling_n", cases, "scaling in n")


def bench_scaling_K(cfg, progress):
    """Fit time as the number of classes grows (``cfg.classes``)."""
    cases = ((f"K={K}", make_problem(cfg.K_n, cfg.K_d, K, seed=0)) for K in cfg.classes)
    return _scaling(cfg, progress, "scaling_K", cases, "scaling in K",
                    shape=f" ({cfg.K_n:,}x{cfg.K_d})")


def bench_threads(cfg, progress):
    """A loss+gradient and a fit with 1 .. ``cfg.threads`` threads; scikit-learn for scale."""
    records = []
    data = make_problem(cfg.n, cfg.d, cfg.K, seed=0)
    X, y = data[0], data[2]
    coef = np.random.default_rng(2).standard_normal((cfg.K, cfg.d + 1)) * 0.1
    case = f"{cfg.n:,}x{cfg.d} K={cfg.K}"
    for t in range(1, cfg.threads + 1):
        progress(f"threads: {case} threads={t}")
        obj = MultinomialLoss(X, y, l2=l2_of(cfg.C, cfg.n), n_threads=t)
        seconds, times, _ = median_time(lambda: obj.loss_gradient(coef),
                                        repeats=cfg.kernel_repeats, warmup=1)
        records.append({"section": "threads", "case": case, "what": "loss_gradient",
                        "library": OURS, "threads": t, "n": cfg.n, "d": cfg.d, "K": cfg.K,
                        "seconds": seconds, "times": times})
        rec = fit_record(OURS, "auto", data, case=case, C=cfg.C, tol=cfg.tol,
                         max_iter=cfg.max_iter, n_threads=t, repeats=cfg.repeats,
                         section="threads", evaluate=False, extra={"what": "fit"})
        records.append(rec)
    progress(f"threads: {case} scikit-learn lbfgs (reference)")
    records.append(fit_record(SKLEARN, "lbfgs", data, case=case, C=cfg.C, tol=cfg.tol,
                              max_iter=cfg.max_iter, repeats=cfg.repeats, section="threads",
                              evaluate=False, extra={"what": "fit"}))
    return records


def bench_convergence(cfg, progress):
    """Each solver's objective against time, on digits and a generated problem.

    Ours: the trace of one fit (its per-iteration history).  scikit-learn
    reports no trace: one timed fit, its end point.
    """
    records = []
    cases = [("digits", digits_problem())] if cfg.digits else []
    cases += [(f"generated {cfg.conv_n:,}x{cfg.d} K={cfg.K}",
              make_problem(cfg.conv_n, cfg.d, cfg.K, seed=0))]
    for case, data in cases:
        runs = [(OURS, s) for s in OUR_SOLVERS] + [(SKLEARN, s) for s in SKLEARN_SOLVERS]
        for library, solver in runs:
            if library == SKLEARN and _sklearn_skips(cfg, solver, data[0].shape[0]):
                continue
            what = f"convergence: {case} {library} {solver}"
            progress(what)
            settings = {"section": "convergence", "case": case, "library": library,
                        "solver": solver, "n": int(data[0].shape[0]), "d": int(data[0].shape[1]),
                        "trace": library == OURS}
            points = attempt(progress, what,
                             lambda: convergence_path(library, solver, data, C=cfg.C, tol=cfg.tol,
                                                      max_iter=cfg.conv_max_iter,
                                                      n_threads=cfg.fit_threads),
                             **settings)
            records.append(points if isinstance(points, dict) else {**settings, "points": points})
    return records
