"""Row-wise kernels against scipy.special and the NumPy oracles.

Each benchmark group holds one case (kernel, shape, dtype, threads) with its
baselines, so that bench/ratios.py can report speed as a ratio measured in the
same run.
"""

import numpy as np
import pytest
import scipy.special

import softmax_ext as se
from softmax_ext import reference as ref

SHAPES = [(1_000_000, 10), (100_000, 1_000)]
DTYPES = [np.float32, np.float64]
THREADS = [1, 2]

_cache = {}


def scores(shape, dtype):
    key = (shape, np.dtype(dtype).name)
    if key not in _cache:
        rng = np.random.default_rng(0)
        _cache.clear()  # keep one large array alive at a time
        _cache[key] = (rng.standard_normal(shape) * 4).astype(dtype)
    return _cache[key]


def group(kernel, shape, dtype, threads=None):
    name = f"{kernel} n={shape[0]} K={shape[1]} {np.dtype(dtype).name}"
    return name if threads is None else f"{name} threads={threads}"


def _run(benchmark, fn, rounds=5):
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kernel", ["softmax", "log_softmax", "logsumexp"])
def test_ours(benchmark, kernel, shape, dtype, threads):
    Z = scores(shape, dtype)
    fn = getattr(se, kernel)
    benchmark.group = group(kernel, shape, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    _run(benchmark, lambda: fn(Z, n_threads=threads))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kernel", ["softmax", "log_softmax", "logsumexp"])
def test_scipy(benchmark, kernel, shape, dtype):
    Z = scores(shape, dtype)
    fn = getattr(scipy.special, kernel)
    benchmark.group = group(kernel, shape, dtype)
    benchmark.extra_info.update(role="scipy.special")
    _run(benchmark, lambda: fn(Z, axis=-1), rounds=3)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kernel", ["softmax", "log_softmax", "logsumexp"])
def test_oracle(benchmark, kernel, shape, dtype):
    Z = scores(shape, dtype)
    fn = getattr(ref, kernel)
    benchmark.group = group(kernel, shape, dtype)
    benchmark.extra_info.update(role="numpy oracle")
    _run(benchmark, lambda: fn(Z), rounds=3)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cross_entropy_ours(benchmark, shape, dtype, threads):
    Z = scores(shape, dtype)
    y = np.random.default_rng(1).integers(0, shape[1], size=shape[0])
    out = np.empty_like(Z)
    benchmark.group = group("cross_entropy", shape, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    _run(benchmark, lambda: se.cross_entropy(Z, y, out=out, n_threads=threads))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cross_entropy_oracle(benchmark, shape, dtype):
    Z = scores(shape, dtype)
    y = np.random.default_rng(1).integers(0, shape[1], size=shape[0])
    benchmark.group = group("cross_entropy", shape, dtype)
    benchmark.extra_info.update(role="numpy oracle")
    _run(benchmark, lambda: ref.cross_entropy(Z, y), rounds=3)
