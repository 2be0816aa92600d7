"""Binary fits: our solvers and ``auto`` against scikit-learn's lbfgs, ratios in one run.

For each case: every solver of ours on the same BinaryLoss problem
(``SoftmaxRegression``'s objective for two classes), ``solver="auto"``, and
scikit-learn's ``LogisticRegression(solver="lbfgs")`` with scipy's BLAS at
one thread (its best configuration here), all at C=1 and the case's tol.
Prints, per case: the median of ROUNDS fits (and min, max), the final
objective of each fit (the same float64 BinaryLoss evaluates all), the
ratio of scikit-learn's median to each of ours, and whether ``auto`` is
within 10% of our best solver.  The machine's load average is printed
before and after: on a shared machine only ratios within one run mean
anything.

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src python bench/bench_binary.py
"""

import os
import statistics
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from softmax_ext.bench.timing import sklearn_blas_limit
from softmax_ext.objective import BinaryLoss, MultinomialLoss
from softmax_ext.solvers import solve
from softmax_ext.solvers._choice import choose

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky"]


def dense(n, d, dtype=np.float64):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=d // 3,
                               random_state=0)
    return np.ascontiguousarray(X, dtype=dtype), y


def csr(n, d, density):
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=density, format="csr", random_state=0)
    y = (X @ rng.normal(size=d) + 0.1 * rng.normal(size=n) > 0).astype(int)
    return X, y


def matrix_problem(n, d):
    """The benchmark matrix's binary data (softmax_ext.bench.cases.make_problem:
    d / 2 informative features, standardized), training rows only."""
    from softmax_ext.bench.cases import make_problem

    X, _, y, _ = make_problem(n, d, 2)
    return X, y


CASES = [
    ("matrix 100k x 100 f64 tol 1e-6", lambda: matrix_problem(100_000, 100), 1e-6),
    ("100k x 100 f64 tol 1e-6", lambda: dense(100_000, 100), 1e-6),
    ("100k x 100 f64 tol 1e-4", lambda: dense(100_000, 100), 1e-4),
    ("100k x 100 f32 tol 1e-4", lambda: dense(100_000, 100, np.float32), 1e-4),
    ("100k x 20 f64 tol 1e-6", lambda: dense(100_000, 20), 1e-6),
    ("200k x 10 f64 tol 1e-6", lambda: dense(200_000, 10), 1e-6),
    ("CSR 100k x 2000 1% tol 1e-6", lambda: csr(100_000, 2000, 0.01), 1e-6),
]


def _objective(X, y):
    return BinaryLoss(MultinomialLoss(X, y, l2=1.0 / X.shape[0], n_classes=2))


def _timed(fit):
    times, out = [], None
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        out = fit()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times), out


def run_case(name, make, tol):
    X, y = make()
    score = _objective(X.astype(np.float64), y)   # evaluates every fit's coefficients
    rows = {}
    for solver in SOLVERS + ["auto"]:
        med, lo, hi, res = _timed(lambda: solve(_objective(X, y), solver=solver, tol=tol,
                                                max_iter=1000))
        rows[solver] = (med, lo, hi, score.loss(res.coef), res.solver)

    def sk_fit():
        with sklearn_blas_limit(), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return LogisticRegression(C=1.0, tol=tol, max_iter=1000).fit(X, y)
    med, lo, hi, est = _timed(sk_fit)
    coef = np.r_[est.coef_.ravel(), est.intercept_].reshape(1, -1)
    rows["sklearn lbfgs"] = (med, lo, hi, score.loss(coef), "lbfgs")
    base = rows["sklearn lbfgs"][0]
    print(f"\n{name}  (n={X.shape[0]:,}, d={X.shape[1]:,}, {X.dtype}, tol={tol:g}, "
          f"auto -> {choose(_objective(X, y), tol)})")
    print(f"  {'fit':<16} {'median s':>9} {'min':>8} {'max':>8} {'objective':>20} "
          f"{'sklearn/this':>12}")
    for key, (m, a, b, f, _) in rows.items():
        print(f"  {key:<16} {m:9.3f} {a:8.3f} {b:8.3f} {f:20.14f} {base / m:11.2f}x")
    best = min(rows[s][0] for s in SOLVERS)
    fastest = min(SOLVERS, key=lambda s: rows[s][0])
    ratio = rows["auto"][0] / best
    print(f"  auto / best of ours = {ratio:.2f} ({'within' if ratio <= 1.10 else 'OUTSIDE'} 10%);"
          f" auto ran {rows['auto'][4]}, the fastest by median was {fastest}")
    return ratio


def main(argv):
    print("load average before:", open("/proc/loadavg").read().strip())
    ratios = [run_case(*case) for case in CASES]
    print("\nload average after:", open("/proc/loadavg").read().strip())
    print("auto within 10% of our best in", sum(r <= 1.10 for r in ratios), "of",
          len(ratios), "cases")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
