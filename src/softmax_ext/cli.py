"""The ``softmax-ext`` command line."""

import argparse
import sys
import time

import numpy as np

from . import special
from ._threads import effective_n_threads
from . import reference


def _median_seconds(fn, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def demo(args):
    """Run the kernels on a generated problem and compare with NumPy and scipy."""
    import scipy.special

    rng = np.random.default_rng(0)
    n, K = args.n, args.classes
    threads = effective_n_threads(args.threads)
    Z = rng.standard_normal((n, K)) * 4
    y = rng.integers(0, K, size=n)
    print(f"softmax-ext demo: scores Z of shape ({n}, {K}), {threads} thread(s)")
    rows = []
    for dtype in (np.float64, np.float32):
        Zd = Z.astype(dtype)
        cases = [
            ("softmax", lambda: special.softmax(Zd, n_threads=threads),
             lambda: scipy.special.softmax(Zd, axis=-1), "scipy.special.softmax"),
            ("logsumexp", lambda: special.logsumexp(Zd, n_threads=threads),
             lambda: scipy.special.logsumexp(Zd, axis=-1), "scipy.special.logsumexp"),
            ("cross_entropy", lambda: special.cross_entropy(Zd, y, n_threads=threads),
             lambda: reference.cross_entropy(Zd, y), "NumPy oracle"),
        ]
        for name, ours, base, base_name in cases:
            t_ours = _median_seconds(ours)
            t_base = _median_seconds(base)
            rows.append((name, np.dtype(dtype).name, t_ours, base_name, t_base))
    loss, _ = special.cross_entropy(Z, y, n_threads=threads)
    loss_ref, _ = reference.cross_entropy(Z, y)
    print(f"mean cross-entropy {loss / n:.6f} (oracle {loss_ref / n:.6f})")
    header = f"{'kernel':<14} {'dtype':<8} {'ours [ms]':>10} {'baseline':<24} {'base [ms]':>10} {'speedup':>8}"
    print(header)
    print("-" * len(header))
    for name, dt, t_ours, base_name, t_base in rows:
        print(f"{name:<14} {dt:<8} {t_ours * 1e3:>10.2f} {base_name:<24} {t_base * 1e3:>10.2f} {t_base / t_ours:>7.1f}x")
    print("(medians of 5 runs each, measured in this process)")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="softmax-ext", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="show the kernels on a generated problem")
    p.add_argument("--n", type=int, default=200_000, help="rows of Z")
    p.add_argument("--classes", type=int, default=10, help="columns of Z")
    p.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    p.set_defaults(func=demo)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"softmax-ext: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
