"""The oracle ``reference.score_hessp`` (a Hessian product from the public API)
against the objective's ``hessp`` and ``hessian``."""

import numpy as np
import pytest

from softmax_ext import FixedClassLoss
from softmax_ext.reference import score_hessp
from solver_problems import make_problem


@pytest.mark.parametrize("fixed", [False, True], ids=["multinomial", "fixed-class"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("weights", [False, True], ids=["unweighted", "weighted"])
def test_score_hessp_matches_objective_hessp(weights, sparse, fixed):
    obj = make_problem(weights=weights, sparse=sparse, l2=0.3)
    if fixed:
        obj = FixedClassLoss(obj, fixed=1)
    rng = np.random.default_rng(3)
    m = int(np.prod(obj.coef_shape))
    x = rng.standard_normal(m) * 0.5
    Z = np.asarray(obj.scores(x.reshape(obj.coef_shape)), dtype=np.float64)
    ours = score_hessp(obj, Z)
    theirs = obj.hessp(x.reshape(obj.coef_shape))
    H = obj.hessian(x.reshape(obj.coef_shape))
    for _ in range(3):
        v = rng.standard_normal(m)
        before = obj.n_passes_over_X
        Hv = ours(v)
        assert obj.n_passes_over_X - before == 2
        np.testing.assert_allclose(Hv, np.asarray(theirs(v.reshape(obj.coef_shape))).ravel(),
                                   rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(Hv, H @ v, rtol=1e-11, atol=1e-13)

