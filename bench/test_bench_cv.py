"""Cross-validated fits: SoftmaxRegressionCV against scikit-learn's LogisticRegressionCV.

One benchmark group per data case and penalty; scikit-learn's fits (role
'sklearn ...') are the baselines of ours (role 'ours ...').  Settings are
LogisticRegressionCV's defaults (``Cs=10``, ``cv=5``, ``tol=1e-4``,
``max_iter=100``, accuracy) with ``l1_ratios=(0,)`` for L2 (scikit-learn's
lbfgs, its fastest L2 solver here) and ``l1_ratios=(0, 0.5, 1)`` for
elastic-net (saga, the only one it has).  scikit-learn runs with scipy's
BLAS at one thread (its best setting, ``softmax_ext.bench.timing``) and
``n_jobs`` 1 or 2 (processes for lbfgs, threads for saga, its own choice);
ours with ``n_threads=2`` and ``n_jobs`` 1 or 2.  Each entry records in
extra_info the chosen ``C_`` / ``l1_ratio_`` and the mean best score, so the
choices can be compared.

The 'path' groups time the fold fits alone (no scoring): the warm-started
path (ours, as the CV runs it) against the same grid fitted cold, one
independent fit per C.

Cases: digits (standardised, 1797x64, K=10) and dense N x 100, K=10
(``make_classification``, 50 informative).  N is 20,000 by default
(LogisticRegressionCV takes minutes per round at 100,000 on this shared
2-core machine, saga much longer); ``BENCH_CV_N=100000`` runs the issue's
size.  Rounds are single (the machine is shared).

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python -m pytest bench/test_bench_cv.py --benchmark-json=bench/results/cv.json
"""

import os
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from softmax_ext import SoftmaxRegressionCV
from softmax_ext.bench.timing import sklearn_blas_limit
from softmax_ext.linear_model._path import fit_path

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


CASES = {"digits 1797x64 K=10": _digits, f"dense {N_DENSE}x100 K=10": lambda: _dense(N_DENSE)}


def data(case):
    if case not in _cache:
        _cache.clear()
        _cache[case] = CASES[case]()
    return _cache[case]


def _record(benchmark, role, est):
    benchmark.extra_info.update(
        role=role, C_=float(est.C_), l1_ratio_=float(est.l1_ratio_),
        best_mean_score=float(est.scores_.mean(axis=0).max()))


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("case", list(CASES))
def test_sklearn(benchmark, case, penalty, n_jobs):
    from sklearn.linear_model import LogisticRegressionCV

    X, y = data(case)
    ratios, solver = PENALTIES[penalty]
    benchmark.group = f"cv {case} {penalty}"
    out = {}

    def fit():
        with sklearn_blas_limit(), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out["est"] = LogisticRegressionCV(l1_ratios=ratios, solver=solver, n_jobs=n_jobs,
                                              **COMMON).fit(X, y)

    benchmark.pedantic(fit, rounds=1, iterations=1, warmup_rounds=0)
    _record(benchmark, f"sklearn {solver} n_jobs={n_jobs}", out["est"])


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("case", list(CASES))
def test_ours(benchmark, case, penalty, n_jobs):
    X, y = data(case)
    ratios, _ = PENALTIES[penalty]
    benchmark.group = f"cv {case} {penalty}"
    out = {}

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out["est"] = SoftmaxRegressionCV(l1_ratios=ratios, n_jobs=n_jobs, n_threads=2,
                                             **COMMON).fit(X, y)

    benchmark.pedantic(fit, rounds=1, iterations=1, warmup_rounds=0)
    _record(benchmark, f"ours n_jobs={n_jobs}", out["est"])


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("case", list(CASES))
def test_path(benchmark, case, penalty, warm):
    X, y = data(case)
    ratios, _ = PENALTIES[penalty]
    Cs = np.logspace(-4, 4, 10)
    folds = [train for train, _ in StratifiedKFold(5).split(X, y)]
    benchmark.group = f"path {case} {penalty}"
    n_iter = []

    def fit():
        n_iter.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for train in folds:
                Xt, yt = X[train], y[train]
                for r in ratios:
                    grids = [Cs] if warm else [[C] for C in Cs]
                    for grid in grids:
                        n_iter.append(fit_path(Xt, yt, 10, np.asarray(grid), l1_ratio=r,
                                               n_threads=2)[1].sum())

    benchmark.pedantic(fit, rounds=1, iterations=1, warmup_rounds=0)
    benchmark.extra_info.update(role="ours warm path" if warm else "sklearn-like cold fits",
                                total_iterations=int(np.sum(n_iter)))
