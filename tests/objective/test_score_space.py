"""Score space: scores, the objective and gradient from scores, the objective along
a line (what line searches use), Hessian products from held scores."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from objective_cases import problem

from softmax_ext import FixedClassLoss, MultinomialLoss


def test_score_space_matches_direct(rng):
    X, y, sw = problem(rng)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.1)
    coef = rng.normal(size=obj.coef_shape)
    Z = obj.scores(coef)
    assert_allclose(obj.loss_scores(Z, coef), obj.loss(coef), rtol=1e-14)
    l1, g1 = obj.loss_gradient_scores(Z, coef)
    l2, g2 = obj.loss_gradient(coef)
    assert_allclose(l1, l2, rtol=1e-14)
    assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fixed", [False, True])
def test_loss_slope_scores_along_a_line(dtype, fixed, rng):
    """loss_slope_scores is the objective along coef + t D and its t-derivative."""
    from softmax_ext import FixedClassLoss

    X, y, sw = problem(rng, dtype=dtype)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.3)
    if fixed:
        obj = FixedClassLoss(obj, fixed=2)
    coef = rng.normal(size=obj.coef_shape).astype(dtype)
    D = rng.normal(size=obj.coef_shape).astype(dtype)
    Z = obj.scores(coef).astype(np.float64)
    XD = obj.scores(D).astype(np.float64)
    for t in (0.0, 0.37, 1.5):
        loss, slope = obj.loss_slope_scores(Z, XD, t, coef, D)
        # float32 coefficients at coef + t D round differently from Z + t XD
        # computed in float64: a few float32 ulps of the loss
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        assert_allclose(loss, obj.loss(coef.astype(np.float64) + t * D), rtol=rtol)
        h = 1e-6
        fd = (obj.loss_slope_scores(Z, XD, t + h, coef, D)[0]
              - obj.loss_slope_scores(Z, XD, t - h, coef, D)[0]) / (2 * h)
        assert_allclose(slope, fd, rtol=1e-5, atol=1e-7)

def test_hessp_from_scores_equals_hessp(rng):
    X, y, sw = problem(rng)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.2)
    coef = rng.normal(size=obj.coef_shape)
    v = rng.normal(size=obj.coef_shape)
    passes = obj.n_passes_over_X
    hv = obj.hessp(coef, scores=obj.scores(coef))(v)
    assert obj.n_passes_over_X == passes + 2  # scores, one product: no setup pass
    assert_allclose(hv, obj.hessp(coef)(v), rtol=1e-12, atol=1e-15)
