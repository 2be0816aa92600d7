"""The C -> l2 scaling shared by the estimator, inference and the reference fit."""

import numpy as np
import pytest

from softmax_ext.linear_model._penalty_params import l2_from_C


def test_l2_from_C_is_scikit_learns_scaling():
    assert l2_from_C(np.inf, 123.0) == 0.0
    assert l2_from_C(2.0, 50.0) == 1.0 / (2.0 * 50.0)
    assert l2_from_C(0.5, 1.0) == 2.0  # the summed scale: 1 / C


@pytest.mark.parametrize("C, weight_sum", [(1e-300, 1e-10), (5e-324, 1.0)])
def test_l2_from_C_overflow_is_an_error(C, weight_sum):
    with pytest.raises(ValueError, match=r"overflows: C or the sample weights are too small"):
        l2_from_C(C, weight_sum)
