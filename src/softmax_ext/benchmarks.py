"""The benchmark matrix behind ``softmax-ext demo`` and ``softmax-ext bench``.

Every measurement is a plain dict (a *record*) holding its settings and its
result, so that :mod:`softmax_ext.report` can tabulate, plot and dump them to
JSON without knowing how they were taken.  Times are medians of ``repeats``
runs measured in this process, next to the baseline they are compared with.

Sections of the matrix (``run_matrix``):

- ``kernels``: row-wise kernels against scipy.special and the NumPy oracles;
- ``objective``: :class:`~softmax_ext.objective.MultinomialLoss` against
  scikit-learn's ``LinearModelLoss`` (loss and gradient at the same coef);
- ``fit``: ``SoftmaxRegression`` against ``LogisticRegression`` per solver;
- ``scaling_n`` / ``scaling_K`` / ``threads``: fit time as n, K and the
  thread count grow;
- ``convergence``: objective against seconds along each solver's path
  (fits with growing ``max_iter``, both libraries on the same footing).

Two footnotes that the report repeats:

- scikit-learn's lbfgs fits run with scipy's OpenBLAS limited to one thread
  (:func:`sklearn_blas_limit`): numpy and scipy bundle separate OpenBLAS
  thread pools, and L-BFGS-B calling a multi-threaded BLAS on tiny vectors next
  to numpy's spinning threads slows it down many times (the "thread clash" of
  ANCHORS.md); the limit is scikit-learn's best setting.
- our passes over X are the counters of the fit's MultinomialLoss (one per
  loss+gradient, per Hessian, per Hessian product; :func:`track_our_objectives`).
- scikit-learn's passes over X are *counted* by instrumenting
  ``LinearModelLoss`` during the fit (:func:`count_sklearn_passes`): one per
  product ``X @ W`` and one per product ``G^T @ X``, ``K (K + 1) / 2 + K + 1``
  for a full multinomial ``gradient_hessian`` (its sandwich products).
"""

import contextlib
import functools
import math
import sys
import time
import warnings

import numpy as np

__all__ = [
    "Progress",
    "BenchConfig",
    "median_time",
    "sklearn_blas_limit",
    "count_sklearn_passes",
    "make_problem",
    "digits_problem",
    "fit_record",
    "run_demo",
    "run_matrix",
    "OUR_SOLVERS",
    "SKLEARN_SOLVERS",
]

OUR_SOLVERS = ("lbfgs", "newton-cholesky", "newton-cg", "gd")
SKLEARN_SOLVERS = ("lbfgs", "newton-cholesky", "newton-cg")
OURS = "softmax-ext"
SKLEARN = "scikit-learn"


# --------------------------------------------------------------------------
# progress and timing
# --------------------------------------------------------------------------
class Progress:
    """Progress lines on a stream (stderr by default), with elapsed seconds.

    Parameters
    ----------
    stream : file-like, optional
        Where to write; None means ``sys.stderr`` at call time.
    quiet : bool, default False
        Print nothing.
    """

    def __init__(self, stream=None, quiet=False):
        self.stream = stream
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message):
        if self.quiet:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=stream, flush=True)


def median_time(fn, repeats=3, warmup=0):
    """Run ``fn`` ``warmup + repeats`` times; return (median seconds, times, last result)."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), times, result


_controller = None


def _threadpool_controller():
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401  (load scipy's BLAS before inspecting)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def blas_info():
    """threadpoolctl's view of the loaded BLAS and OpenMP libraries (list of dicts)."""
    return [dict(lib.info()) for lib in _threadpool_controller().lib_controllers]


def sklearn_blas_limit():
    """Context manager: scipy's own BLAS limited to one thread (see module notes).

    When scipy's BLAS cannot be told apart from numpy's (one shared library),
    every BLAS is limited to one thread instead.
    """
    controller = _threadpool_controller()
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    scipy_libs = [lib for lib in blas if "scipy.libs" in lib.filepath.replace("\\", "/")
                  or "/scipy/" in lib.filepath.replace("\\", "/")]
    if scipy_libs and len(scipy_libs) < len(blas):
        paths = [lib.filepath for lib in scipy_libs]
        return controller.select(filepath=paths).limit(limits=1)
    return controller.limit(limits=1, user_api="blas")


@contextlib.contextmanager
def count_sklearn_passes():
    """Count scikit-learn's passes over X while the block runs.

    Yields a one-element list whose item is the running count.  Patches the
    methods of ``LinearModelLoss`` (restored on exit); the wrappers cost a
    Python call each, negligible next to the products they count.
    """
    from sklearn.linear_model import _linear_loss

    cls = _linear_loss.LinearModelLoss
    counter = [0]
    saved = {}

    def wrap(name, cost):
        original = getattr(cls, name)
        saved[name] = original

        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            counter[0] += cost(self)
            return original(self, *args, **kwargs)

        setattr(cls, name, wrapper)

    def hessian_cost(self):
        K = self.base_loss.n_classes if self.base_loss.is_multiclass else 1
        return 1 + K * (K + 1) // 2 + (K if self.fit_intercept else 0)

    wrap("weight_intercept_raw", lambda self: 1)   # X @ W (forward)
    wrap("loss_gradient", lambda self: 1)          # G^T X (backward)
    wrap("gradient", lambda self: 1)
    wrap("gradient_hessian", hessian_cost)
    original_ghp = cls.gradient_hessian_product
    saved["gradient_hessian_product"] = original_ghp

    @functools.wraps(original_ghp)
    def ghp(self, *args, **kwargs):
        counter[0] += 1
        grad, hessp = original_ghp(self, *args, **kwargs)

        def counted_hessp(s):
            counter[0] += 2                         # X @ s and (.)^T X
            return hessp(s)

        return grad, counted_hessp

    cls.gradient_hessian_product = ghp
    try:
        yield counter
    finally:
        for name, original in saved.items():
            setattr(cls, name, original)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def make_problem(n, d, K, *, seed=0, dtype=np.float64, n_test=None):
    """A generated classification problem: ``n`` training rows plus a test set.

    ``make_classification`` with ``d // 2`` informative features, one cluster
    per class, standardized with the training statistics.

    Returns
    -------
    X_train : ndarray (n, d), C order, ``dtype``
    X_test : ndarray (n_test, d)
    y_train, y_test : int ndarrays
    """
    from sklearn.datasets import make_classification

    n_test = max(K, n // 4) if n_test is None else n_test
    n_inf = max(2, d // 2)
    while 2 ** n_inf < K:  # make_classification needs K clusters to fit
        n_inf += 1
    X, y = make_classification(
        n_samples=n + n_test, n_features=max(d, n_inf), n_informative=n_inf, n_redundant=0,
        n_classes=K, n_clusters_per_class=1, class_sep=1.0, flip_y=0.01, random_state=seed)
    X_train, X_test = X[:n], X[n:]
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    X_train = np.ascontiguousarray((X_train - mean) / std, dtype=dtype)
    X_test = np.ascontiguousarray((X_test - mean) / std, dtype=dtype)
    return X_train, X_test, y[:n], y[n:]


def digits_problem(dtype=np.float64):
    """scikit-learn's bundled digits (1797 x 64, K = 10), standardized, 75/25 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    return (np.ascontiguousarray((X_train - mean) / std, dtype=dtype),
            np.ascontiguousarray((X_test - mean) / std, dtype=dtype), y_train, y_test)


# --------------------------------------------------------------------------
# fits
# --------------------------------------------------------------------------
def our_estimator_class():
    """``softmax_ext.linear_model.SoftmaxRegression`` (imported on first use)."""
    from .linear_model import SoftmaxRegression

    return SoftmaxRegression


def _full_coef(est):
    coef = np.asarray(est.coef_, dtype=np.float64)
    intercept = np.asarray(getattr(est, "intercept_", np.zeros(coef.shape[0])), dtype=np.float64)
    return np.hstack([coef, intercept.reshape(-1, 1)])


def final_objective(X, y, est, C, n_threads=None):
    """scikit-learn's objective at a fitted estimator's coefficients.

    Evaluated with :class:`~softmax_ext.objective.MultinomialLoss` (float64,
    ``l2 = 1 / (C n)``), so that both libraries are measured on the same
    footing.  A binary model (coef_ of shape (1, d)) is evaluated with the
    reference-class parametrisation, which is exactly the binary logistic
    objective.
    """
    from .objective import FixedClassLoss, MultinomialLoss

    classes = np.asarray(est.classes_)
    y_idx = np.searchsorted(classes, np.asarray(y))
    X64 = np.asarray(X, dtype=np.float64)
    obj = MultinomialLoss(X64, y_idx, l2=1.0 / (C * X64.shape[0]), n_classes=len(classes),
                          n_threads=n_threads)
    coef = _full_coef(est)
    if coef.shape[0] == 1 and len(classes) == 2:
        return float(FixedClassLoss(obj, fixed=0).loss(coef))
    return float(obj.loss(coef))


def _n_iter(est):
    it = getattr(est, "n_iter_", None)
    return None if it is None else int(np.max(np.asarray(it)))


@contextlib.contextmanager
def track_our_objectives():
    """Collect the :class:`MultinomialLoss` objects built while the block runs.

    Yields a list that fills with them; their ``n_passes_over_X`` counters
    give the passes over X of a fit when the estimator does not report them.
    """
    from .objective import MultinomialLoss

    created = []
    original = MultinomialLoss.__init__

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self)

    MultinomialLoss.__init__ = init
    try:
        yield created
    finally:
        MultinomialLoss.__init__ = original


def _our_passes(est, objectives=()):
    """Passes over X of our fit: the estimator's own count, else its objectives' counters."""
    for name in ("n_passes_over_X_", "n_passes_"):
        value = getattr(est, name, None)
        if value is not None:
            return int(np.max(np.asarray(value)))
    if objectives:
        return int(sum(obj.n_passes_over_X for obj in objectives))
    return None


def make_estimator(library, solver, *, C, tol, max_iter, n_threads=None):
    """An unfitted estimator of either library with the same C, tol and max_iter."""
    if library == OURS:
        return our_estimator_class()(C=C, tol=tol, solver=solver, max_iter=max_iter,
                                     n_threads=n_threads)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, tol=tol, solver=solver, max_iter=max_iter)


def _fit_context(library, solver):
    if library == SKLEARN and solver == "lbfgs":
        return sklearn_blas_limit()
    return contextlib.nullcontext()


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
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss

    X_train, X_test, y_train, y_test = data
    passes = []

    def one_fit():
        est = make_estimator(library, solver, C=C, tol=tol, max_iter=max_iter,
                             n_threads=n_threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with _fit_context(library, solver):
                if library == SKLEARN:
                    with count_sklearn_passes() as counter:
                        est.fit(X_train, y_train)
                    passes.append(counter[0])
                else:
                    with track_our_objectives() as objectives:
                        est.fit(X_train, y_train)
                    passes.append(_our_passes(est, objectives))
        return est

    seconds, times, est = median_time(one_fit, repeats=repeats)
    n, d = X_train.shape
    n_iter = _n_iter(est)
    record = {
        "section": section, "case": case, "library": library, "solver": solver,
        "n": int(n), "d": int(d), "K": int(len(est.classes_)),
        "dtype": np.dtype(X_train.dtype).name,
        "threads": n_threads if library == OURS else None,
        "C": C, "tol": tol, "max_iter": max_iter,
        "seconds": seconds, "times": times, "n_iter": n_iter,
        "converged": None if n_iter is None else bool(n_iter < max_iter),
        "passes": passes[-1],
        "passes_source": ("counted by instrumenting LinearModelLoss" if library == SKLEARN
                          else "counted by the objective"),
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


# --------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------
def run_demo(*, n=200_000, d=100, K=10, C=1.0, tol=1e-6, solver="auto", n_threads=None,
             repeats=3, progress=None):
    """The demo's fits: ours (``solver``) and scikit-learn's lbfgs on digits and a generated problem.

    Returns
    -------
    list of records (see :func:`fit_record`), two per data set, ours first;
    each of ours carries ``speedup`` (scikit-learn's median time / ours).
    """
    progress = progress or Progress(quiet=True)
    progress("loading digits (standardized, 75/25 split)")
    problems = [("digits", digits_problem())]
    progress(f"generating n={n:,} d={d} K={K} (+{max(K, n // 4):,} test rows)")
    problems.append((f"generated {n:,}x{d} K={K}", make_problem(n, d, K, seed=0)))
    records = []
    for case, data in problems:
        progress(f"{case}: softmax-ext solver={solver}")
        ours = fit_record(OURS, solver, data, case=case, C=C, tol=tol, n_threads=n_threads,
                          repeats=repeats, section="demo")
        progress(f"{case}: scikit-learn lbfgs")
        theirs = fit_record(SKLEARN, "lbfgs", data, case=case, C=C, tol=tol, repeats=repeats,
                            section="demo")
        ours["speedup"] = theirs["seconds"] / ours["seconds"]
        records += [ours, theirs]
    return records


# --------------------------------------------------------------------------
# the matrix
# --------------------------------------------------------------------------
class BenchConfig:
    """Sizes and repeats of one benchmark run.

    Parameters
    ----------
    mode : {"quick", "full"}
    threads : int or None
        Threads for our kernels (None: all usable cores); the thread scaling
        runs 1 .. threads.
    n : int, optional
        Training rows of the generated fit / objective / thread cases.
    sizes : list of int, optional
        Training rows of the scaling-in-n fits.
    classes : list of int, optional
        Class counts of the scaling-in-K fits.
    d : int, optional
        Features of the generated problems.
    repeats : int, optional
        Timed runs per measurement (medians are reported).
    C, tol : float
        Same for both libraries.
    sections : list of str, optional
        Names from ``SECTIONS``; None runs them all.
    digits : bool, default True
        Include scikit-learn's digits next to the generated problems.
    """

    PRESETS = {
        "quick": dict(n=20_000, d=100, K=10, sizes=[5_000, 20_000, 80_000],
                      classes=[3, 10, 30], K_n=10_000, K_d=50, kernel_n=200_000,
                      conv_n=20_000, repeats=3, kernel_repeats=5, max_iter=1000,
                      conv_max_iter=128, sklearn_newton_cholesky_max_n=5_000),
        "full": dict(n=100_000, d=100, K=10, sizes=[10_000, 30_000, 100_000, 300_000, 1_000_000],
                     classes=[3, 5, 10, 20, 50], K_n=50_000, K_d=100, kernel_n=1_000_000,
                     conv_n=100_000, repeats=5, kernel_repeats=7, max_iter=2000,
                     conv_max_iter=1024, sklearn_newton_cholesky_max_n=100_000),
    }

    def __init__(self, mode="quick", *, threads=None, n=None, d=None, sizes=None, classes=None,
                 repeats=None, C=1.0, tol=1e-6, sections=None, digits=True):
        if mode not in self.PRESETS:
            raise ValueError(f"mode must be one of {sorted(self.PRESETS)}, got {mode!r}.")
        self.mode = mode
        settings = dict(self.PRESETS[mode])
        if n is not None:
            settings.update(n=n, conv_n=n, K_n=n, kernel_n=max(n, 1000))
        if d is not None:
            settings.update(d=d, K_d=d)
        if sizes is not None:
            settings["sizes"] = list(sizes)
        if classes is not None:
            settings["classes"] = list(classes)
        if repeats is not None:
            settings.update(repeats=repeats, kernel_repeats=repeats)
        from ._threads import effective_n_threads

        self.threads = effective_n_threads(threads)
        self.C, self.tol = float(C), float(tol)
        self.digits = bool(digits)
        self.sections = list(sections) if sections else list(SECTIONS)
        unknown = set(self.sections) - set(SECTIONS)
        if unknown:
            raise ValueError(f"unknown benchmark sections {sorted(unknown)}; "
                             f"choose from {list(SECTIONS)}.")
        self.__dict__.update(settings)

    def as_dict(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def bench_kernels(cfg, progress):
    import scipy.special

    from . import reference, special

    rng = np.random.default_rng(0)
    n, K = cfg.kernel_n, cfg.K
    Z64 = rng.standard_normal((n, K)) * 4
    y = rng.integers(0, K, size=n)
    records = []
    for dtype in (np.float64, np.float32):
        Z = Z64.astype(dtype)
        out = np.empty_like(Z)
        cases = {
            "softmax": [(OURS, lambda: special.softmax(Z, out=out, n_threads=cfg.threads)),
                        ("scipy.special", lambda: scipy.special.softmax(Z, axis=-1)),
                        ("numpy oracle", lambda: reference.softmax(Z))],
            "log_softmax": [(OURS, lambda: special.log_softmax(Z, out=out, n_threads=cfg.threads)),
                            ("scipy.special", lambda: scipy.special.log_softmax(Z, axis=-1)),
                            ("numpy oracle", lambda: reference.log_softmax(Z))],
            "logsumexp": [(OURS, lambda: special.logsumexp(Z, n_threads=cfg.threads)),
                          ("scipy.special", lambda: scipy.special.logsumexp(Z, axis=-1)),
                          ("numpy oracle", lambda: reference.logsumexp(Z))],
            "cross_entropy": [(OURS, lambda: special.cross_entropy(Z, y, out=out,
                                                                   n_threads=cfg.threads)),
                              ("numpy oracle", lambda: reference.cross_entropy(Z, y))],
        }
        for kernel, entries in cases.items():
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
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    from .objective import MultinomialLoss

    records = []
    n, d, K = cfg.n, cfg.d, cfg.K
    for dtype in (np.float64, np.float32):
        X, _, y, _ = make_problem(n, d, K, seed=1, dtype=dtype, n_test=K)
        l2 = 1.0 / (cfg.C * n)
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


def _attempt(progress, what, fn, **settings):
    """``fn()``; a fit that our build cannot run (e.g. NotImplementedError for a solver
    not there yet) becomes a record with ``error`` instead of ending the run."""
    try:
        return fn()
    except (NotImplementedError, ValueError, TypeError, ArithmeticError) as exc:
        message = f"{type(exc).__name__}: {exc}"
        progress(f"{what}: not measured ({message})")
        return {**settings, "error": message}


def bench_fits(cfg, progress):
    records = []
    common = dict(C=cfg.C, tol=cfg.tol, max_iter=cfg.max_iter)
    for case, data in _fit_cases(cfg, progress):
        n = data[0].shape[0]
        for solver in OUR_SOLVERS + ("auto",):
            progress(f"fits: {case} softmax-ext {solver}")
            records.append(_attempt(
                progress, f"fits: {case} softmax-ext {solver}",
                lambda: fit_record(OURS, solver, data, case=case, n_threads=cfg.threads,
                                   repeats=cfg.repeats, **common),
                section="fit", case=case, library=OURS, solver=solver))
        for solver in SKLEARN_SOLVERS:
            if solver == "newton-cholesky" and n > cfg.sklearn_newton_cholesky_max_n:
                why = (f"skipped: n > {cfg.sklearn_newton_cholesky_max_n:,} in --{cfg.mode} "
                       "(its K(K+1)/2 sandwich products make it the slowest case)")
                progress(f"fits: {case} scikit-learn {solver} {why}")
                records.append({"section": "fit", "case": case, "library": SKLEARN,
                                "solver": solver, "error": why})
                continue
            progress(f"fits: {case} scikit-learn {solver}")
            records.append(fit_record(SKLEARN, solver, data, case=case,
                                      repeats=cfg.repeats, **common))
    return records


def bench_scaling_n(cfg, progress):
    records = []
    for n in cfg.sizes:
        data = make_problem(n, cfg.d, cfg.K, seed=0)
        case = f"n={n:,}"
        for library, solver in ((OURS, "auto"), (SKLEARN, "lbfgs")):
            progress(f"scaling in n: {case} {library} {solver}")
            records.append(fit_record(library, solver, data, case=case, C=cfg.C, tol=cfg.tol,
                                      max_iter=cfg.max_iter, repeats=cfg.repeats,
                                      n_threads=cfg.threads if library == OURS else None,
                                      section="scaling_n"))
    return records


def bench_scaling_K(cfg, progress):
    records = []
    for K in cfg.classes:
        data = make_problem(cfg.K_n, cfg.K_d, K, seed=0)
        case = f"K={K}"
        for library, solver in ((OURS, "auto"), (SKLEARN, "lbfgs")):
            progress(f"scaling in K: {case} ({cfg.K_n:,}x{cfg.K_d}) {library} {solver}")
            records.append(fit_record(library, solver, data, case=case, C=cfg.C, tol=cfg.tol,
                                      max_iter=cfg.max_iter, repeats=cfg.repeats,
                                      n_threads=cfg.threads if library == OURS else None,
                                      section="scaling_K"))
    return records


def bench_threads(cfg, progress):
    from .objective import MultinomialLoss

    records = []
    data = make_problem(cfg.n, cfg.d, cfg.K, seed=0)
    X, y = data[0], data[2]
    coef = np.random.default_rng(2).standard_normal((cfg.K, cfg.d + 1)) * 0.1
    case = f"{cfg.n:,}x{cfg.d} K={cfg.K}"
    for t in range(1, cfg.threads + 1):
        progress(f"threads: {case} threads={t}")
        obj = MultinomialLoss(X, y, l2=1.0 / (cfg.C * cfg.n), n_threads=t)
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


def _iteration_schedule(cap):
    out, m = [], 1
    while m <= cap:
        out.append(m)
        m *= 2
    return out


def convergence_path(library, solver, data, *, C, tol, cap, n_threads=None):
    """Objective after fits with max_iter = 1, 2, 4, ... until converged or ``cap``.

    Returns a list of points ``{"max_iter", "n_iter", "seconds", "objective"}``
    (one timed fit each), starting with the zero coefficients at 0 seconds.
    """
    from sklearn.exceptions import ConvergenceWarning

    X = data[0]
    K = len(np.unique(data[2]))
    points = [{"max_iter": 0, "n_iter": 0, "seconds": 0.0,
               "objective": math.log(K) if K > 2 else math.log(2.0)}]
    for max_iter in _iteration_schedule(cap):
        est = make_estimator(library, solver, C=C, tol=tol, max_iter=max_iter,
                             n_threads=n_threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with _fit_context(library, solver):
                start = time.perf_counter()
                est.fit(X, data[2])
                seconds = time.perf_counter() - start
        n_iter = _n_iter(est)
        points.append({"max_iter": max_iter, "n_iter": n_iter, "seconds": seconds,
                       "objective": final_objective(X, data[2], est, C, n_threads)})
        if n_iter is not None and n_iter < max_iter:
            break
    return points


def bench_convergence(cfg, progress):
    records = []
    cases = [("digits", digits_problem())] if cfg.digits else []
    cases += [(f"generated {cfg.conv_n:,}x{cfg.d} K={cfg.K}",
              make_problem(cfg.conv_n, cfg.d, cfg.K, seed=0))]
    for case, data in cases:
        runs = [(OURS, s) for s in OUR_SOLVERS] + [(SKLEARN, s) for s in SKLEARN_SOLVERS]
        for library, solver in runs:
            if (library == SKLEARN and solver == "newton-cholesky"
                    and data[0].shape[0] > cfg.sklearn_newton_cholesky_max_n):
                continue
            progress(f"convergence: {case} {library} {solver}")
            settings = {"section": "convergence", "case": case, "library": library,
                        "solver": solver, "n": int(data[0].shape[0]), "d": int(data[0].shape[1])}
            points = _attempt(progress, f"convergence: {case} {library} {solver}",
                              lambda: convergence_path(
                                  library, solver, data, C=cfg.C, tol=cfg.tol,
                                  cap=cfg.conv_max_iter,
                                  n_threads=cfg.threads if library == OURS else None),
                              **settings)
            records.append(points if isinstance(points, dict) else {**settings, "points": points})
    return records


SECTIONS = {
    "kernels": bench_kernels,
    "objective": bench_objective,
    "fit": bench_fits,
    "scaling_n": bench_scaling_n,
    "scaling_K": bench_scaling_K,
    "threads": bench_threads,
    "convergence": bench_convergence,
}


def run_matrix(cfg, progress=None):
    """Run every section of ``cfg.sections``; return the list of records."""
    progress = progress or Progress(quiet=True)
    records = []
    for name in cfg.sections:
        progress(f"section {name}")
        records += SECTIONS[name](cfg, progress)
    progress(f"done: {len(records)} measurements")
    return records
