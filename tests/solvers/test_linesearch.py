"""The line search in score space (solvers/_linesearch.py)."""

import numpy as np
import pytest

from softmax_ext.solvers._linesearch import ScoreLine
from solver_problems import make_problem


def test_score_line_is_exact_and_reads_no_X():
    obj = make_problem(weights=True)
    rng = np.random.default_rng(7)
    m = int(np.prod(obj.coef_shape))
    x, D = rng.standard_normal(m) * 0.3, rng.standard_normal(m)
    Z = obj.scores(x.reshape(obj.coef_shape))
    XD = obj.scores(D.reshape(obj.coef_shape))
    f0, g0 = obj.loss_gradient(x.reshape(obj.coef_shape))
    line = ScoreLine(obj, x, D, Z, XD, f0, float(g0.ravel() @ D))
    before = obj.n_passes_over_X
    vals = [(t, line.phi(t), line.dphi(t)) for t in (0.0, 0.1, 0.7, 2.0)]
    assert obj.n_passes_over_X == before  # trials never touch X
    for t, f, d in vals:
        f_ref, g_ref = obj.loss_gradient((x + t * D).reshape(obj.coef_shape))
        assert f == pytest.approx(f_ref, rel=1e-13)
        assert d == pytest.approx(float(g_ref.ravel() @ D), rel=1e-10, abs=1e-13)
    h = 1e-6  # slope against a central difference too
    assert line.dphi(0.3) == pytest.approx((line.phi(0.3 + h) - line.phi(0.3 - h)) / (2 * h),
                                           rel=1e-6)

