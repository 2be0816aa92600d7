"""Hessian assembly and Hessian-vector products for :class:`MultinomialLoss`.

Unnormalised data terms (the objective divides by ``sum(s)`` and adds l2 on
the coefficient diagonal), in the flattened order of ``coef.ravel()``::

    H = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T

This first version is plain NumPy; the blocked BLAS-3 kernels replace it
without changing these signatures.
"""

import numpy as np

from . import special


def _probabilities(obj, coef):
    from .lossgrad import scores
    return special.softmax(scores(obj, coef), n_threads=obj.n_threads).astype(np.float64)


def _xtilde(obj):
    X = obj.X.toarray() if obj.is_sparse else np.asarray(obj.X)
    X = X.astype(np.float64)
    if obj.fit_intercept:
        X = np.hstack([X, np.ones((X.shape[0], 1))])
    return X


def hessian(obj, coef):
    """Full data Hessian, float64 (m, m), m = coef.size."""
    P = _probabilities(obj, coef)
    Xt = _xtilde(obj)
    s = np.ones(obj.n_samples) if obj.sample_weight is None else obj.sample_weight.astype(np.float64)
    K, p = coef.shape
    H = np.empty((K, p, K, p))
    for k in range(K):
        for l in range(K):
            w = s * P[:, k] * ((k == l) - P[:, l])
            H[k, :, l, :] = Xt.T @ (w[:, None] * Xt)
    return H.reshape(K * p, K * p)


def hessp_setup(obj, coef):
    """State for products at ``coef``: the probabilities (n, K)."""
    return _probabilities(obj, coef)


def hessp_apply(obj, P, V):
    """Data Hessian times V (shape of coef), float64."""
    Xt = _xtilde(obj)
    s = np.ones(obj.n_samples) if obj.sample_weight is None else obj.sample_weight.astype(np.float64)
    U = Xt @ V.astype(np.float64).T                      # (n, K): x~_i . v_k
    T = P * (U - np.sum(P * U, axis=1, keepdims=True))   # (diag(p) - p p^T) u
    return (Xt.T @ (s[:, None] * T)).T
