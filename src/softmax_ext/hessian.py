"""Hessian assembly and Hessian-vector products for :class:`MultinomialLoss`.

Unnormalised data terms (the objective divides by ``sum(s)`` and adds l2 on
the coefficient diagonal), in the flattened order of ``coef.ravel()`` (C
order: index ``k * p + j``, ``p = coef.shape[1]``)::

    H = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T

with ``x~_i = [x_i, 1]`` when the objective fits an intercept.

The assembly is done by the C/OpenMP kernels of ``csrc/smx_hessian.c`` (one
GEMM over Gram products per row block for dense X, sparse row updates for CSR
X; see the comment at the top of ``csrc/smx_hessian_body.h``); products
``H v`` by the loss/gradient drivers in their "hessp" mode
(``lossgrad.hessp``: one pass over X).  X is never copied: float32 stays
float32 (products are accumulated in double), CSR stays CSR.
"""

import numpy as np

from ._ext import hessian as _hessian
from . import lossgrad as _lossgrad
from ._threads import single_threaded_blas

__all__ = ["hessian", "passes_over_X", "hessp_setup", "hessp_apply"]


def _coef_array(obj, coef, name="coef"):
    """coef as a C-contiguous (K, p) array of X's dtype (a copy only if needed)."""
    arr = np.asarray(coef)
    if arr.shape != tuple(obj.coef_shape):
        if arr.size != int(np.prod(obj.coef_shape)):
            raise ValueError(f"{name} has shape {arr.shape}, expected {tuple(obj.coef_shape)}.")
        arr = arr.reshape(obj.coef_shape)
    return np.ascontiguousarray(arr, dtype=obj.dtype)


def _csr_parts(obj):
    """(data, indices, indptr) of a CSR X as the objective validated it
    (``_design_matrix``: one index dtype, canonical rows), never copied."""
    X = obj.X
    return X.data, X.indices, X.indptr


def _sample_weight(obj):
    sw = obj.sample_weight
    return None if sw is None else np.ascontiguousarray(sw, dtype=obj.dtype)


def _probabilities(obj, coef):
    """P = softmax(X W^T + b), (n_samples, n_classes), C order, dtype of X."""
    P = np.empty((obj.n_samples, obj.n_classes), dtype=obj.dtype)
    if obj.is_sparse:
        data, indices, indptr = _csr_parts(obj)
        _hessian.probs_csr(data, indices, indptr, obj.n_samples, obj.n_features, coef,
                           obj.fit_intercept, P, obj.n_threads)
    else:
        with single_threaded_blas():
            _hessian.probs_dense(obj.X, coef, obj.fit_intercept, P, obj.n_threads)
    return P


def hessian(obj, coef):
    """Full unnormalised data Hessian.

    Parameters
    ----------
    obj : MultinomialLoss
        Gives X, sample_weight, fit_intercept, n_threads, coef_shape, dtype.
    coef : ndarray of shape ``obj.coef_shape``
        Coefficients, intercept in the last column when fitted.

    Returns
    -------
    H : ndarray of shape (m, m), float64, C order, m = coef.size
        ``sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T``, rows and
        columns in the order of ``coef.ravel()``; symmetric, positive
        semi-definite.
    """
    coef = _coef_array(obj, coef)
    m = coef.size
    H = np.empty((m, m), dtype=np.float64)
    if m == 0:
        return H
    sw = _sample_weight(obj)
    if obj.is_sparse:
        data, indices, indptr = _csr_parts(obj)
        _hessian.hessian_csr(data, indices, indptr, obj.n_samples, obj.n_features, sw, coef,
                             obj.fit_intercept, H, obj.n_threads)
    else:
        with single_threaded_blas():
            _hessian.hessian_dense(obj.X, sw, coef, obj.fit_intercept, H, obj.n_threads)
    return H


def passes_over_X(obj):
    """Passes over X that one :func:`hessian` makes, rounded to a whole number.

    The assembly reads the rows of X once for the probabilities and then
    once per chunk of feature pairs, each time only up to the chunk's last
    feature (about p/10 chunks of ~512 pairs, p = d + 1 with an intercept):
    ~8 passes at d = 100, ~112 at d = 500 (see ``x_reads`` in _ext/hessian.pyx).
    """
    return max(1, int(round(_hessian.x_reads(obj.n_features, obj.fit_intercept))))


def hessp_setup(obj, coef):
    """State for Hessian-vector products at ``coef``: the probabilities.

    The probabilities P (n_samples, n_classes, dtype of X) are all a product
    needs besides X: keeping them (n K numbers, small next to X's n d) makes
    each product a single pass over X with two skinny GEMMs, instead of
    three (recomputing X W^T every time).

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes), dtype of X, C order
    """
    return _probabilities(obj, _coef_array(obj, coef))


def hessp_apply(obj, state, V):
    """Unnormalised data Hessian times ``V``.

    Parameters
    ----------
    obj : MultinomialLoss
    state : ndarray of shape (n_samples, n_classes)
        From :func:`hessp_setup`.
    V : ndarray of shape ``obj.coef_shape`` (or its size)

    Returns
    -------
    HV : ndarray of shape ``obj.coef_shape``, float64
        ``H vec(V)`` reshaped like coef.
    """
    V = _coef_array(obj, V, name="V")
    P = np.asarray(state)
    if P.shape != (obj.n_samples, obj.n_classes) or P.dtype != obj.dtype:
        raise ValueError(
            f"state must be the probabilities from hessp_setup, shape "
            f"{(obj.n_samples, obj.n_classes)} and dtype {np.dtype(obj.dtype).name}; "
            f"got shape {P.shape} and dtype {P.dtype}.")
    return _lossgrad.hessp(obj, P, V)
