"""Loss and gradient evaluation for :class:`~softmax_ext.objective.MultinomialLoss`.

Functions here take the validated objective ``obj`` (X, y, sample_weight,
fit_intercept, n_threads; layout in ``objective.py``) and return *unnormalised*
data terms: ``sum_i s_i CE_i`` and its gradient ``sum_i s_i (p_i - e_{y_i}) x~_i^T``
(x~_i = [x_i, 1] with an intercept).  The objective divides by ``sum(s)`` and
adds the penalty.

They run the fused C kernels of ``csrc/smx_lossgrad.c``: one pass over X in
row blocks (scores, softmax, residual and backward product while the block is
in cache), OpenMP threads, results independent of the thread count, no
``(n, K)`` or ``(n, d)`` temporaries, X never copied (float32 stays float32,
CSR stays CSR).  Gradients are float64 of shape ``obj.coef_shape``.
"""

import numpy as np

from ._ext import lossgrad as _lossgrad
from ._ext import softmax as _softmax
from ._threads import single_threaded_blas

__all__ = ["scores", "loss_from_scores", "loss_gradient_from_scores", "loss_gradient",
           "hessp"]


def _as_dtype(obj, arr):
    """C-contiguous array of X's dtype (a no-op for what MultinomialLoss passes)."""
    return np.ascontiguousarray(arr, dtype=obj.dtype)


def _sample_weight(obj):
    sw = obj.sample_weight
    return None if sw is None else _as_dtype(obj, sw)


def _call(obj, coef=None, Zin=None, Zout=None, G=None, P=None):
    """Run the dense or CSR kernel in one of its modes; return the data loss."""
    X = obj.X
    sw = _sample_weight(obj)
    if obj.is_sparse:
        # one index dtype for both: _design_matrix made it so
        return _lossgrad.csr(X.data, X.indices, X.indptr, obj.n_features, obj.y, sw, coef,
                             obj.fit_intercept, obj.n_classes, Zin, Zout, G, obj.n_threads, P)
    # The dense kernels call gemm from OpenMP threads: BLAS must not start
    # threads of its own there.
    with single_threaded_blas():
        return _lossgrad.dense(X, obj.y, sw, coef, obj.fit_intercept, obj.n_classes,
                               Zin, Zout, G, obj.n_threads, P)


def scores(obj, coef):
    """Scores ``Z = X W^T + b``.

    Parameters
    ----------
    obj : MultinomialLoss
    coef : ndarray of shape ``obj.coef_shape``
        Cast to X's dtype (C order) if needed.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_classes), C-contiguous, dtype of X
    """
    coef = _as_dtype(obj, coef)
    Z = np.empty((obj.n_samples, obj.n_classes), dtype=obj.dtype)
    _call(obj, coef=coef, Zout=Z)
    return Z


def loss_from_scores(obj, Z):
    """``sum_i s_i (logsumexp(z_i) - z_{i, y_i})`` in double, from scores Z (n, K)."""
    Z = _as_dtype(obj, Z)
    return _softmax.cross_entropy_rows(Z, obj.y, _sample_weight(obj), None, obj.n_threads)


def loss_gradient_from_scores(obj, Z):
    """Data loss and gradient from precomputed scores: the backward pass only.

    Parameters
    ----------
    obj : MultinomialLoss
    Z : ndarray of shape (n_samples, n_classes)
        Scores ``X W^T + b``; not modified.

    Returns
    -------
    loss : float
    grad : ndarray of shape ``obj.coef_shape``, float64
    """
    Z = _as_dtype(obj, Z)
    G = np.empty(obj.coef_shape, dtype=np.float64)
    loss = _call(obj, Zin=Z, G=G)
    return loss, G


def loss_gradient(obj, coef, want_grad=True):
    """Fused forward and backward pass over X.

    Parameters
    ----------
    obj : MultinomialLoss
    coef : ndarray of shape ``obj.coef_shape``
    want_grad : bool, default True

    Returns
    -------
    loss : float
        Unnormalised data loss ``sum_i s_i CE_i``.
    grad : ndarray of shape ``obj.coef_shape``, float64, or None
        ``sum_i s_i (p_i - e_{y_i}) x~_i^T`` when ``want_grad``.
    """
    coef = _as_dtype(obj, coef)
    G = np.empty(obj.coef_shape, dtype=np.float64) if want_grad else None
    loss = _call(obj, coef=coef, G=G)
    return loss, G


def hessp(obj, P, V):
    """Data part of a Hessian-vector product, one pass over X.

    The same drivers as the loss and gradient (row blocks, groups,
    determinism), with the block step ``T = s P o (U - rowsum(P o U))`` in
    place of the residual: ``U = X~ V^T`` forward, ``X~^T T`` backward.

    Parameters
    ----------
    obj : MultinomialLoss
    P : ndarray of shape (n_samples, n_classes)
        Probabilities at the expansion point, X's dtype, C order.
    V : ndarray of shape ``obj.coef_shape``
        The vector, X's dtype, C order.

    Returns
    -------
    HV : ndarray of shape ``obj.coef_shape``, float64
        ``sum_i s_i ((diag(p_i) - p_i p_i^T) kron x~_i x~_i^T) vec(V)``.
    """
    G = np.empty(obj.coef_shape, dtype=np.float64)
    _call(obj, coef=_as_dtype(obj, V), G=G, P=_as_dtype(obj, P))
    return G
