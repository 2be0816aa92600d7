"""Hessian assembly and Hessian-vector products against scikit-learn.

One group per case: ours (by thread count) next to scikit-learn's
``LinearModelLoss(HalfMultinomialLoss)``, measured in the same run, so
bench/ratios.py reports the ratio of medians.

- ``hessian``: full Hessian at coef.  Ours: ``MultinomialLoss.hessian``
  (normalised, l2 added, like scikit-learn's).  scikit-learn:
  ``gradient_hessian`` (it also returns the gradient, a small part of its
  time).  scikit-learn takes ~5 s at n=100,000, d=100, K=10: few rounds.
- ``hessp``: one Hessian-vector product at a fixed coef.  Ours: the product
  callable of ``MultinomialLoss.hessp`` applied to one vector.
  scikit-learn: the callable returned by ``gradient_hessian_product``
  applied to one vector.  Setup (probabilities) is outside the timing for
  both.
"""

import numpy as np
import pytest
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

from softmax_ext import MultinomialLoss

CASES = [(100_000, 100, 10)]
DTYPES = [np.float64, np.float32]
THREADS = [1, 2]
L2 = 1e-3

_cache = {}


def data(shape, dtype):
    key = (shape, np.dtype(dtype).name)
    if key not in _cache:
        _cache.clear()  # keep one large problem alive at a time
        n, d, K = shape
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, d)).astype(dtype)
        y = rng.integers(0, K, size=n)
        coef = (0.1 * rng.standard_normal((K, d + 1))).astype(dtype)
        V = rng.standard_normal((K, d + 1)).astype(dtype)
        _cache[key] = (X, y, coef, V)
    return _cache[key]


def group(kind, shape, dtype):
    n, d, K = shape
    return f"{kind} n={n} d={d} K={K} {np.dtype(dtype).name}"


def sklearn_loss(K):
    return LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=True)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", CASES, ids=str)
def test_hessian_ours(benchmark, shape, dtype, threads):
    X, y, coef, _ = data(shape, dtype)
    obj = MultinomialLoss(X, y, l2=L2, n_classes=shape[2], n_threads=threads)
    benchmark.group = group("hessian", shape, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    benchmark.pedantic(lambda: obj.hessian(coef), rounds=3, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", CASES, ids=str)
def test_hessian_sklearn(benchmark, shape, dtype):
    X, y, coef, _ = data(shape, dtype)
    n = X.shape[0]
    sw = np.full(n, 1.0 / n, dtype=dtype)
    yf = y.astype(dtype)
    lml = sklearn_loss(shape[2])
    benchmark.group = group("hessian", shape, dtype)
    benchmark.extra_info.update(role="scikit-learn gradient_hessian")
    benchmark.pedantic(lambda: lml.gradient_hessian(coef, X, yf, sw, l2_reg_strength=L2),
                       rounds=2, iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", CASES, ids=str)
def test_hessp_ours(benchmark, shape, dtype, threads):
    X, y, coef, V = data(shape, dtype)
    obj = MultinomialLoss(X, y, l2=L2, n_classes=shape[2], n_threads=threads)
    product = obj.hessp(coef)
    benchmark.group = group("hessp", shape, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    benchmark.pedantic(lambda: product(V), rounds=7, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("shape", CASES, ids=str)
def test_hessp_sklearn(benchmark, shape, dtype):
    X, y, coef, V = data(shape, dtype)
    n = X.shape[0]
    sw = np.full(n, 1.0 / n, dtype=dtype)
    _, product = sklearn_loss(shape[2]).gradient_hessian_product(
        coef, X, y.astype(dtype), sw, l2_reg_strength=L2)
    benchmark.group = group("hessp", shape, dtype)
    benchmark.extra_info.update(role="scikit-learn hessp")
    benchmark.pedantic(lambda: product(V), rounds=7, iterations=1, warmup_rounds=1)
