"""Fit time to the same tolerance: our solvers against scikit-learn's LogisticRegression.

One benchmark group per data case; scikit-learn's fits (role 'sklearn <solver>')
are the baselines of ours (role 'ours <solver>'), beside scikit-learn as
users get it (role 'sklearn default': ``LogisticRegression()``, nothing
limited), so ``python bench/ratios.py bench/results`` prints the speed
ratios against both (its "fits" table).  Settings: tol=1e-6, C=1
(l2 = 1 / (C n)), max_iter=1000.  scikit-learn runs in its best thread
setting: scipy's OpenBLAS limited to 1 thread (the 'thread clash', see
``softmax_ext.bench.timing``), numpy's left alone.  Each entry records in
extra_info the final objective of its coefficients, evaluated by the same
float64 ``MultinomialLoss`` for every entry of a case
(``softmax_ext.bench.cases.scoring_loss``), with n_iter and max|grad|.

Cases whose Hessian cannot be assembled skip newton-cholesky, and say so in the
group name.  Rounds are few (the machine is shared): medians of 1 to 3 fits.

Run (a few minutes on an idle 2-core machine)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python -m pytest bench/test_bench_fit.py --benchmark-json=bench/results/fit.json
    python bench/ratios.py bench/results
"""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import MultinomialLoss
from softmax_ext.bench.cases import l2_of, scoring_loss
from softmax_ext.bench.timing import sklearn_blas_limit
from softmax_ext.solvers import solve

TOL = 1e-6
C = 1.0
MAX_ITER = 1000
SOLVERS = ["lbfgs", "newton-cholesky", "newton-cg"]
SLOW = os.environ.get("BENCH_FIT_SLOW") == "1"  # also the multi-minute fits

_cache = {}


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _classification(n, d, K, informative, dtype=np.float64):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=d, n_informative=informative,
                               n_classes=K, random_state=0)
    return np.ascontiguousarray(X, dtype=dtype), y


def _csr(n, d, K, density):
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=density, format="csr", random_state=rng, dtype=np.float64)
    W = rng.standard_normal((K, d))
    y = np.argmax(X @ W.T + 0.5 * rng.standard_normal((n, K)), axis=1)
    return X, y


# make bench stays near 15 minutes: the 1010^2 Hessians from 100k rows take
# scikit-learn 7-16 s a fit and are never the fastest of either library
_CHOL_1010 = {} if SLOW else {"newton-cholesky": "Hessian 1010^2 from 100k rows (sklearn "
                                                 "7-16 s, never the fastest); "
                                                 "BENCH_FIT_SLOW=1 includes it"}

# name -> (loader, rounds, solvers skipped with the reason)
CASES = {
    "digits standardized 1797x64 K=10": (_digits, 3, {}),
    "dense 100000x100 K=10": (lambda: _classification(100_000, 100, 10, 50), 1, _CHOL_1010),
    "dense 100000x100 K=10 float32": (
        lambda: _classification(100_000, 100, 10, 50, np.float32), 1, _CHOL_1010),
    "dense 20000x500 K=20": (
        lambda: _classification(20_000, 500, 20, 50), 1,
        {} if SLOW else {"newton-cholesky": "Hessian 10020^2 (0.8 GB) takes minutes to assemble "
                                            "(sklearn ~172 s); BENCH_FIT_SLOW=1 includes it"}),
    # 3 rounds: its ratio is near the target and single fits varied by 20%
    "csr 50000x20000 K=10 density=0.002": (
        lambda: _csr(50_000, 20_000, 10, 0.002), 3,
        {"newton-cholesky": "Hessian 200010^2 would need 320 GB"}),
}


def data(case):
    if case not in _cache:
        _cache.clear()  # one large data set alive at a time
        _cache[case] = CASES[case][0]()
    return _cache[case]


def group(case):
    skipped = CASES[case][2]
    if not skipped:
        return f"fit {case}"
    why = "; ".join(f"{s} skipped: {r}" for s, r in skipped.items())
    return f"fit {case} ({why})"


def evaluator(case):
    """A float64 MultinomialLoss on the case's data, to score every entry alike."""
    key = ("eval", case)
    if key not in _cache:
        X, y = data(case)
        _cache[key] = scoring_loss(X, y, C, n_threads=1)
    return _cache[key]


def record(benchmark, case, role, coef, n_iter, extra=None):
    ev = evaluator(case)
    loss, grad = ev.loss_gradient(np.asarray(coef, dtype=np.float64))
    benchmark.extra_info.update(role=role, objective=float(loss),
                                grad_max=float(np.max(np.abs(grad))), n_iter=int(n_iter))
    benchmark.extra_info.update(extra or {})


def _params(ours):
    out = []
    for case, (_, _, skipped) in CASES.items():
        for solver in SOLVERS:
            if solver not in skipped:
                out.append(pytest.param(case, solver, id=f"{case}-{solver}"))
    return out


@pytest.mark.parametrize("case,solver", _params(ours=False))
def test_sklearn(benchmark, case, solver):
    from sklearn.linear_model import LogisticRegression

    X, y = data(case)
    benchmark.group = group(case)
    result = {}

    def fit():
        with sklearn_blas_limit(), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = LogisticRegression(C=C, tol=TOL, max_iter=MAX_ITER, solver=solver).fit(X, y)
        result["clf"] = clf

    benchmark.pedantic(fit, rounds=CASES[case][1], iterations=1, warmup_rounds=0)
    clf = result["clf"]
    coef = np.hstack([clf.coef_, clf.intercept_[:, None]])
    record(benchmark, case, f"sklearn {solver}", coef, np.max(clf.n_iter_))


@pytest.mark.parametrize("case", list(CASES))
def test_sklearn_default(benchmark, case):
    """scikit-learn as users get it: LogisticRegression() with nothing limited (the
    'sklearn default' role, shown beside its best configuration)."""
    from sklearn.linear_model import LogisticRegression

    X, y = data(case)
    benchmark.group = group(case)
    result = {}

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result["clf"] = LogisticRegression(C=C, tol=TOL, max_iter=MAX_ITER).fit(X, y)

    benchmark.pedantic(fit, rounds=CASES[case][1], iterations=1, warmup_rounds=0)
    clf = result["clf"]
    coef = np.hstack([clf.coef_, clf.intercept_[:, None]])
    record(benchmark, case, "sklearn default", coef, np.max(clf.n_iter_))


@pytest.mark.parametrize("case,solver", _params(ours=True))
def test_ours(benchmark, case, solver):
    X, y = data(case)
    benchmark.group = group(case)
    result = {}

    def fit():
        obj = MultinomialLoss(X, y, l2=l2_of(C, X.shape[0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result["res"] = solve(obj, solver=solver, tol=TOL, max_iter=MAX_ITER)

    benchmark.pedantic(fit, rounds=CASES[case][1], iterations=1, warmup_rounds=0)
    res = result["res"]
    record(benchmark, case, f"ours {solver}", res.coef, res.n_iter,
           dict(passes_over_X=res.n_passes_over_X, converged=res.converged))
