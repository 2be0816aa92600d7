"""What runs on one row block: the objective's kernels on the block's rows.

Each task takes a block objective (a :class:`~softmax_ext.objective.MultinomialLoss`
over the block's rows, l2 = 0, built once by :func:`block_objective`; None for
a block whose weights are all zero, which contributes nothing) and returns
*unnormalised* data terms (sums over the block's rows), so that the sum over
blocks is the data term of the whole X.  Module-level functions: Dask
pickles them by reference to run them on its workers.
"""

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from ..objective import MultinomialLoss, _kernels, _moments

__all__ = ["as_scipy", "block_objective", "add", "layout_task", "loss_task",
           "loss_gradient_task", "hessp_task", "hessian_task", "gram_task", "moments_task",
           "probability_gram_task"]


def as_scipy(X):
    """A pydata ``sparse`` chunk (COO, GCXS: they have ``to_scipy_sparse``) as
    scipy sparse; anything else as given."""
    to_scipy = getattr(X, "to_scipy_sparse", None)
    return X if to_scipy is None or sp.issparse(X) else to_scipy()


def block_objective(X, y, sample_weight, *, n_classes, fit_intercept, n_threads, row_offset=0):
    """The block's objective (X checked once, here), or None when its weights sum to zero.

    Dense X is kept as given (a view of a memmap stays a view: no copy).  A
    sparse chunk (scipy CSR, CSC, COO..., matrix or array; pydata ``sparse``
    COO or GCXS) is bound as CSR: a chunk in another format is converted
    once, here, on the worker that holds it.
    ``row_offset``, the index in the whole X of the block's first row, is
    kept as the attribute ``row_offset`` (the strided sample of
    :func:`gram_task` is taken over the whole X).
    """
    X = as_scipy(X)
    if X.shape[0] == 0:
        return None
    if sample_weight is not None and not np.any(np.asarray(sample_weight) > 0):
        return None
    block = MultinomialLoss(X, y, sample_weight=sample_weight, l2=0.0,
                            fit_intercept=fit_intercept, n_classes=n_classes, n_threads=n_threads)
    block.row_offset = int(row_offset)
    return block


def add(a, b):
    """Sum of two task results (floats, arrays or tuples of them); None is zero."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, tuple):
        return tuple(add(x, y) for x, y in zip(a, b))
    return a + b


def layout_task(block):
    """``(sparse blocks, values read per pass)``: 1 or 0, and ``block.nnz``."""
    return None if block is None else (int(block.is_sparse), block.nnz)


def loss_task(block, coef):
    """``sum_b s_i CE_i`` at ``coef`` (base layout)."""
    return None if block is None else float(_kernels.loss(block, coef=coef))


def loss_gradient_task(block, coef):
    """``(loss, gradient)`` data terms at ``coef``: one fused pass over the block."""
    if block is None:
        return None
    data, G = _kernels.loss_gradient(block, coef=coef)
    return float(data), G


def hessp_task(block, coef, V):
    """``H_data(coef) vec(V)`` over the block: its probabilities, then the product.

    Both sweeps read the block's rows while they are in memory (one read of X).
    """
    if block is None:
        return None
    P = _kernels.probabilities(block, coef=coef)
    return _kernels.hessp(block, P=P, V=V)


def hessian_task(block, coef):
    """The block's data Hessian at ``coef``, (m, m) float64."""
    return None if block is None else _kernels.hessian(block, coef=coef)


def gram_task(block, step=1):
    """``X~^T S X~`` over the block's rows of every ``step``-th row of the whole X
    (p x p, unnormalised), and the weight of those rows."""
    if block is None:
        return None
    first = (-block.row_offset) % step
    sw = block.sample_weight
    rows = SimpleNamespace(X=block.X[first::step], coef_shape=block.coef_shape,
                           sample_weight=None if sw is None else sw[first::step],
                           n_threads=block.n_threads)
    m = rows.X.shape[0]
    weight = float(m if rows.sample_weight is None else np.sum(rows.sample_weight,
                                                                  dtype=np.float64))
    if m == 0 or weight == 0:
        return np.zeros((block.coef_shape[1],) * 2), 0.0
    return _moments.feature_gram(rows, None) * weight, weight


def moments_task(block):
    """``sum_b s_i x_ij^2`` and ``sum_b s_i x_ij`` (unnormalised)."""
    if block is None:
        return None
    second, mean = _moments.feature_moments(block)
    return second * block.weight_sum, mean * block.weight_sum


def probability_gram_task(block, coef):
    """``P_b^T S_b P_b`` (K x K) and ``sum_b s_i p_i`` at ``coef``: what the
    Kronecker preconditioner needs of the probabilities."""
    if block is None:
        return None
    P = np.asarray(_kernels.probabilities(block, coef=coef), dtype=np.float64)
    sw = block.sample_weight
    Ps = P if sw is None else P * np.asarray(sw, dtype=np.float64)[:, None]
    return Ps.T @ P
