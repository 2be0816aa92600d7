"""L1 / elastic-net fit time to the same objective: ours against scikit-learn's saga.

One benchmark group per data case and penalty (C, l1_ratio); scikit-learn's
``LogisticRegression(solver="saga")`` (its only multinomial L1 solver) is the
baseline of ``SoftmaxRegression`` (prox-newton), both fitting scikit-learn
1.9's objective ``C sum_i loss_i + (1 - r)/2 ||W||^2 + r ||W||_1``.  cyanure's
``Classifier(loss="logistic", multi_class="multinomial")`` joins when it is
installed, with ``lambda_1 = r / (C n)``, ``lambda_2 = (1 - r) / (C n)``: its
objective is the same divided by ``C n``.  skglm (0.5) has no multinomial
logistic datafit (its logistic estimators are binary / one-vs-rest), so it has
no row.

Each entry records in extra_info the objective of its coefficients divided by
``C n``, evaluated by one float64 ``MultinomialLoss`` per case, and
``gap = (F - F_ours) / F_ours``: a speed ratio only means something where the
gap is small (saga stops on its own ``tol``, the change of the coefficients
per epoch, which says little about the objective).  saga runs at
``SAGA_TOL`` with ``SAGA_MAX_ITER`` epochs, ours at ``tol=1e-8`` on the
minimum-norm subgradient.

Run (the saga fits take minutes; ``BENCH_L1_TALL=1`` adds 100,000 x 100)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python -m pytest bench/test_bench_l1.py --benchmark-json=bench/results/l1.json
    python bench/test_bench_l1.py bench/results/l1.json    # the table: ratios and gaps
"""

import json
import os
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import MultinomialLoss, SoftmaxRegression

TOL = 1e-8
SAGA_TOL = float(os.environ.get("BENCH_L1_SAGA_TOL", "1e-5"))
SAGA_MAX_ITER = 3000
TALL = os.environ.get("BENCH_L1_TALL") == "1"


def _dense(n, d, K):
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=n, n_features=d, n_informative=d // 2, n_classes=K,
                               random_state=0)
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


def _text(n, d, K, nnz_per_row):
    """Text-like CSR: Zipf column frequencies, tf-idf-like positive values, L2-normalised
    rows; labels from a sparse linear model on the informative frequent columns."""
    rng = np.random.default_rng(0)
    freq = 1.0 / np.arange(1, d + 1) ** 1.1
    freq /= freq.sum()
    cols = rng.choice(d, size=(n, nnz_per_row), p=freq)
    rows = np.repeat(np.arange(n), nnz_per_row)
    X = sp.csr_matrix((rng.exponential(1.0, n * nnz_per_row), (rows, cols.ravel())),
                      shape=(n, d))
    X.sum_duplicates()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    W = np.zeros((K, d))
    W[:, :200] = 3 * rng.standard_normal((K, 200))
    y = np.argmax(X @ W.T + 0.3 * rng.standard_normal((n, K)), axis=1)
    return X, y


# name -> (loader, rounds)
CASES = {
    "dense 20000x100 K=10": (lambda: _dense(20_000, 100, 10), 1),
    "csr text 20000x20000 K=10 (Zipf, 40 nnz/row)": (lambda: _text(20_000, 20_000, 10, 40), 1),
}
if TALL:
    CASES["dense 100000x100 K=10"] = (lambda: _dense(100_000, 100, 10), 1)
# (C, l1_ratio): a sparse model and a dense-ish elastic net; C per case scale
PENALTIES = {"sparse": (0.01, 1.0), "elastic": (0.1, 0.5)}
# the text case's elastic net at C=10 needs a working set past the explicit
# Hessian's bound (MemoryError: the Hessian-free CD over CSC is not built yet)
TEXT_PENALTIES = {"sparse": (1.0, 1.0)}

_cache = {}


def data(case):
    if case not in _cache:
        _cache.clear()  # one data set alive at a time
        _cache[case] = CASES[case][0]()
    return _cache[case]


def penalty(case, which):
    return (TEXT_PENALTIES if case.startswith("csr") else PENALTIES)[which]


def objective(case, which, coef, intercept):
    """F / (C n) of (coef, intercept), float64, the same evaluator for every entry."""
    X, y = data(case)
    C, r = penalty(case, which)
    n = X.shape[0]
    obj = MultinomialLoss(X, y, l2=(1 - r) / (C * n), n_threads=1)
    full = np.hstack([np.asarray(coef, np.float64), np.ravel(intercept)[:, None]])
    return float(obj.loss(full)) + r / (C * n) * float(np.abs(coef).sum())


def _params():
    return [pytest.param(case, which, id=f"{case}-{which}")
            for case in CASES for which in PENALTIES
            if which in (TEXT_PENALTIES if case.startswith("csr") else PENALTIES)]


def _record(benchmark, case, which, role, coef, intercept, n_iter):
    C, r = penalty(case, which)
    benchmark.extra_info.update(
        role=role, case=case, C=C, l1_ratio=r, n_iter=int(n_iter),
        objective=objective(case, which, coef, intercept),
        nnz_share=float(np.mean(np.asarray(coef) != 0)))


def _run(benchmark, case, which, fit):
    benchmark.group = f"l1 {case} C={penalty(case, which)[0]:g} l1_ratio={penalty(case, which)[1]:g}"
    out = {}

    def go():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out["est"] = fit()

    benchmark.pedantic(go, rounds=CASES[case][1], iterations=1, warmup_rounds=0)
    return out["est"]


@pytest.mark.parametrize("case,which", _params())
def test_ours(benchmark, case, which):
    X, y = data(case)
    C, r = penalty(case, which)
    est = _run(benchmark, case, which, lambda: SoftmaxRegression(
        C=C, l1_ratio=r, tol=TOL, max_iter=1000).fit(X, y))
    _record(benchmark, case, which, "ours prox-newton", est.coef_, est.intercept_,
            np.max(est.n_iter_))


@pytest.mark.parametrize("case,which", _params())
def test_sklearn_saga(benchmark, case, which):
    from sklearn.linear_model import LogisticRegression

    X, y = data(case)
    C, r = penalty(case, which)
    est = _run(benchmark, case, which, lambda: LogisticRegression(
        C=C, l1_ratio=r, solver="saga", tol=SAGA_TOL, max_iter=SAGA_MAX_ITER).fit(X, y))
    _record(benchmark, case, which, f"sklearn saga tol={SAGA_TOL:g}", est.coef_,
            est.intercept_, np.max(est.n_iter_))


@pytest.mark.parametrize("case,which", _params())
def test_cyanure(benchmark, case, which):
    cyanure = pytest.importorskip("cyanure.estimators",
                                  reason="cyanure is not installed (optional peer)")
    X, y = data(case)
    C, r = penalty(case, which)
    n, d = X.shape
    kind = "l1" if r == 1 else "elastic-net"
    est = _run(benchmark, case, which, lambda: cyanure.Classifier(
        loss="logistic", penalty=kind, multi_class="multinomial", lambda_1=r / (C * n),
        lambda_2=(1 - r) / (C * n), fit_intercept=True, tol=TOL, max_iter=1000,
        verbose=False, n_threads=2).fit(X, y))
    coef = np.asarray(est.coef_).reshape(d, -1).T
    _record(benchmark, case, which, "cyanure", coef, np.ravel(est.intercept_),
            np.max(est.n_iter_))


def table(path):
    """Lines of the table: per group, each entry's median, its time over ours
    (x, > 1 = ours faster) and its objective gap to ours."""
    data_ = json.loads(open(path).read())
    groups = {}
    for b in data_["benchmarks"]:
        groups.setdefault(b["group"], []).append(b)
    lines = [f"{'case':58s} {'fit':24s} {'median':>9s} {'ours x':>7s} {'F gap':>9s} "
             f"{'nnz':>5s} {'iters':>6s}"]
    for g in sorted(groups):
        entries = groups[g]
        ours = [b for b in entries if b["extra_info"].get("role", "").startswith("ours")]
        if not ours:
            continue
        t0, F0 = ours[0]["stats"]["median"], ours[0]["extra_info"]["objective"]
        for b in sorted(entries, key=lambda b: b["extra_info"]["role"]):
            info, t = b["extra_info"], b["stats"]["median"]
            lines.append(f"{g[3:]:58s} {info['role']:24s} {t:8.2f}s {t / t0:6.1f}x "
                         f"{(info['objective'] - F0) / F0:9.1e} {info['nnz_share']:5.2f} "
                         f"{info['n_iter']:6d}")
    return lines


if __name__ == "__main__":
    print("\n".join(table(sys.argv[1])))
