"""Plain NumPy reference implementations: the oracles the kernels are tested against.

Everything here is written for clarity, in float64, with the textbook
formulas; speed does not matter.  Each function names the kernel it checks.
"""

import numpy as np

__all__ = ["logsumexp", "softmax", "log_softmax", "cross_entropy"]


def _as2d(Z):
    Z = np.asarray(Z, dtype=np.float64)
    return Z.reshape(1, -1) if Z.ndim == 1 else Z


def logsumexp(Z):
    """Oracle of ``smx_logsumexp``: max-shifted log-sum-exp of each row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(Z, axis=1, keepdims=True) if Z.shape[1] else np.zeros((Z.shape[0], 1))
        m = np.where(np.isfinite(m), m, 0.0)
        return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


def softmax(Z):
    """Oracle of ``smx_softmax``: exp(z - max) / sum(exp(z - max)) per row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)


def log_softmax(Z):
    """Oracle of ``smx_log_softmax``: (z - m) - log(sum(exp(z - m))) per row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(Z, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        return (Z - m) - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def cross_entropy(Z, y, sample_weight=None):
    """Oracle of ``smx_cross_entropy``.

    Returns
    -------
    loss : float
        ``sum_i s_i * (logsumexp(Z[i]) - Z[i, y[i]])``
    R : ndarray (n, K)
        ``s_i * (softmax(Z[i]) - onehot(y[i]))``
    """
    Z = _as2d(Z)
    n, K = Z.shape
    y = np.asarray(y, dtype=np.int64)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), y] = 1.0
    loss = float(np.sum(s * (logsumexp(Z) - Z[np.arange(n), y])))
    R = s[:, None] * (softmax(Z) - onehot)
    return loss, R


def multinomial_loss_gradient(X, y, coef, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of the fused loss/gradient kernels (``smx_lossgrad``) and of
    ``MultinomialLoss.loss_gradient``: the normalised objective and gradient.

    ``f = (1 / sum(s)) sum_i s_i (logsumexp(z_i) - z_{i, y_i}) + (l2 / 2) ||W||^2``
    with ``z_i = W x_i + b``; coef is (K, d + 1) with the intercept last when
    ``fit_intercept``, else (K, d).  Everything in float64, dense.

    Returns
    -------
    loss : float
    grad : ndarray of the shape of coef, float64
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    n, d = X.shape
    y = np.asarray(y, dtype=np.int64)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    Xt = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    W = coef[:, :d]
    Z = Xt @ coef.T
    data, R = cross_entropy(Z, y, s)
    loss = data / s.sum() + 0.5 * l2 * float(np.sum(W * W))
    grad = R.T @ Xt / s.sum()
    grad[:, :d] += l2 * W
    return loss, grad
