"""Row-wise softmax, log-softmax, log-sum-exp and the fused cross-entropy.

All functions work along the last axis of a 1-D or 2-D array, like
``scipy.special`` with ``axis=-1``, and run the C/OpenMP kernels of
``csrc/smx_softmax.c``.  float32 input is computed and returned in float32
(with sums accumulated in double); integer and other real input in float64.
"""

import numpy as np

from ._ext import softmax as _softmax
from ._threads import MIN_ELEMENTS_PER_THREAD, effective_n_threads
from ._validation import (as_rows, check_labels, check_out, check_sample_weight,
                          separate_from_out)

__all__ = ["logsumexp", "softmax", "log_softmax", "cross_entropy"]


def _threads_for(n_threads, Z2):
    return effective_n_threads(n_threads, work=Z2.size,
                               min_work_per_thread=MIN_ELEMENTS_PER_THREAD)


def _rowwise(kernel, Z, out, n_threads):
    Z2, was_1d = as_rows(Z)
    threads = _threads_for(n_threads, Z2)
    if out is None:
        result = np.empty_like(Z2)
    else:
        check_out(out, Z2.shape[1:] if was_1d else Z2.shape, Z2.dtype)
        result = out.reshape(Z2.shape)  # a view: out is C-contiguous
        Z2 = separate_from_out(Z2, result)
    kernel(Z2, result, threads)
    if out is not None:
        return out
    return result[0] if was_1d else result


def softmax(Z, *, out=None, n_threads=None):
    """Softmax of each row: ``exp(Z[i]) / sum(exp(Z[i]))``.

    Parameters
    ----------
    Z : array_like of shape (n, K) or (K,)
        Scores.  Any layout; it is never modified.
    out : ndarray, optional
        C-contiguous array of Z's shape and result dtype to write into.
    n_threads : int, optional
        OpenMP threads; None uses all usable cores.  Results do not
        depend on it.

    Returns
    -------
    ndarray of the shape of Z, float32 for float32 input, else float64
        Probabilities; ``out`` when given.  Rows holding NaN, or only -inf,
        or +inf, are NaN, as in ``scipy.special.softmax``.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import softmax
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    return _rowwise(_softmax.softmax_rows, Z, out, n_threads)


def log_softmax(Z, *, out=None, n_threads=None):
    """Log of the softmax of each row: ``Z[i] - logsumexp(Z[i])``.

    Parameters and returns as :func:`softmax`; special values follow
    ``scipy.special.log_softmax`` (a -inf score gives -inf).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import log_softmax
    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    return _rowwise(_softmax.log_softmax_rows, Z, out, n_threads)


def logsumexp(Z, *, n_threads=None):
    """``log(sum(exp(Z[i])))`` of each row, computed without overflow.

    Parameters
    ----------
    Z : array_like of shape (n, K) or (K,)
    n_threads : int, optional

    Returns
    -------
    ndarray of shape (n,), or a scalar for 1-D Z
        float32 for float32 input, else float64.  -inf for a row of -inf
        (and for K = 0), +inf when a row holds +inf, NaN when it holds NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import logsumexp
    >>> float(logsumexp(np.array([1000.0, 1000.0])))
    1000.6931471805599
    """
    Z2, was_1d = as_rows(Z)
    result = np.empty(Z2.shape[0], dtype=Z2.dtype)
    _softmax.logsumexp_rows(Z2, result, _threads_for(n_threads, Z2))
    return result[0] if was_1d else result


def cross_entropy(Z, y, *, sample_weight=None, residual=True, out=None, n_threads=None):
    """Fused multinomial cross-entropy on raw scores, with its residual.

    Computes, in one pass over Z,
    ``loss = sum_i s_i * (logsumexp(Z[i]) - Z[i, y[i]])`` accumulated in
    double and, when ``residual``, ``R[i] = s_i * (softmax(Z[i]) - onehot(y[i]))``
    (the gradient of the loss with respect to Z).

    Parameters
    ----------
    Z : array_like of shape (n, K)
        Raw scores (logits).
    y : array_like of shape (n,)
        Integer labels in ``[0, K)``; anything else raises ValueError.
    sample_weight : array_like of shape (n,), optional
        Non-negative weights ``s_i``; None means 1.
    residual : bool, default True
        Whether to compute ``R``.
    out : ndarray of shape (n, K), optional
        Where to write ``R`` (C-contiguous, Z's result dtype).
    n_threads : int, optional

    Returns
    -------
    loss : float
    R : ndarray of shape (n, K) or None

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import cross_entropy
    >>> loss, R = cross_entropy(np.zeros((1, 2)), [1])
    >>> round(loss, 6), R
    (0.693147, array([[ 0.5, -0.5]]))
    """
    Z2 = as_rows(Z)[0] if np.ndim(Z) == 2 else None
    if Z2 is None:
        raise ValueError(f"Z must be 2-D (n, K), got {np.ndim(Z)} dimensions.")
    n, K = Z2.shape
    if K == 0:
        raise ValueError("Z must have at least one column (class).")
    labels = check_labels(y, n, K)
    sw = check_sample_weight(sample_weight, n, Z2.dtype)
    R = None
    if residual:
        R = np.empty_like(Z2) if out is None else check_out(out, Z2.shape, Z2.dtype)
        Z2 = separate_from_out(Z2, out)
    loss = _softmax.cross_entropy_rows(Z2, labels, sw, R, _threads_for(n_threads, Z2))
    return float(loss), R
