"""The penalty's one owner (objective/_penalty.py): its terms against the plain formulas."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from softmax_ext.objective._penalty import Penalty


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("rows", [3, 2])   # (K, p) and FixedClassLoss's (K - 1, p)
def test_l2_terms(fit_intercept, rows, rng):
    d, l2 = 4, 0.7
    p = d + fit_intercept
    pen = Penalty(l2, d, p)
    coef, D = rng.normal(size=(rows, p)), rng.normal(size=(rows, p))
    W, Dw = coef[:, :d], D[:, :d]
    assert_allclose(pen.value(coef), 0.5 * l2 * np.sum(W ** 2), rtol=1e-14)
    assert_allclose(pen.value(coef.ravel()), pen.value(coef), rtol=1e-15)
    grad = np.zeros_like(coef)
    pen.add_gradient(coef, grad)
    expected = np.zeros_like(coef)
    expected[:, :d] = l2 * W
    assert_allclose(grad, expected, rtol=1e-15)
    Hv = np.zeros_like(D)
    assert_allclose(pen.add_hessp(D, Hv), l2 * np.pad(Dw, ((0, 0), (0, p - d))), rtol=1e-15)
    H = pen.add_hessian(np.zeros((coef.size, coef.size)))
    assert_allclose(H @ D.ravel(), Hv.ravel(), rtol=1e-15)
    cd, dd = pen.line_terms(coef.ravel(), D.ravel())
    for t in (0.0, 0.4, -1.3):
        value, slope = pen.along_line(coef, D, t)
        assert_allclose(value, pen.value(coef + t * D), rtol=1e-13)
        assert_allclose(value, pen.value(coef) + t * cd + 0.5 * t * t * dd, rtol=1e-12)
        assert_allclose(slope, cd + t * dd, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(pen.unpenalised_columns(), np.arange(d, p))


def test_no_penalty():
    pen = Penalty(0.0, 3, 4)
    coef = np.ones((2, 4))
    assert pen.value(coef) == 0.0 and pen.along_line(coef, coef, 0.5) == (0.0, 0.0)
    assert pen.line_terms(coef, coef) == (0.0, 0.0)
    np.testing.assert_array_equal(pen.unpenalised_columns(), np.arange(4))
    grad = np.zeros_like(coef)
    assert np.all(pen.add_gradient(coef, grad) == 0.0)
