"""Property tests of the binary kernels at extreme scores: the stable forms
log1p(exp(-|z|)) + max(z, 0) - y z and sigma(z) stay finite and accurate
where log(1 + exp(z)) and 1 / (1 + exp(-z)) overflow or cancel."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from softmax_ext._ext import binary as _binary


def _oracle(z, y, s):
    """Loss and residual in float64 from the stable textbook forms: the loss as
    log(1 + exp((1 - 2 y) z)), which is log(1 + exp(z)) - y z without its
    cancellation for y = 1 and large z."""
    loss = np.sum(s * np.logaddexp(0.0, (1.0 - 2.0 * y) * z))
    p = np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))),
                 np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))
    return loss, s * (p - y)


scores = st.lists(st.floats(min_value=-1e300, max_value=1e300, allow_nan=False),
                  min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(z=scores, labels=st.lists(st.integers(0, 1), min_size=40, max_size=40))
def test_loss_and_gradient_from_extreme_scores(z, labels):
    z = np.asarray(z, dtype=np.float64)
    n = z.size
    y = np.asarray(labels[:n], dtype=np.int64)
    s = np.linspace(0.5, 2.0, n)
    # X = I (n x n): the gradient's entries are the residuals themselves
    X = np.eye(n)
    G = np.empty(n + 1)
    loss = _binary.loss_gradient_from_scores(X=X, y=y, sample_weight=s, z=z, fit_intercept=True,
                                             G=G, n_threads=1)
    loss_ref, r_ref = _oracle(z, y.astype(float), s)
    assert np.isfinite(loss) and np.all(np.isfinite(G))
    # the loss of a huge wrong score is huge and exact to rounding; a right one tiny
    assert_allclose(loss, loss_ref, rtol=1e-13, atol=1e-300)
    assert_allclose(G[:n], r_ref, rtol=1e-13, atol=1e-300)
    assert_allclose(G[n], np.sum(r_ref), rtol=1e-12, atol=1e-12 * np.sum(np.abs(r_ref)))
    assert np.all(np.abs(G[:n]) <= s + 1e-15)


@settings(max_examples=100, deadline=None)
@given(z=st.lists(st.floats(min_value=-745.0, max_value=745.0), min_size=1, max_size=30))
def test_small_losses_keep_their_relative_accuracy(z):
    """log1p(exp(-|z|)) for a correctly classified sample (loss ~ exp(-|z|), far
    below 1 ulp of 1): relative error of a few ulps, not absolute."""
    z = np.abs(np.asarray(z, dtype=np.float64))
    y = np.ones(z.size, dtype=np.int64)
    for i in range(z.size):
        loss = _binary.loss_gradient_from_scores(X=np.zeros((1, 0)), y=y[i:i + 1], z=z[i:i + 1],
                                                 fit_intercept=False, n_threads=1)
        assert_allclose(loss, np.log1p(np.exp(-z[i])), rtol=1e-14, atol=0)
