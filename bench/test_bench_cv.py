"""Cross-validated fits: SoftmaxRegressionCV against scikit-learn's LogisticRegressionCV.

Settings are LogisticRegressionCV's defaults (``Cs=10``, ``cv=5``,
``tol=1e-4``, ``max_iter=100``, accuracy) with ``l1_ratios=(0,)`` for L2
(scikit-learn's lbfgs, its fastest L2 solver here) and ``l1_ratios=(0, 0.5,
1)`` for elastic-net (saga, the only one it has).  scikit-learn runs with
scipy's BLAS at one thread (its best setting, ``softmax_ext.bench.timing``)
and ``n_jobs`` 1 or 2 (processes for lbfgs, threads for saga, its own
choice); ours with ``n_threads=2`` and ``n_jobs`` 1 or 2.

Cases: digits (standardised, 1797x64, K=10), dense N x 100 K=10
(``make_classification``, 50 informative; N=20,000 by default) and, with
``BENCH_FIT_SLOW=1`` (minutes of scikit-learn per round on this shared
2-core machine, saga hours), the issue's dense 100,000 x 100 and CSR
50,000 x 20,000 (density 0.002, K=10, labels from a planted linear model).

Two ways to run it:

- under pytest-benchmark (``make bench``): one group per case and penalty,
  scikit-learn's entries the baselines of ours; the 'path' groups time the
  fold fits alone, the warm-started path against one cold fit per C;
- as a script, the issue's table: every case, min / median / max of each
  configuration, the ratio of scikit-learn's best median to ours, whether
  ``C_`` / ``l1_ratio_`` agree and the largest ``scores_`` difference, and
  the load average.  A scikit-learn fit that exceeds ``--cap`` seconds is
  stopped (it runs in a child process) and the ratio is a lower bound::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python bench/test_bench_cv.py --rounds 3 --cap 600 digits "dense 100000x100"
"""

import argparse
import multiprocessing
import os
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from softmax_ext import SoftmaxRegressionCV
from softmax_ext.bench.timing import sklearn_blas_limit
from softmax_ext.linear_model._path import fit_path

SLOW = os.environ.get("BENCH_FIT_SLOW") == "1"
N_DENSE = int(os.environ.get("BENCH_CV_N", "20000"))
COMMON = dict(Cs=10, cv=5, scoring="accuracy", use_legacy_attributes=False)
PENALTIES = {"l2": ((0.0,), "lbfgs"), "elasticnet": ((0.0, 0.5, 1.0), "saga")}
_cache = {}


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _dense(n):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=100, n_informative=50, n_classes=10,
                               random_state=0)
    return np.ascontiguousarray(X), y


def _csr(n=50_000, d=20_000, density=0.002, K=10):
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=density, format="csr", random_state=rng,
                  data_rvs=lambda k: rng.standard_normal(k))
    W = rng.standard_normal((d, K)) * 3.0
    logits = np.asarray(X @ W) + rng.gumbel(size=(n, K))
    return X, logits.argmax(axis=1)


CASES = {"digits": _digits, f"dense {N_DENSE}x100": lambda: _dense(N_DENSE)}
SLOW_CASES = {"dense 100000x100": lambda: _dense(100_000), "csr 50000x20000": _csr}
ALL_CASES = {**CASES, **SLOW_CASES}
BENCH_CASES = {**CASES, **(SLOW_CASES if SLOW else {})}


def data(case):
    if case not in _cache:
        _cache.clear()
        _cache[case] = ALL_CASES[case]()
    return _cache[case]


def fit_cv(lib, penalty, n_jobs, X, y):
    """One cross-validated fit: LogisticRegressionCV (its solver for the
    penalty, BLAS at one thread) or ours (2 kernel threads)."""
    ratios, solver = PENALTIES[penalty]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if lib == "ours":
            return SoftmaxRegressionCV(l1_ratios=ratios, n_jobs=n_jobs, n_threads=2,
                                       **COMMON).fit(X, y)
        from sklearn.linear_model import LogisticRegressionCV

        with sklearn_blas_limit():
            return LogisticRegressionCV(l1_ratios=ratios, solver=solver, n_jobs=n_jobs,
                                        **COMMON).fit(X, y)


CONFIGS = [("sklearn", 1), ("sklearn", 2), ("ours", 1), ("ours", 2)]


@pytest.mark.parametrize("lib, n_jobs", CONFIGS)
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("case", list(BENCH_CASES))
def test_cv(benchmark, case, penalty, lib, n_jobs):
    X, y = data(case)
    benchmark.group = f"cv {case} {penalty}"
    out = {}

    def fit():
        out["est"] = fit_cv(lib, penalty, n_jobs, X, y)

    benchmark.pedantic(fit, rounds=1, iterations=1, warmup_rounds=0)
    est = out["est"]
    role = f"{PENALTIES[penalty][1]} " if lib == "sklearn" else ""
    benchmark.extra_info.update(
        role=f"{lib} {role}n_jobs={n_jobs}", C_=float(est.C_), l1_ratio_=float(est.l1_ratio_),
        best_mean_score=float(est.scores_.mean(axis=0).max()))


def fold_fits(X, y, penalty, warm):
    """Every fold's fits of the grid, as the CV runs them (``warm``: one path
    per fold and l1_ratio) or cold (one independent fit per C); the total
    solver iterations."""
    Cs = np.logspace(-4, 4, 10)
    total = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for train, _ in StratifiedKFold(5).split(X, y):
            Xt, yt = X[train], y[train]
            for r in PENALTIES[penalty][0]:
                for grid in ([Cs] if warm else [[C] for C in Cs]):
                    total += int(fit_path(Xt, yt, 10, np.asarray(grid), l1_ratio=r,
                                          n_threads=2)[1].sum())
    return total


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("case", list(BENCH_CASES))
def test_path(benchmark, case, penalty, warm):
    X, y = data(case)
    benchmark.group = f"path {case} {penalty}"
    out = {}

    def fit():
        out["iterations"] = fold_fits(X, y, penalty, warm)

    benchmark.pedantic(fit, rounds=1, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(role="ours warm path" if warm else "sklearn-like cold fits",
                                total_iterations=out["iterations"])


# ------------------------------------------------------------ the table
def _child(case, penalty, n_jobs, queue):
    X, y = data(case)
    t = time.perf_counter()
    est = fit_cv("sklearn", penalty, n_jobs, X, y)
    queue.put((time.perf_counter() - t, float(est.C_), float(est.l1_ratio_), est.scores_))


def _sklearn_round(case, penalty, n_jobs, cap):
    """One scikit-learn fit in a child process, stopped after ``cap`` seconds:
    (seconds, C_, l1_ratio_, scores_) or (cap, None, None, None)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(case, penalty, n_jobs, queue))
    proc.start()
    try:
        return queue.get(timeout=cap)
    except Exception:  # queue.Empty: over the cap
        return cap, None, None, None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()


def _ours_round(case, penalty, n_jobs):
    X, y = data(case)
    t = time.perf_counter()
    est = fit_cv("ours", penalty, n_jobs, X, y)
    return time.perf_counter() - t, float(est.C_), float(est.l1_ratio_), est.scores_


def _rounds(run, rounds):
    out = [run()]
    while len(out) < rounds and out[-1][1] is not None:
        out.append(run())
    return out


def table(cases, penalties, rounds, cap, sk_jobs, our_jobs):
    """Print one row per configuration; ratios against scikit-learn's best median."""
    print(f"{'case':<18} {'penalty':<10} {'config':<22} {'min s':>8} {'median':>8} "
          f"{'max':>8} {'vs sk':>7}  C_/l1_ratio_  max|dscores|")
    for case in cases:
        data(case)  # built once, before the children fork
        for penalty in penalties:
            sk = {j: _rounds(lambda: _sklearn_round(case, penalty, j, cap), rounds)
                  for j in sk_jobs}
            ours = {j: _rounds(lambda: _ours_round(case, penalty, j), rounds) for j in our_jobs}
            best = min(sk.values(), key=lambda r: np.median([x[0] for x in r]))
            base, ref = np.median([x[0] for x in best]), best[0]
            for name, runs in [(f"sklearn {PENALTIES[penalty][1]} n_jobs={j}", r)
                               for j, r in sk.items()] + [(f"ours n_jobs={j}", r)
                                                          for j, r in ours.items()]:
                t = [x[0] for x in runs]
                capped = runs[0][1] is None
                ratio = "" if name.startswith("sklearn") else (
                    f"{'>=' if ref[1] is None else ''}{base / np.median(t):.1f}x")
                same = diff = ""
                if not name.startswith("sklearn") and ref[1] is not None:
                    same = "same" if (runs[0][1], runs[0][2]) == (ref[1], ref[2]) else \
                        f"{runs[0][1]:.3g}/{runs[0][2]:g} vs {ref[1]:.3g}/{ref[2]:g}"
                    diff = f"{np.max(np.abs(runs[0][3] - ref[3])):.1e}"
                print(f"{case:<18} {penalty:<10} {name:<22} "
                      f"{('>' if capped else '') + f'{min(t):.3f}':>8} {np.median(t):>8.3f} "
                      f"{max(t):>8.3f} {ratio:>7}  {same:<12}  {diff}", flush=True)
    print("load average:", open("/proc/loadavg").read().strip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help=", ".join(ALL_CASES))
    parser.add_argument("--penalty", action="append", choices=list(PENALTIES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cap", type=float, default=600.0,
                        help="seconds before a scikit-learn fit is stopped")
    parser.add_argument("--sklearn-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--our-jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    print("load average:", open("/proc/loadavg").read().strip())
    table(args.cases, args.penalty or list(PENALTIES), args.rounds, args.cap,
          args.sklearn_jobs, args.our_jobs)


if __name__ == "__main__":
    main()
