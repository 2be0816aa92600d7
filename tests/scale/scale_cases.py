"""Problems and tolerances shared by the tests of the blocked objectives (tests/scale/)."""

import numpy as np

from softmax_ext.objective import FixedClassLoss, MultinomialLoss
from softmax_ext.scale import BlockedLoss, LocalBlocks

# the smooth solvers (prox-newton needs X's columns: in-memory objective only)
SMOOTH_SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky", "gd"]


def problem(rng, n=400, d=6, K=4, dtype=np.float64, weighted=True):
    """A problem with signal, so the optimum is well inside the data's scale."""
    X = rng.normal(size=(n, d)).astype(dtype)
    W = rng.normal(size=(K, d))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, K)), axis=1)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, y, sw


def objectives(X, y, sw, K, *, l2, block_bytes, fit_intercept=True):
    """The in-memory objective and the blocked one over the same data (binary: class 0 fixed)."""
    mem = MultinomialLoss(X, y, sample_weight=sw, l2=l2, n_classes=K, fit_intercept=fit_intercept)
    blocks = LocalBlocks(X, y, sw, n_classes=K, fit_intercept=fit_intercept,
                         block_bytes=block_bytes)
    blk = BlockedLoss(blocks, n_classes=K, l2=l2, fit_intercept=fit_intercept)
    if K == 2:
        return FixedClassLoss(mem), FixedClassLoss(blk)
    return mem, blk


def fit_rtol(dtype):
    """Relative agreement of two fits converged to a tight tol.

    float64: 1e-8, the issue's bound (both runs stop at max|grad| <= 1e-11,
    so the coefficients agree to ~cond(H) * 1e-11).  float32: the scores are
    rounded to float32 ulps (~1.2e-7) and the gradient can be resolved only
    to ~1e-6 relative, so the optimum is only that well defined: 1e-3.
    """
    return 1e-8 if dtype == np.float64 else 1e-3
