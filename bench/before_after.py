"""Fit and kernel times of two source trees of softmax-ext, interleaved in one run.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python bench/before_after.py OLD_TREE NEW_TREE [--rounds 5]

Each tree must be built in place (``python setup.py build_ext --inplace``).
Every measurement runs in a fresh child process with ``PYTHONPATH=TREE/src``,
and the rounds alternate old, new, old, new... so that the machine's load
falls on both alike.  Prints, per case, the median / min / max seconds of
each tree and the ratio of the medians (old / new: above 1 means the new
tree is faster), and the load average before and after.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

# One case: (name, code building X, y and a zero-argument `run`).  Only run()
# is timed.  Fits use the public estimator so that both trees take the same
# calls; data are seeded, identical for both trees.
_DATA = """
import numpy as np, scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.preprocessing import StandardScaler
def dense(n, d, K, dtype=np.float64):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=d // 2,
                               n_classes=K, random_state=0)
    return np.ascontiguousarray(X, dtype=dtype), y
def csr(n, d, K, density):
    rng = np.random.default_rng(0)
    X = sp.random(n, d, density=density, format="csr", random_state=rng)
    W = rng.standard_normal((K, d))
    return X, np.argmax(X @ W.T + 0.5 * rng.standard_normal((n, K)), axis=1)
"""

CASES = {
    "fit digits (auto)": """
X, y = load_digits(return_X_y=True); X = StandardScaler().fit_transform(X)
from softmax_ext import SoftmaxRegression
run = lambda: SoftmaxRegression(C=1.0, tol=1e-6).fit(X, y)
""",
    "fit dense 100000x100 K=10 (auto)": """
X, y = dense(100_000, 100, 10)
from softmax_ext import SoftmaxRegression
run = lambda: SoftmaxRegression(C=1.0, tol=1e-6).fit(X, y)
""",
    "fit dense 100000x100 K=10 (lbfgs)": """
X, y = dense(100_000, 100, 10)
from softmax_ext import SoftmaxRegression
run = lambda: SoftmaxRegression(C=1.0, tol=1e-6, solver="lbfgs").fit(X, y)
""",
    "fit dense 100000x100 K=10 float32 (auto)": """
X, y = dense(100_000, 100, 10, np.float32)
from softmax_ext import SoftmaxRegression
run = lambda: SoftmaxRegression(C=1.0, tol=1e-4).fit(X, y)
""",
    "fit csr 50000x20000 K=10 (auto)": """
X, y = csr(50_000, 20_000, 10, 0.002)
from softmax_ext import SoftmaxRegression
run = lambda: SoftmaxRegression(C=1.0, tol=1e-6).fit(X, y)
""",
    "loss+gradient dense 200000x100 K=10": """
X, y = dense(200_000, 100, 10)
from softmax_ext import MultinomialLoss
obj = MultinomialLoss(X, y, l2=1e-5); W = np.full(obj.coef_shape, 0.01)
obj.loss_gradient(W)
run = lambda: [obj.loss_gradient(W) for _ in range(10)]
""",
    "hessian-vector product dense 100000x100 K=10": """
X, y = dense(100_000, 100, 10)
from softmax_ext import MultinomialLoss
obj = MultinomialLoss(X, y, l2=1e-5); W = np.full(obj.coef_shape, 0.01)
hp = obj.hessp(W); v = np.ones(W.size); hp(v)
run = lambda: [hp(v) for _ in range(10)]
""",
}

_CHILD = """
import json, time, warnings
warnings.simplefilter("ignore")
{data}
{case}
run()  # warm-up: first-call costs (imports, thread pools) are not the fit's
t = time.perf_counter(); run(); print(json.dumps(time.perf_counter() - t))
"""


def _time(tree, case):
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.abspath(tree), "src"))
    out = subprocess.run([sys.executable, "-c", _CHILD.format(data=_DATA, case=CASES[case])],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average before: {_load()}")
    print(f"{'case':48s} {'old median (min-max) s':>26s} {'new median (min-max) s':>26s} "
          f"{'old/new':>8s}")
    for case in CASES:
        times = {"old": [], "new": []}
        for _ in range(args.rounds):
            for which in ("old", "new"):
                times[which].append(_time(getattr(args, which), case))
        cells = []
        for which in ("old", "new"):
            t = times[which]
            cells.append(f"{statistics.median(t):.4f} ({min(t):.4f}-{max(t):.4f})")
        ratio = statistics.median(times["old"]) / statistics.median(times["new"])
        print(f"{case:48s} {cells[0]:>26s} {cells[1]:>26s} {ratio:8.2f}", flush=True)
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
