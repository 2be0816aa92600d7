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

The cases are issue 18's: digits (standardized), dense 20,000 x 100 K=10
(standardized; the issue's 100,000 x 100 with ``BENCH_L1_TALL=1``), a random
CSR 50,000 x 20,000 of density 0.002 and a TF-IDF-like CSR with Zipf column
frequencies, each at two penalties: a sparse model (about 10% non-zero
coefficients, pure L1) and a dense-ish elastic net (``l1_ratio=0.5``).  The C
values come from a scan with ``SoftmaxRegression(l1_ratio=..., tol=1e-6)`` (the
CSR cases' with cyanure, where our solver could not yet hold the working set);
the tall case scales the 20,000-row C by 20,000 / 100,000, which keeps the
penalty per sample.

Each entry records in extra_info the objective of its coefficients divided by
``C n``, evaluated by one float64 ``MultinomialLoss`` per case, and
``gap = (F - F_ours) / F_ours``: a speed ratio only means something where the
gap is small (saga stops on its own ``tol``, the change of the coefficients
per epoch, which says little about the objective; where saga's gap is above
~1e-8 its time is one to a worse objective, and the ratio a lower bound).
saga runs at ``SAGA_TOL`` with ``SAGA_MAX_ITER`` epochs, ours at ``tol=1e-8``
on the minimum-norm subgradient.

The path groups (``l1 path ...``) time ``softmax_path`` over ``N_PATH`` C
values, log-spaced from ``l1_min_c`` (the empty model) to 100 times it, against
the same fits run one by one from zero; their "F gap" is the largest relative
difference of the per-C objectives, the path's against the independent fits'.

Run (the saga fits take minutes; ``BENCH_L1_TALL=1`` adds 100,000 x 100)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python -m pytest bench/test_bench_l1.py --benchmark-json=bench/results/l1.json
    python bench/test_bench_l1.py bench/results/l1.json [more.json ...]   # the table
    python bench/test_bench_l1.py --markdown bench/results/l1.json ...    # the README's
"""

import json
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import MultinomialLoss, SoftmaxRegression, l1_min_c, softmax_path

TOL = 1e-8
TOL_PATH = 1e-6
N_PATH = 20
PATH_SPAN = 100.0
SAGA_TOL = float(os.environ.get("BENCH_L1_SAGA_TOL", "1e-5"))
SAGA_MAX_ITER = int(os.environ.get("BENCH_L1_SAGA_MAX_ITER", "3000"))
CYANURE_MAX_ITER = int(os.environ.get("BENCH_L1_CYANURE_MAX_ITER", "1000"))
TALL = os.environ.get("BENCH_L1_TALL") == "1"


def _dense(n, d, K):
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=n, n_features=d, n_informative=d // 2, n_classes=K,
                               random_state=0)
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


def _random_csr(n, d, K, density, n_informative):
    """scipy.sparse.random CSR (uniform [0, 1) values); labels from a sparse
    linear model on ``n_informative`` random columns plus Gaussian noise."""
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=density, format="csr", dtype=np.float64, random_state=rng)
    W = np.zeros((K, d))
    cols = rng.choice(d, n_informative, replace=False)
    W[:, cols] = 3 * rng.standard_normal((K, n_informative))
    y = np.argmax(np.asarray(X @ W.T) + 0.3 * rng.standard_normal((n, K)), axis=1)
    return X, y


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


@dataclass
class Case:
    load: object       # () -> (X, y)
    penalties: dict    # "sparse" | "elastic" -> (C, l1_ratio)
    rounds: int = 1    # rounds of our fit (the peers run once)
    path: bool = False  # also in the path benchmark


_DENSE_PEN = {"sparse": (0.0023, 1.0), "elastic": (0.1, 0.5)}
CASES = {
    "digits 1797x64 K=10": Case(_digits, {"sparse": (0.01, 1.0), "elastic": (1.0, 0.5)},
                                rounds=3, path=True),
    "dense 20000x100 K=10": Case(lambda: _dense(20_000, 100, 10), _DENSE_PEN, rounds=3,
                                 path=True),
    "csr 50000x20000 K=10 (density 0.002)": Case(
        lambda: _random_csr(50_000, 20_000, 10, 0.002, 2_000),
        {"sparse": (0.5, 1.0), "elastic": (1.0, 0.5)}, rounds=3),
    "csr text 20000x20000 K=10 (Zipf, 40 nnz/row)": Case(
        lambda: _text(20_000, 20_000, 10, 40), {"sparse": (1.0, 1.0), "elastic": (10.0, 0.5)},
        rounds=3),
}
if TALL:
    CASES["dense 100000x100 K=10"] = Case(
        lambda: _dense(100_000, 100, 10),
        {k: (C * 20_000 / 100_000, r) for k, (C, r) in _DENSE_PEN.items()})

_cache = {}


def data(case):
    if case not in _cache:
        _cache.clear()  # one data set alive at a time
        _cache[case] = CASES[case].load()
    return _cache[case]


def penalty(case, which):
    return CASES[case].penalties[which]


def objective(case, C, r, coef, intercept):
    """F / (C n) of (coef, intercept) at (C, r), float64, the same evaluator for every entry."""
    X, y = data(case)
    n = X.shape[0]
    obj = MultinomialLoss(X, y, l2=(1 - r) / (C * n), n_threads=1)
    full = np.hstack([np.asarray(coef, np.float64), np.ravel(intercept)[:, None]])
    return float(obj.loss(full)) + r / (C * n) * float(np.abs(coef).sum())


def _params():
    return [pytest.param(case, which, id=f"{case}-{which}")
            for case in CASES for which in CASES[case].penalties]


def _record(benchmark, case, which, role, coef, intercept, n_iter):
    C, r = penalty(case, which)
    benchmark.extra_info.update(
        role=role, case=case, C=C, l1_ratio=r, n_iter=int(n_iter),
        objective=objective(case, C, r, coef, intercept),
        nnz_share=float(np.mean(np.asarray(coef) != 0)))


def _run(benchmark, group, fit, rounds=1):
    """Time ``fit`` (ConvergenceWarning silenced: the gap column says how far
    it got); a MemoryError (our working set past the explicit Hessian's
    bound) skips the entry with its message instead of failing the run."""
    benchmark.group = group
    out = {}

    def go():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out["est"] = fit()

    try:
        benchmark.pedantic(go, rounds=rounds, iterations=1, warmup_rounds=0)
    except MemoryError as e:
        pytest.skip(f"MemoryError: {e}")
    return out["est"]


def _group(case, which):
    C, r = penalty(case, which)
    return f"l1 {case} C={C:g} l1_ratio={r:g}"


@pytest.mark.parametrize("case,which", _params())
def test_ours(benchmark, case, which):
    X, y = data(case)
    C, r = penalty(case, which)
    est = _run(benchmark, _group(case, which), lambda: SoftmaxRegression(
        C=C, l1_ratio=r, tol=TOL, max_iter=1000).fit(X, y), rounds=CASES[case].rounds)
    _record(benchmark, case, which, "ours prox-newton", est.coef_, est.intercept_,
            np.max(est.n_iter_))


@pytest.mark.parametrize("case,which", _params())
def test_sklearn_saga(benchmark, case, which):
    from sklearn.linear_model import LogisticRegression

    X, y = data(case)
    C, r = penalty(case, which)
    est = _run(benchmark, _group(case, which), lambda: LogisticRegression(
        C=C, l1_ratio=r, solver="saga", tol=SAGA_TOL, max_iter=SAGA_MAX_ITER).fit(X, y))
    _record(benchmark, case, which, f"sklearn saga tol={SAGA_TOL:g}" + (
        f" max_iter={SAGA_MAX_ITER}" if SAGA_MAX_ITER != 3000 else ""), est.coef_,
            est.intercept_, np.max(est.n_iter_))


@pytest.mark.parametrize("case,which", _params())
def test_cyanure(benchmark, case, which):
    cyanure = pytest.importorskip("cyanure.estimators",
                                  reason="cyanure is not installed (optional peer)")
    X, y = data(case)
    C, r = penalty(case, which)
    n, d = X.shape
    kind = "l1" if r == 1 else "elasticnet"  # cyanure's name; "elastic-net" fits unpenalised
    est = _run(benchmark, _group(case, which), lambda: cyanure.Classifier(
        loss="logistic", penalty=kind, multi_class="multinomial", lambda_1=r / (C * n),
        lambda_2=(1 - r) / (C * n), fit_intercept=True, tol=TOL, max_iter=CYANURE_MAX_ITER,
        verbose=False, n_threads=2).fit(X, y))
    coef = np.asarray(est.coef_).reshape(d, -1).T
    _record(benchmark, case, which, "cyanure", coef, np.ravel(est.intercept_),
            np.max(est.n_iter_))


# ---- the path: softmax_path against the same fits run one by one ----------

PATH_L1_RATIO = 1.0


def path_Cs(case):
    """N_PATH values, log-spaced from l1_min_c (all weights zero) to PATH_SPAN times it."""
    X, y = data(case)
    return l1_min_c(X, y, l1_ratio=PATH_L1_RATIO) * np.geomspace(1.0, PATH_SPAN, N_PATH)


def _path_params():
    return [pytest.param(case, id=case) for case in CASES if CASES[case].path]


def _record_path(benchmark, case, role, Cs, coefs, intercepts, n_iter):
    benchmark.extra_info.update(
        role=role, case=case, C=[float(c) for c in Cs], l1_ratio=PATH_L1_RATIO,
        n_iter=int(np.sum(n_iter)),
        objectives=[objective(case, C, PATH_L1_RATIO, w, b)
                    for C, w, b in zip(Cs, coefs, intercepts)],
        nnz_range=[float(np.mean(coefs[0] != 0)), float(np.mean(coefs[-1] != 0))])
    benchmark.extra_info["objective"] = float(np.sum(benchmark.extra_info["objectives"]))
    benchmark.extra_info["nnz_share"] = benchmark.extra_info["nnz_range"][-1]


def _path_group(case):
    return (f"l1 path {case} l1_ratio={PATH_L1_RATIO:g}, {N_PATH} Cs "
            f"l1_min_c x [1, {PATH_SPAN:g}]")


@pytest.mark.parametrize("case", _path_params())
def test_path_ours(benchmark, case):
    X, y = data(case)
    Cs = path_Cs(case)
    res = _run(benchmark, _path_group(case), lambda: softmax_path(
        X, y, Cs, l1_ratio=PATH_L1_RATIO, tol=TOL_PATH, max_iter=1000))
    _record_path(benchmark, case, "ours softmax_path", Cs, res.coefs, res.intercepts,
                 res.n_iter)


@pytest.mark.parametrize("case", _path_params())
def test_path_independent(benchmark, case):
    X, y = data(case)
    Cs = path_Cs(case)

    def fits():
        return [SoftmaxRegression(C=C, l1_ratio=PATH_L1_RATIO, tol=TOL_PATH,
                                  max_iter=1000).fit(X, y) for C in Cs]

    ests = _run(benchmark, _path_group(case), fits)
    _record_path(benchmark, case, f"ours {N_PATH} independent fits", Cs,
                 [e.coef_ for e in ests], [e.intercept_ for e in ests],
                 [np.max(e.n_iter_) for e in ests])


# ---- the table ---------------------------------------------------------------

def _gap(info, ref):
    """Relative objective excess over ours; for a path the largest per-C one."""
    if "objectives" in info:
        F, F0 = np.asarray(info["objectives"]), np.asarray(ref["objectives"])
        return float(np.max(np.abs(F - F0) / F0))
    return (info["objective"] - ref["objective"]) / ref["objective"]


def _nnz(info):
    if "nnz_range" in info:
        return "{:.2f}-{:.2f}".format(*info["nnz_range"])
    return f"{info['nnz_share']:.2f}"


def table(paths):
    """Lines of the table: per group, each entry's median, its time over ours
    (x, > 1 = ours faster; for a path the independent fits over the path) and
    its objective gap to ours."""
    groups = {}
    for path in paths:
        for b in json.loads(open(path).read())["benchmarks"]:
            groups.setdefault(b["group"], []).append(b)
    lines = [f"{'case':72s} {'fit':28s} {'median':>9s} {'ours x':>7s} {'F gap':>9s} "
             f"{'nnz':>9s} {'iters':>6s}"]
    for g in sorted(groups):
        entries = groups[g]
        ours = [b for b in entries if b["extra_info"].get("role", "").startswith("ours")]
        if not ours:
            continue
        ref = min(ours, key=lambda b: b["stats"]["median"])
        t0 = ref["stats"]["median"]
        for b in sorted(entries, key=lambda b: (b is not ref, b["extra_info"]["role"])):
            info, t = b["extra_info"], b["stats"]["median"]
            lines.append(f"{g[3:]:72s} {info['role']:28s} {t:8.2f}s {t / t0:6.1f}x "
                         f"{_gap(info, ref['extra_info']):9.1e} {_nnz(info):>9s} "
                         f"{info['n_iter']:6d}")
    return lines


def _short(role):
    return {"ours prox-newton": "ours", "ours softmax_path": "ours softmax_path"}.get(
        role, role.replace("sklearn saga", "saga"))


def markdown(paths):
    """The README's form of :func:`table`: one row per entry, the case named once;
    an entry of several rounds shows its median and (min-max)."""
    groups = {}
    for path in paths:
        for b in json.loads(open(path).read())["benchmarks"]:
            groups.setdefault(b["group"], []).append(b)
    lines = ["| case | fit | time | x | F gap | non-zeros |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for g in sorted(groups, key=lambda g: (g.startswith("l1 path"), g)):
        entries = groups[g]
        ours = [b for b in entries if b["extra_info"].get("role", "").startswith("ours")]
        if not ours:
            continue
        ref = min(ours, key=lambda b: b["stats"]["median"])
        first = True
        for b in sorted(entries, key=lambda b: (b is not ref, b["extra_info"]["role"])):
            info, t = b["extra_info"], b["stats"]["median"]
            gap = _gap(info, ref["extra_info"])
            nnz = ("{:.0%}-{:.0%}".format(*info["nnz_range"]) if "nnz_range" in info
                   else f"{info['nnz_share']:.{1 if info['nnz_share'] < 0.1 else 0}%}")
            st = b["stats"]
            spread = (f" ({st['min']:.2f}-{st['max']:.2f})" if st.get("rounds", 1) > 1 else "")
            lines.append(f"| {g[3:] if first else ''} | {_short(info['role'])} | "
                         f"{t:.2f} s{spread} | {t / ref['stats']['median']:.1f} | "
                         f"{0 if b is ref else f'{gap:.1e}'} | {nnz} |")
            first = False
    return lines


if __name__ == "__main__":
    if sys.argv[1] == "--markdown":
        print("\n".join(markdown(sys.argv[2:])))
    else:
        print("\n".join(table(sys.argv[1:])))
