"""Two OpenMP runtimes in one process: what alternating calls cost.

softmax-ext links one libgomp, scikit-learn's wheel vendors its own copy, so a
process that imports both has two OpenMP thread pools.  libgomp's idle
workers spin (GOMP_SPINCOUNT, OMP_WAIT_POLICY) before they sleep, so right
after a parallel region of one runtime its workers can still occupy the cores
that the other runtime's next region wants.

This script times, in child processes started with different environments:

* ``ours``: softmax_ext.cross_entropy (one OpenMP region per call), alone;
* ``sklearn``: scikit-learn's HalfMultinomialLoss.loss_gradient (its OpenMP
  prange), alone;
* ``mixed``: the two called alternately, one after the other, as a fit that
  interleaves our kernels with scikit-learn calls does.

Each figure is the median seconds per call pair; the ratio that counts is
mixed / (ours + sklearn), measured in the same child.  Run with
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/openmp_runtimes.py``.
"""

import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, time
import numpy as np
import softmax_ext
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_info

n, K, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
Z = rng.standard_normal((n, K))
y = rng.integers(0, K, n)
yf = y.astype(np.float64)
loss = HalfMultinomialLoss(n_classes=K)
g = np.empty_like(Z)

def ours():
    softmax_ext.cross_entropy(Z, y, out=g)

def theirs():
    loss.loss_gradient(y_true=yf, raw_prediction=Z, gradient_out=g, n_threads=_openmp_effective_n_threads())

def median_seconds(*calls):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for call in calls:
            call()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(min(times)), float(max(times))

ours(); theirs()  # start both pools
out = {
    "openmp": sorted(i["filepath"] for i in threadpool_info() if i["user_api"] == "openmp"),
    "ours": median_seconds(ours),
    "sklearn": median_seconds(theirs),
    "mixed": median_seconds(ours, theirs),
}
print(json.dumps(out))
"""

CONFIGS = {
    "default": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "GOMP_SPINCOUNT=10000": {"GOMP_SPINCOUNT": "10000"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
}


def run(n=100_000, K=10, reps=200):
    """Print one line per environment: medians and the mixed / (alone sum) ratio."""
    with open("/proc/loadavg") as f:
        print(f"load average before: {f.read().split()[:3]}")
    for name, extra in CONFIGS.items():
        env = dict(os.environ, **extra)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(n), str(K), str(reps)],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{name}: the child failed:\n{proc.stderr}")
        res = json.loads(proc.stdout)
        ours, theirs, mixed = res["ours"][0], res["sklearn"][0], res["mixed"][0]
        print(f"{name:26s} ours {ours * 1e3:7.2f} ms  sklearn {theirs * 1e3:7.2f} ms  "
              f"mixed pair {mixed * 1e3:7.2f} ms (min {res['mixed'][1] * 1e3:.2f}, "
              f"max {res['mixed'][2] * 1e3:.2f})  mixed/(ours+sklearn) "
              f"{mixed / (ours + theirs):.2f}  runtimes {len(res['openmp'])}")
    with open("/proc/loadavg") as f:
        print(f"load average after: {f.read().split()[:3]}")


if __name__ == "__main__":
    run()
