"""The Newton methods with the curvature from a row subset against the exact curvature.

For each shape and tol: newton-cholesky (where m <= 300) and newton-cg, each
with ``subsample=True`` (the default: docs/derivation.md 5.7) and
``subsample=False``, and lbfgs for scale; min / median / max seconds of
``--rounds`` fits (alternating exact and sub-sampled, so that the machine's
load falls on both alike), iterations, and the objective's relative excess
over a tol=1e-10 exact fit.  Data: the speed matrix's
``softmax_ext.bench.cases.make_problem`` (d/2 informative, one cluster per
class, standardized), ``l2 = 1/n`` (C = 1), every kernel on the default
threads, BLAS at one thread as ``solve`` runs it.

Run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src \\
        python bench/bench_subsample.py [--rounds 5] [--cases tall,dense]
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

CASES = {
    "tall": (1_000_000, 20, 5, np.float64),
    "mid": (300_000, 20, 5, np.float64),
    "dense": (100_000, 100, 10, np.float64),
    "dense32": (100_000, 100, 10, np.float32),
    "small-d": (100_000, 10, 10, np.float64),
}


def _time(run, rounds):
    times, res = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        res = run()
        times.append(time.perf_counter() - t0)
    return times, res


def main(argv=None):
    from softmax_ext import MultinomialLoss
    from softmax_ext.bench.cases import make_problem
    from softmax_ext.solvers import solve
    from softmax_ext._threads import single_threaded_blas
    from softmax_ext.solvers.lbfgs import lbfgs
    from softmax_ext.solvers.newton_cg import newton_cg
    from softmax_ext.solvers.newton_cholesky import newton_cholesky

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| case | tol | solver | exact: s (min / median / max), iters | sub-sampled: s, iters "
          "| exact / sub-sampled | F gap (exact, sub) |")
    print("|---|---|---|---|---|---|---|")
    for name in args.cases.split(","):
        n, d, K, dtype = CASES[name]
        X, _, y, _ = make_problem(n, d, K, dtype=dtype, n_test=K)
        obj = MultinomialLoss(X, y, l2=1.0 / n)
        F0 = solve(obj, solver="newton-cg", tol=1e-10, max_iter=300).loss
        label = f"{n}x{d} K={K} {np.dtype(dtype).name}"
        solvers = [("newton-cg", newton_cg)]
        if K * (d + 1) <= 300:
            solvers.insert(0, ("newton-cholesky", newton_cholesky))
        for tol in (1e-4, 1e-6):
            for sname, fn in solvers:
                runs = {True: [], False: []}
                last = {}
                with single_threaded_blas():
                    for _ in range(args.rounds):
                        for sub in (False, True):
                            t, res = _time(lambda: fn(obj, tol=tol, max_iter=300,
                                                      subsample=sub), 1)
                            runs[sub] += t
                            last[sub] = res
                cells = []
                for sub in (False, True):
                    ts = runs[sub]
                    cells.append(f"{min(ts):.3f} / {statistics.median(ts):.3f} / {max(ts):.3f}, "
                                 f"{last[sub].n_iter}")
                ratio = statistics.median(runs[False]) / statistics.median(runs[True])
                gaps = ", ".join(f"{(last[s].loss - F0) / abs(F0):.0e}" for s in (False, True))
                print(f"| {label} | {tol:g} | {sname} | {cells[0]} | {cells[1]} | "
                      f"{ratio:.2f}x | {gaps} |", flush=True)
            with single_threaded_blas():
                ts, res = _time(lambda: lbfgs(obj, tol=tol, max_iter=300), args.rounds)
            print(f"| {label} | {tol:g} | lbfgs | {min(ts):.3f} / {statistics.median(ts):.3f} / "
                  f"{max(ts):.3f}, {res.n_iter} | - | - | {(res.loss - F0) / abs(F0):.0e} |",
                  flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
