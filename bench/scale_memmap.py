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
   ``--dask-rows``, ``--dask-dtype``) data, medians of 5, in one process;
   ``--dask-only`` runs this part alone (no file is written).
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


def cgroup_memory():
    """This process's cgroup-v1 memory folder, or None."""
    for line in open("/proc/self/cgroup"):
        _, ctrl, path = line.strip().split(":", 2)
        if ctrl == "memory":
            return "/sys/fs/cgroup/memory" + path
    return None


def cgroup_cache(folder):
    """Page cache charged to the cgroup (memory.stat 'cache'), bytes, or 0."""
    try:
        for line in open(os.path.join(folder, "memory.stat")):
            if line.startswith("cache "):
                return int(line.split()[1])
    except (OSError, TypeError):
        pass
    return 0


class Peak(threading.Thread):
    """Samples RssAnon, RssFile and the cgroup's page cache every ``every`` s (a time series)."""

    def __init__(self, every=0.05):
        super().__init__(daemon=True)
        self.anon = self.file = 0
        self.every, self.series, self.running = every, [], True
        self.cgroup, self.t0 = cgroup_memory(), time.perf_counter()

    def run(self):
        while self.running:
            anon, file = status("RssAnon"), status("RssFile")
            self.anon, self.file = max(self.anon, anon), max(self.file, file)
            self.series.append((time.perf_counter() - self.t0, anon, file,
                                cgroup_cache(self.cgroup)))
            time.sleep(self.every)

    def summary(self, points=12):
        """About ``points`` evenly spaced samples: seconds, RssAnon, RssFile, cgroup cache (MB)."""
        step = max(1, len(self.series) // points)
        return "\n".join(f"  t={t:7.1f} s  RssAnon {a / 1e6:6.0f} MB  RssFile {f / 1e6:6.0f} MB"
                         f"  cgroup page cache {c / 1e6:6.0f} MB"
                         for t, a, f, c in self.series[::step] + self.series[-1:])


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


def read_speed(path, limit):
    """Bytes per second reading the first ``limit`` bytes of ``path`` after dropping them."""
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    t, total = time.perf_counter(), 0
    while total < limit and (chunk := os.read(fd, 1 << 24)):
        total += len(chunk)
    os.close(fd)
    return total / (time.perf_counter() - t)


def dask_overhead(n, d, K, rng, dtype=np.float64):
    import dask.array as da
    from distributed import Client, LocalCluster

    from softmax_ext.dask import DaskBlocks
    from softmax_ext.objective import MultinomialLoss
    from softmax_ext.scale import BlockedLoss
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster):
        # the chunks are drawn on the workers and X is fetched once for the in-memory
        # objective: from_array of a client array would embed it in the graph (copies)
        gen = da.random.default_rng(int(rng.integers(2**31)))
        Xd = gen.standard_normal((n, d), chunks=(-(-n // 8), d), dtype=dtype).persist()
        yd = gen.integers(0, K, n, chunks=-(-n // 8)).persist()
        X, y = Xd.compute(), yd.compute()
        mem = MultinomialLoss(X, y, n_classes=K, n_threads=2)
        blk = BlockedLoss(DaskBlocks(Xd, yd, None, n_classes=K, fit_intercept=True,
                                     n_threads=1), n_classes=K)
        times, spread = {}, {}
        for name, obj in [("in-memory", mem), ("dask", blk)]:
            ts = []
            for i in range(5):
                coef = np.full(obj.coef_shape, 0.01 * (i + 1), dtype=dtype)
                t = time.perf_counter()
                obj.loss_gradient(coef)
                ts.append(time.perf_counter() - t)
            times[name], spread[name] = statistics.median(ts), ts
    print(f"dask: {n:,} x {d} {np.dtype(dtype).name}, K={K}: loss+gradient median of 5 "
          f"in-memory {times['in-memory']:.4f} s (min {min(spread['in-memory']):.4f}, max "
          f"{max(spread['in-memory']):.4f}), 2-worker LocalCluster {times['dask']:.4f} s (min "
          f"{min(spread['dask']):.4f}, max {max(spread['dask']):.4f}), ratio "
          f"{times['dask'] / times['in-memory']:.2f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gb", type=float, default=2.0)
    p.add_argument("--d", type=int, default=100)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--dir", default="/tmp")
    p.add_argument("--dask", action="store_true")
    p.add_argument("--dask-rows", type=int, default=1_000_000)
    p.add_argument("--dask-dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--dask-only", action="store_true", help="only the Dask overhead (no file)")
    p.add_argument("--read-gb", type=float, default=2.0, help="GB read to time the disk")
    p.add_argument("--max-iter", type=int, default=30)
    p.add_argument("--keep", action="store_true", help="keep the file (and its y) for --reuse")
    p.add_argument("--reuse", action="store_true", help="fit the file a --keep run left")
    p.add_argument("--write-only", action="store_true")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    if args.dask_only:
        print(f"load average: {open('/proc/loadavg').read().strip()}")
        dask_overhead(args.dask_rows, args.d, args.classes, rng, np.dtype(args.dask_dtype).type)
        print(f"load average: {open('/proc/loadavg').read().strip()}")
        return
    n = int(args.gb * 1e9) // (4 * args.d)
    path = os.path.join(args.dir, f"softmax_ext_scale_{n}x{args.d}.npy")
    if args.reuse:
        y = np.load(path + ".y.npy")
    else:
        t = time.perf_counter()
        y = write(path, n, args.d, args.classes, rng)
        np.save(path + ".y.npy", y)
        print(f"wrote {path} in {time.perf_counter() - t:.0f} s")
    if args.write_only:
        return
    group = cgroup_memory()
    limit = open(os.path.join(group, "memory.limit_in_bytes")).read().strip() if group else "?"
    print(f"load average: {open('/proc/loadavg').read().strip()}; memory cgroup {group}, "
          f"limit {int(limit) / 1e9 if limit.isdigit() else limit:.3g} GB")
    speed = read_speed(path, int(args.read_gb * 1e9))
    print(f"X: {n:,} x {args.d} float32, {n * args.d * 4 / 1e9:.2f} GB; sequential read "
          f"{speed / 1e9:.2f} GB/s ({n * args.d * 4 / speed:.2f} s per pass at that speed)")
    from softmax_ext import SoftmaxRegression
    X = np.load(path, mmap_mode="r")
    peak = Peak(every=0.05 if args.gb < 4 else 0.5)
    base = status("RssAnon")
    peak.start()
    t = time.perf_counter()
    model = SoftmaxRegression(solver="lbfgs", max_iter=args.max_iter, tol=1e-6).fit(X, y)
    seconds = time.perf_counter() - t
    peak.running = False
    passes = model.n_passes_over_X_
    print(f"memmap fit (lbfgs, {args.max_iter} iterations max): {seconds:.1f} s, "
          f"{model.n_iter_[0]} iterations, {passes} passes, {seconds / passes:.2f} s per pass; "
          f"RssAnon before {base / 1e6:.0f} MB, peak {peak.anon / 1e6:.0f} MB (y alone: "
          f"{y.nbytes / 1e6:.0f} MB); peak RssFile {peak.file / 1e6:.0f} MB")
    print("over time (from the fit's start):\n" + peak.summary())
    if not args.keep:
        os.remove(path)
        os.remove(path + ".y.npy")
    if args.dask:
        dask_overhead(args.dask_rows, args.d, args.classes, rng, np.dtype(args.dask_dtype).type)
    print(f"load average: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
