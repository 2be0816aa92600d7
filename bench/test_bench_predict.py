"""Prediction: SoftmaxRegression against LogisticRegression with the same coefficients.

Both estimators hold the same ``coef_`` and ``intercept_`` (ours fitted on a
row subset, copied into a LogisticRegression), so each call computes the same
scores.  Per case (dense float64 and float32 1,000,000 x 100, CSR 200,000 x
20,000 at density 0.002; K = 10) the contenders are ours and scikit-learn's
``decision_function`` and ``predict_proba``, and the product ``X @ W^T``
alone (numpy/scipy: BLAS at its default threads for dense X, which is
scikit-learn's own best setting for a single product).  Ours runs with
``n_threads=None`` (every core, as users get it).

Two ways to run it:

- under pytest-benchmark (``make bench``): one group per case, the product
  alone the baseline;
- as a script, a table of min / median / max per contender and the ratio of
  each median to ours' ``predict_proba`` in the same run, with the load::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python bench/test_bench_predict.py --rounds 7
"""

import argparse
import os
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from softmax_ext import SoftmaxRegression

K = 10
CASES = ("dense 1000000x100 float64", "dense 1000000x100 float32", "csr 200000x20000")
_cache = {}


def _data(case):
    rng = np.random.default_rng(0)
    if case.startswith("csr"):
        X = sp.random(200_000, 20_000, density=0.002, format="csr", random_state=rng,
                      data_rvs=lambda k: rng.standard_normal(k))
    else:
        dtype = np.float32 if case.endswith("float32") else np.float64
        X = rng.standard_normal((1_000_000, 100)).astype(dtype)
    y = rng.integers(0, K, X.shape[0])
    return X, y


def models(case):
    """``(X, ours, theirs)``: one case alive at a time."""
    if case not in _cache:
        _cache.clear()
        X, y = _data(case)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = SoftmaxRegression(max_iter=5).fit(X[:20_000], y[:20_000])
        theirs = LogisticRegression()
        theirs.classes_, theirs.n_features_in_ = ours.classes_, ours.n_features_in_
        theirs.coef_, theirs.intercept_ = ours.coef_.copy(), ours.intercept_.copy()
        theirs.n_iter_ = ours.n_iter_
        _cache[case] = (X, ours, theirs)
    return _cache[case]


def contenders(case):
    X, ours, theirs = models(case)
    W = ours.coef_
    return {
        "X @ W^T alone": lambda: X @ W.T,
        "ours decision_function": lambda: ours.decision_function(X),
        "ours predict_proba": lambda: ours.predict_proba(X),
        "sklearn decision_function": lambda: theirs.decision_function(X),
        "sklearn predict_proba": lambda: theirs.predict_proba(X),
    }


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("who", ["X @ W^T alone", "ours decision_function",
                                 "ours predict_proba", "sklearn decision_function",
                                 "sklearn predict_proba"])
def test_predict(benchmark, case, who):
    benchmark.group = f"predict {case} K={K}"
    fn = contenders(case)[who]
    out = benchmark.pedantic(fn, rounds=5, warmup_rounds=1)
    assert np.all(np.isfinite(out))


def table(cases, rounds):
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'case':28s} {'contender':28s} {'min s':>8s} {'median':>8s} {'max':>8s} "
          f"{'/ ours proba':>12s}")
    for case in cases:
        runs = {}
        fns = contenders(case)
        for _ in range(rounds):  # interleaved: each round times every contender
            for name, fn in fns.items():
                t = time.perf_counter()
                fn()
                runs.setdefault(name, []).append(time.perf_counter() - t)
        ref = float(np.median(runs["ours predict_proba"]))
        for name, r in runs.items():
            med = float(np.median(r))
            print(f"{case:28s} {name:28s} {min(r):8.3f} {med:8.3f} {max(r):8.3f} "
                  f"{med / ref:11.2f}x")
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    table(args.cases, args.rounds)


if __name__ == "__main__":
    main()
