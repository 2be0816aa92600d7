"""The C kernels' calls for an objective: one function per mode, keyword arguments.

Each function takes the objective ``obj`` (which holds X, y, sample_weight,
fit_intercept, n_threads, coef_shape and dtype; layout in
``objective/__init__.py``) and returns *unnormalised* data terms: the loss
``sum_i s_i CE_i``, its gradient ``sum_i s_i (p_i - e_{y_i}) x~_i^T``, the
Hessian ``sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T`` and its
products (``x~_i = [x_i, 1]`` with an intercept).  The objective divides by
``sum(s)``, adds the penalty and counts the passes over X.

The kernels (``csrc/smx_lossgrad.c``, ``smx_hessian.c``, ``smx_softmax.c``)
run over X in row blocks with OpenMP threads, give results independent of
the thread count, allocate no ``(n, d)`` temporaries and never copy X
(float32 stays float32, CSR stays CSR).  Gradients, Hessians and products are
float64.  What reaches them was validated by the objective; the shape checks
here are cheap and copy nothing for what the objective passes.
"""

import numpy as np
import scipy.sparse as sp

from .._ext import hessian as _hessian
from .._ext import lossgrad as _lossgrad
from .._ext import softmax as _softmax
from .._threads import (MIN_ELEMENTS_PER_THREAD, effective_n_threads, pass_threads,
                        single_threaded_blas)
from .._validation import float_dtype_of
from ._layout import check_coef


def _coef(obj, coef, name="coef"):
    """coef (or V) as a C-contiguous ``coef_shape`` array of X's dtype, no scan."""
    return check_coef(coef, obj.coef_shape, dtype=obj.dtype, name=name, finite=False)


def _sample_weight(obj, dtype=None):
    """The weights in ``dtype`` (X's by default), or None for unit weights."""
    sw = obj.sample_weight
    if sw is None:
        return None
    return np.ascontiguousarray(sw, dtype=obj.dtype if dtype is None else dtype)


def _run(obj, kernel, **kwargs):
    """``kernel`` on obj's X (dense or CSR parts) with the mode's ``kwargs``."""
    return _on_design(obj.X, kernel, fit_intercept=obj.fit_intercept, n_threads=obj.n_threads,
                      **kwargs)


def _on_design(X, kernel, **kwargs):
    """``kernel`` on a validated X (``check_design_matrix``), passed as the
    binding takes it: the dense array, or the CSR parts."""
    if sp.issparse(X):
        # one index dtype for both: _design_matrix made it so
        return kernel(data=X.data, indices=X.indices, indptr=X.indptr,
                      n_features=X.shape[1], **kwargs)
    # The dense kernels call gemm from OpenMP threads: BLAS must not start
    # threads of its own there.
    with single_threaded_blas():
        return kernel(X=X, **kwargs)


def _gradient_buffer(obj):
    return np.empty(obj.coef_shape, dtype=np.float64)


def loss(obj, *, coef):
    """Data loss ``sum_i s_i CE_i`` at ``coef`` (``coef_shape``), one pass over X."""
    return _run(obj, _lossgrad.loss, y=obj.y, sample_weight=_sample_weight(obj),
                coef=_coef(obj, coef))


def loss_gradient(obj, *, coef):
    """Data loss and gradient at ``coef``, one fused pass over X.

    Returns
    -------
    loss : float
    grad : ndarray of shape ``obj.coef_shape``, float64
    """
    G = _gradient_buffer(obj)
    data = _run(obj, _lossgrad.loss_gradient, y=obj.y, sample_weight=_sample_weight(obj),
                coef=_coef(obj, coef), G=G)
    return data, G


def scores(obj, *, coef):
    """Scores ``Z = X W^T + b``, (n_samples, n_classes), C-contiguous, X's dtype."""
    Z = np.empty((obj.n_samples, obj.n_classes), dtype=obj.dtype)
    _run(obj, _lossgrad.scores, coef=_coef(obj, coef), out=Z)
    return Z


def linear_scores(X, coef, *, n_threads):
    """``X W^T + b`` for ``coef = [W | b]`` (rows, d + 1) of X's dtype, (n, rows) in
    X's dtype: the scores kernel on a design matrix already validated
    (``check_design_matrix``) without an objective around it, a fitted
    model's ``decision_function``."""
    coef = np.ascontiguousarray(coef, dtype=X.dtype)
    Z = np.empty((X.shape[0], coef.shape[0]), dtype=X.dtype)
    nnz = X.nnz if sp.issparse(X) else X.size
    _on_design(X, _lossgrad.scores, coef=coef, fit_intercept=True, out=Z,
               n_threads=pass_threads(n_threads, nnz, X.shape[0], coef.shape[0]))
    return Z


def loss_from_scores(obj, *, Z):
    """Data loss from scores Z (n, K) of X's dtype: O(n K), no pass over X."""
    Z = np.ascontiguousarray(Z, dtype=obj.dtype)
    return _softmax.cross_entropy_rows(Z, obj.y, _sample_weight(obj), None, obj.n_threads)


def loss_gradient_from_scores(obj, *, Z):
    """Data loss and gradient from scores Z (not modified): the backward pass only.

    Returns
    -------
    loss : float
    grad : ndarray of shape ``obj.coef_shape``, float64
    """
    G = _gradient_buffer(obj)
    data = _run(obj, _lossgrad.loss_gradient_from_scores, y=obj.y,
                sample_weight=_sample_weight(obj), Z=np.ascontiguousarray(Z, dtype=obj.dtype),
                G=G)
    return data, G


def line_eval(obj, *, Z, XD, t):
    """Data loss at ``Z + t XD`` and its ``t``-derivative: one O(n K) sweep, no pass over X.

    ``Z`` and ``XD`` are C-contiguous (n, K) arrays of one dtype (X's, or
    float64); the weights are taken in it.
    """
    return _softmax.line_eval_rows(Z, XD, float(t), obj.y, _sample_weight(obj, Z.dtype),
                                   obj.n_threads)


def probabilities(obj, *, coef):
    """``P = softmax(X W^T + b)``, (n_samples, n_classes), C order, X's dtype; one pass.

    All a Hessian-vector product needs besides X: keeping them (n K
    numbers, small next to X's n d) makes each product one pass over X with
    two skinny GEMMs instead of three.
    """
    P = np.empty((obj.n_samples, obj.n_classes), dtype=obj.dtype)
    _run(obj, _hessian.probabilities, coef=_coef(obj, coef), out=P)
    return P


def probabilities_from_scores(obj, *, Z):
    """``softmax(Z)`` of scores a solver holds, in X's dtype: no pass over X.

    Computed in Z's precision (float64 scores of a float32 problem give the
    probabilities of the unrounded scores), then rounded to X's dtype.
    """
    Z = np.asarray(Z)
    Z = np.ascontiguousarray(Z, dtype=float_dtype_of(Z.dtype))
    P = np.empty_like(Z)
    threads = effective_n_threads(obj.n_threads, work=Z.size,
                                  min_work_per_thread=MIN_ELEMENTS_PER_THREAD)
    _softmax.softmax_rows(Z, P, threads)
    return np.ascontiguousarray(P, dtype=obj.dtype)


def hessp(obj, *, P, V):
    """Data part of a Hessian-vector product, ``H_data vec(V)``, one pass over X.

    The loss/gradient drivers with the block step ``T = s P o (U -
    rowsum(P o U))`` in place of the residual: ``U = X~ V^T`` forward,
    ``X~^T T`` backward.

    Parameters
    ----------
    obj : MultinomialLoss
    P : ndarray of shape (n_samples, n_classes)
        Probabilities at the expansion point (:func:`probabilities`), X's dtype.
    V : ndarray of shape ``obj.coef_shape`` (or its size)

    Returns
    -------
    HV : ndarray of shape ``obj.coef_shape``, float64
    """
    P = np.asarray(P)
    if P.shape != (obj.n_samples, obj.n_classes) or P.dtype != obj.dtype:
        raise ValueError(
            f"P must be the probabilities from probabilities(), shape "
            f"{(obj.n_samples, obj.n_classes)} and dtype {np.dtype(obj.dtype).name}; "
            f"got shape {P.shape} and dtype {P.dtype}.")
    G = _gradient_buffer(obj)
    _run(obj, _lossgrad.hessp, sample_weight=_sample_weight(obj),
         P=np.ascontiguousarray(P), V=_coef(obj, V, name="V"), G=G)
    return G


def hessian(obj, *, coef):
    """Full unnormalised data Hessian at ``coef``.

    Returns
    -------
    H : ndarray of shape (m, m), float64, C order, m = coef.size
        Rows and columns in the order of ``coef.ravel()``; symmetric,
        positive semi-definite.  The assembly makes :func:`hessian_passes`
        passes over X.
    """
    coef = _coef(obj, coef)
    m = coef.size
    H = np.empty((m, m), dtype=np.float64)
    if m == 0:
        return H
    _run(obj, _hessian.hessian, sample_weight=_sample_weight(obj), coef=coef, H=H)
    return H


def hessian_passes(obj):
    """Passes over X that one :func:`hessian` makes, rounded to a whole number.

    The assembly reads the rows of X once for the probabilities and then
    once per chunk of feature pairs, each time only up to the chunk's last
    feature (about p/10 chunks of ~512 pairs, p = d + 1 with an intercept):
    ~8 passes at d = 100, ~112 at d = 500.
    """
    return max(1, int(round(_hessian.x_reads(obj.n_features, obj.fit_intercept))))
