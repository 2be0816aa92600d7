"""Problems and tolerances shared by the tests of the objective layer (tests/objective/)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss


def problem(rng, n=300, d=7, K=4, sparse=False, dtype=np.float64, weighted=True):
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) < 0.7] = 0.0
        X = sp.csr_matrix(X)
    X = X.astype(dtype)
    y = rng.integers(0, K, size=n)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, y, sw

def sklearn_loss(K, fit_intercept):
    return LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=K), fit_intercept=fit_intercept)

def f_order(coef_shape):
    """Permutation taking scikit-learn's F-ordered flat index to ours (C order)."""
    return np.arange(np.prod(coef_shape)).reshape(coef_shape).ravel(order="F")

def make_X(rng, n, d, sparse, dtype, index_dtype=np.int32, density=0.3):
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) >= density] = 0.0
        X = sp.csr_matrix(X).astype(dtype)
        X.indices = X.indices.astype(index_dtype)
        X.indptr = X.indptr.astype(index_dtype)
        return X
    return X.astype(dtype)

def tols(dtype):
    """(rtol, atol) against the float64 oracle on the same (rounded) inputs.

    float64: a few hundred ulps covers the different summation orders (BLAS
    blocks, groups).  float32: the scores and the residual are computed and
    rounded in float32 (sgemm, float32 softmax), so each term carries errors
    of a few float32 ulps times the size of the sum (d terms in a score, n
    terms in a gradient entry, with cancellation); 2000 eps32 ~ 2.4e-4 bounds
    that comfortably at these sizes, while a wrong formula is off by O(1).
    """
    eps = np.finfo(dtype).eps
    return (256 * eps, 256 * eps) if dtype == np.float64 else (2000 * eps, 2000 * eps)


GRID = pytest.mark.parametrize("sparse,index_dtype", [(False, None), (True, np.int32), (True, np.int64)],
                               ids=["dense", "csr32", "csr64"])
