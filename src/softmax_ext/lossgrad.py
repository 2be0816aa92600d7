"""Loss and gradient evaluation for :class:`~softmax_ext.objective.MultinomialLoss`.

Functions here take the validated objective ``obj`` (X, y, sample_weight,
fit_intercept, n_threads; layout in ``objective.py``) and return *unnormalised*
data terms: ``sum_i s_i CE_i`` and its gradient ``sum_i s_i (p_i - e_{y_i}) x~_i^T``
(x~_i = [x_i, 1] with an intercept).  The objective divides by ``sum(s)`` and
adds the penalty.

This first version runs on NumPy/scipy products and the fused cross-entropy
kernel; the blocked C kernels replace it without changing these signatures.
"""

import numpy as np

from . import _softmax


def scores(obj, coef):
    """Z = X W^T + b, (n_samples, n_classes), C-contiguous, dtype of X."""
    W = coef[:, :obj.n_features]
    Z = np.asarray(obj.X @ W.T, dtype=obj.dtype)
    if obj.fit_intercept:
        Z += coef[:, -1]
    return np.ascontiguousarray(Z)


def loss_from_scores(obj, Z):
    """sum_i s_i (logsumexp(z_i) - z_{i, y_i}) in double."""
    return _softmax.cross_entropy_rows(Z, obj.y, obj.sample_weight, None, obj.n_threads)


def loss_gradient_from_scores(obj, Z):
    """Data loss and its gradient (shape of coef, float64) from scores Z."""
    R = np.empty_like(Z)
    loss = _softmax.cross_entropy_rows(Z, obj.y, obj.sample_weight, R, obj.n_threads)
    G = np.empty(obj.coef_shape, dtype=np.float64)
    G[:, :obj.n_features] = np.asarray(obj.X.T @ R).T
    if obj.fit_intercept:
        G[:, -1] = R.sum(axis=0, dtype=np.float64)
    return loss, G


def loss_gradient(obj, coef, want_grad=True):
    """Fused forward and backward pass: (data loss, gradient or None)."""
    Z = scores(obj, coef)
    if not want_grad:
        return loss_from_scores(obj, Z), None
    return loss_gradient_from_scores(obj, Z)
