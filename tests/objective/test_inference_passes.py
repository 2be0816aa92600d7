"""The passes over X that inference asks the objective for: the HC0 meat and the design rank.

Each is compared with a direct NumPy computation on the full ``[X, 1]``
(float64 throughout, so 1e-10 relative: only the order of the block sums
differs), dense and CSR, with and without sample weights, and each counts
one pass over X.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import softmax

from softmax_ext import MultinomialLoss


def _problem(rng, sparse, weighted, n=700, d=6, K=4):
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) < 0.3] = 0.0
    X[:, 2] = X[:, 0] - X[:, 1]           # rank deficient: rank d - 1 (+1 intercept)
    y = rng.integers(0, K, n)
    sw = rng.uniform(0.0, 2.0, n) if weighted else None
    if weighted:
        sw[:50] = 0.0                      # rows of zero weight count for nothing
    return (sp.csr_matrix(X) if sparse else X), X, y, sw


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_score_outer_is_the_weighted_sum_of_score_outer_products(rng, sparse, weighted):
    Xin, X, y, sw = _problem(rng, sparse, weighted)
    K = 4
    obj = MultinomialLoss(Xin, y, sample_weight=sw, n_classes=K)
    coef = rng.standard_normal((K, X.shape[1] + 1))
    free = np.array([0, 2, 3])
    before = obj.n_passes_over_X
    M = obj.score_outer(coef, free)
    assert obj.n_passes_over_X == before + 1

    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    R = np.eye(K)[y] - softmax(Xt @ coef.T, axis=1)
    G = (R[:, free, None] * Xt[:, None, :]).reshape(X.shape[0], -1)
    s = np.ones(X.shape[0]) if sw is None else sw
    assert_allclose(M, (G * s[:, None]).T @ G, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_design_rank_matches_matrix_rank(rng, sparse, weighted, fit_intercept):
    Xin, X, y, sw = _problem(rng, sparse, weighted)
    obj = MultinomialLoss(Xin, y, sample_weight=sw, fit_intercept=fit_intercept, n_classes=4)
    before = obj.n_passes_over_X
    rank = obj.design_rank()
    assert obj.n_passes_over_X == before + 1
    Xt = np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X
    if sw is not None:
        Xt = Xt[sw > 0] * np.sqrt(sw[sw > 0])[:, None]
    assert rank == np.linalg.matrix_rank(Xt)
    assert rank == X.shape[1] - 1 + int(fit_intercept)   # the test can tell deficiency apart

