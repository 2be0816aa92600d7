"""Fused loss+gradient (MultinomialLoss.loss_gradient) against scikit-learn.

Each benchmark group holds one case with its baselines, measured in the same
run, so that bench/ratios.py reports ratios:

- scikit-learn's ``LinearModelLoss(HalfMultinomialLoss).loss_gradient`` with
  the same thread count (its OpenMP ``n_threads`` and its BLAS limited by
  threadpoolctl);
- a plain ``X.sum()``: one read of X, so "X.sum() / ours" is the fraction of
  a loss+gradient that reading X alone would take.  ``extra_info['X_GBps']``
  holds the effective bandwidth ``X.nbytes / median`` of every entry;
- for float32, our float64 run of the same case;
- ``check_design_matrix(X)``, the validation an objective or a predict call
  makes once when it binds X (for CSR: the structure, every index, sorted
  rows, finite values): the issue's bound is 5% of one loss+gradient, and
  bench/ratios.py prints "validation / ours" and that target.

Run: cd bench && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=../src \
     python -m pytest -q test_bench_objective.py --benchmark-only \
     --benchmark-json=/tmp/lossgrad/run.json && python ratios.py /tmp/lossgrad
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss
from threadpoolctl import threadpool_limits

from softmax_ext import MultinomialLoss
from softmax_ext._design_matrix import check_design_matrix

THREADS = [1, 2]
DENSE = (200_000, 100, 10)
CSR = (50_000, 20_000, 10, 0.002)

_cache = {}


def data(kind, dtype):
    key = (kind, np.dtype(dtype).name)
    if key not in _cache:
        _cache.clear()  # keep one large data set alive at a time
        rng = np.random.default_rng(0)
        if kind == "dense":
            n, d, K = DENSE
            X = rng.standard_normal((n, d)).astype(dtype)
        else:
            n, d, K, density = CSR
            X = sp.random(n, d, density=density, format="csr", dtype=np.float64,
                          random_state=rng, data_rvs=rng.standard_normal).astype(dtype)
        y = rng.integers(0, K, size=n)
        coef = (rng.standard_normal((K, d + 1)) * 0.1).astype(dtype)
        _cache[key] = (X, y, coef)
    return _cache[key]


def nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def group(kind, dtype):
    shape = "n={} d={} K={}".format(*DENSE) if kind == "dense" else \
        "n={} d={} K={} density={}".format(*CSR)
    return f"loss_gradient {kind} {shape} {np.dtype(dtype).name}"


def _run(benchmark, fn, X, rounds, threads=None):
    """Time fn; with ``threads``, BLAS limited to that many threads throughout.

    The limit is the same for ours and scikit-learn, and is set once around
    all rounds (building a threadpoolctl limiter scans the loaded libraries:
    milliseconds per call).  It matters for ours too: MultinomialLoss.penalty
    calls BLAS (np.vdot), and unlimited OpenBLAS workers then keep spinning
    on the cores during the next kernel call (CSR measured 2x slower).
    """
    if threads is None:
        benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    else:
        with threadpool_limits(limits=threads, user_api="blas"):
            benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    benchmark.extra_info["X_GBps"] = round(nbytes(X) / benchmark.stats.stats.median / 1e9, 2)


CASES = [("dense", np.float64), ("dense", np.float32), ("csr", np.float64)]
IDS = ["dense-float64", "dense-float32", "csr-float64"]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_ours(benchmark, kind, dtype, threads):
    X, y, coef = data(kind, dtype)
    obj = MultinomialLoss(X, y, l2=1e-3, n_threads=threads)
    benchmark.group = group(kind, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    _run(benchmark, lambda: obj.loss_gradient(coef), X, rounds=9, threads=threads)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_sklearn(benchmark, kind, dtype, threads):
    X, y, coef = data(kind, dtype)
    K = coef.shape[0]
    lml = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=True)
    yf = y.astype(dtype)
    benchmark.group = group(kind, dtype)
    benchmark.extra_info.update(role=f"scikit-learn t={threads}", threads=threads)

    def fn():
        return lml.loss_gradient(coef, X, yf, None, l2_reg_strength=1e-3, n_threads=threads)

    _run(benchmark, fn, X, rounds=5, threads=threads)


@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_read_X(benchmark, kind, dtype):
    X, _, _ = data(kind, dtype)
    benchmark.group = group(kind, dtype)
    benchmark.extra_info.update(role="X.sum()")
    _run(benchmark, X.sum, X, rounds=9)


@pytest.mark.parametrize("threads", THREADS)
def test_float32_vs_float64(benchmark, threads):
    """Our float64 time in the float32 group: the ratio float64 / float32."""
    X, y, coef = data("dense", np.float64)
    obj = MultinomialLoss(X, y, l2=1e-3, n_threads=threads)
    benchmark.group = group("dense", np.float32)
    benchmark.extra_info.update(role=f"float64 ours t={threads}", threads=threads)
    _run(benchmark, lambda: obj.loss_gradient(coef), X, rounds=9, threads=threads)


@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_validation(benchmark, kind, dtype):
    X, _, _ = data(kind, dtype)
    assert check_design_matrix(X) is X  # valid input: checked, never copied
    benchmark.group = group(kind, dtype)
    benchmark.extra_info.update(role="validation")
    _run(benchmark, lambda: check_design_matrix(X), X, rounds=31)
