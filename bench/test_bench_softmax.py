"""Row-wise kernels against scipy.special and the NumPy oracles.

Each benchmark group holds one case (kernel, shape, dtype) with all its
contenders: ours with 1 and 2 threads, ``scipy.special`` (none for the
cross-entropy, which scipy does not have) and the NumPy oracle of
``softmax_ext.reference``.  bench/ratios.py reports speed as ratios of medians
measured in the same run, and checks the issue's targets.

The cases run grouped by (shape, dtype), contenders of a group next to each
other, so that one score matrix is generated per shape and dtype and the
ratios of a group come from the same stretch of time on a shared machine.
Every contender returns a fresh result, as a user gets it (ours too:
``softmax`` allocates its output; the cross-entropy returns its fresh
residual, like the oracle).
"""

import numpy as np
import pytest
import scipy.special

import softmax_ext as se
from softmax_ext import reference as ref
from softmax_ext.bench.cases import kernel_scores

SHAPES = [(1_000_000, 10), (100_000, 1_000)]
DTYPES = [np.float32, np.float64]
THREADS = [1, 2]
KERNELS = ["softmax", "log_softmax", "logsumexp", "cross_entropy"]
ROUNDS = 5

_cache = {}


def data(shape, dtype):
    """Scores N(0, 16) and labels, one (shape, dtype) alive at a time."""
    key = (shape, np.dtype(dtype).name)
    if key not in _cache:
        _cache.clear()
        _cache[key] = kernel_scores(*shape, dtype)
    return _cache[key]


def group_name(kernel, shape, dtype):
    return f"{kernel} n={shape[0]} K={shape[1]} {np.dtype(dtype).name}"


def contender(kernel, role, threads):
    """The function to time: takes (Z, y), returns the result."""
    if role == "ours":
        if kernel == "cross_entropy":
            return lambda Z, y: se.cross_entropy(Z, y, n_threads=threads)
        fn = getattr(se, kernel)
        return lambda Z, y: fn(Z, n_threads=threads)
    if role == "scipy.special":
        fn = getattr(scipy.special, kernel)
        return lambda Z, y: fn(Z, axis=-1)
    if kernel == "cross_entropy":
        return lambda Z, y: ref.cross_entropy(Z, y)
    fn = getattr(ref, kernel)
    return lambda Z, y: fn(Z)


def cases():
    for shape in SHAPES:
        for dtype in DTYPES:
            for kernel in KERNELS:
                roles = [("ours", t) for t in THREADS] + [("numpy oracle", None)]
                if kernel != "cross_entropy":
                    roles.insert(len(THREADS), ("scipy.special", None))
                for role, threads in roles:
                    tag = role.split()[0].split(".")[0] + (f"-t{threads}" if threads else "")
                    yield pytest.param(
                        kernel, shape, dtype, role, threads,
                        id=f"{kernel}-{shape[0]}x{shape[1]}-{np.dtype(dtype).name}-{tag}",
                    )


@pytest.mark.parametrize("kernel, shape, dtype, role, threads", list(cases()))
def test_rowwise(benchmark, kernel, shape, dtype, role, threads):
    Z, y = data(shape, dtype)
    fn = contender(kernel, role, threads)
    benchmark.group = group_name(kernel, shape, dtype)
    benchmark.extra_info.update(role=role, kernel=kernel, n=shape[0], K=shape[1],
                                dtype=np.dtype(dtype).name)
    if threads is not None:
        benchmark.extra_info["threads"] = threads
    result = benchmark.pedantic(fn, args=(Z, y), rounds=ROUNDS, iterations=1,
                                warmup_rounds=1)
    # Every contender computed something of the right shape: a benchmark of
    # a call that failed quietly would be meaningless.
    first = result[1] if kernel == "cross_entropy" else result
    assert first.shape == (Z.shape if kernel != "logsumexp" else Z.shape[:1])
