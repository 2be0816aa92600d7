"""Out-of-core and Dask benchmark (not run by `make bench`: it writes GBs and takes minutes).

Run from the repository root:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src python bench/scale_memmap.py \
        --gb 2 --d 100 --classes 10 [--dask]

1. writes a float32 X of ``--gb`` GB to ``--dir`` (default /tmp), memory-mapped;
2. the disk's sequential read speed: ``dd``-like read of the file after dropping
   it from the page cache (posix_fadvise DONTNEED; the page cache may still serve
   part of it on a machine with free memory: reported as is);
3. SoftmaxRegression(...).fit(memmap): seconds, passes over X, seconds per pass,
   and RssAnon / RssFile (from /proc/self/status, sampled every 50 ms: the peak);
4. with --dask: seconds per loss/gradient evaluation of the blocked objective on
   a 2-worker LocalCluster against the in-memory objective on the same (smaller,
   ``--dask-rows``) data, medians of 5, in one process.
"""

import argparse
import os
import statistics
import threading
import time

import numpy as np


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0


class Peak(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.anon = self.file = 0
        self.running = True

    def run(self):
        while self.running:
            self.anon = max(self.anon, status("RssAnon"))
            self.file = max(self.file, status("RssFile"))
            time.sleep(0.05)


def write(path, n, d, K, rng):
    X = np.lib.format.open_memmap(path, "w+", np.float32, (n, d))
    W = rng.standard_normal((K, d)).astype(np.float32) / np.sqrt(d)
    y = np.empty(n, dtype=np.int64)
    step = 1 << 18
    for i in range(0, n, step):
        block = rng.standard_normal((min(step, n - i), d), dtype=np.float32)
        X[i:i + len(block)] = block
        y[i:i + len(block)] = np.argmax(block @ W.T + rng.gumbel(size=(len(block), K)), axis=1)
    X.flush()
    del X
    return y


def read_speed(path):
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    t, total = time.perf_counter(), 0
    while chunk := os.read(fd, 1 << 24):
        total += len(chunk)
    os.close(fd)
    return total / (time.perf_counter() - t)


def dask_overhead(n, d, K, rng):
    import dask.array as da
    from distributed import Client, LocalCluster

    from softmax_ext.dask import DaskBlocks
    from softmax_ext.objective import MultinomialLoss
    from softmax_ext.scale import BlockedLoss
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    mem = MultinomialLoss(X, y, n_classes=K, n_threads=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        blk = BlockedLoss(DaskBlocks(da.from_array(X, chunks=(n // 8, d)),
                                     da.from_array(y, chunks=n // 8), None, n_classes=K,
                                     fit_intercept=True, n_threads=1), n_classes=K)
        times = {}
        for name, obj in [("in-memory", mem), ("dask", blk)]:
            ts = []
            for i in range(5):
                coef = np.full(obj.coef_shape, 0.01 * (i + 1))
                t = time.perf_counter()
                obj.loss_gradient(coef)
                ts.append(time.perf_counter() - t)
            times[name] = statistics.median(ts)
    print(f"dask: {n:,} x {d}, K={K}: loss+gradient median in-memory {times['in-memory']:.4f} s, "
          f"2-worker LocalCluster {times['dask']:.4f} s, ratio "
          f"{times['dask'] / times['in-memory']:.2f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gb", type=float, default=2.0)
    p.add_argument("--d", type=int, default=100)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--dir", default="/tmp")
    p.add_argument("--dask", action="store_true")
    p.add_argument("--dask-rows", type=int, default=1_000_000)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    n = int(args.gb * 1e9) // (4 * args.d)
    path = os.path.join(args.dir, f"softmax_ext_scale_{n}x{args.d}.npy")
    y = write(path, n, args.d, args.classes, rng)
    print(f"load average: {open('/proc/loadavg').read().strip()}")
    speed = read_speed(path)
    print(f"X: {n:,} x {args.d} float32, {n * args.d * 4 / 1e9:.2f} GB; sequential read "
          f"{speed / 1e9:.2f} GB/s ({n * args.d * 4 / speed:.2f} s per pass at that speed)")
    from softmax_ext import SoftmaxRegression
    X = np.load(path, mmap_mode="r")
    peak = Peak()
    base = status("RssAnon")
    peak.start()
    t = time.perf_counter()
    model = SoftmaxRegression(solver="lbfgs", max_iter=30, tol=1e-6).fit(X, y)
    seconds = time.perf_counter() - t
    peak.running = False
    passes = model.n_passes_over_X_
    print(f"memmap fit (lbfgs, 30 iterations max): {seconds:.1f} s, {model.n_iter_[0]} "
          f"iterations, {passes} passes, {seconds / passes:.2f} s per pass; RssAnon before "
          f"{base / 1e6:.0f} MB, peak {peak.anon / 1e6:.0f} MB (y alone: {y.nbytes / 1e6:.0f} MB);"
          f" peak RssFile {peak.file / 1e6:.0f} MB")
    os.remove(path)
    if args.dask:
        dask_overhead(args.dask_rows, args.d, args.classes, rng)
    print(f"load average: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
