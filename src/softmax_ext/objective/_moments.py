"""NumPy passes over X for the Kronecker preconditioner: feature moments and Gram matrix.

Called through :meth:`MultinomialLoss.feature_moments` and
:meth:`MultinomialLoss.feature_gram`, which count the pass; the
preconditioner (``solvers/_precondition.py``) asks the objective for them
and never reads X itself.
"""

from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits

ROW_BLOCK_BYTES = 1 << 22    # X rows per syrk call (float64 copies of float32 blocks)
# Let BLAS use the objective's threads for the Gram matrix above this many
# multiply-adds: changing the limit walks every loaded library (~2 ms), and
# the syrk gained from a second thread only for long products.
THREADED_GRAM_MULADDS = 1 << 28


def _row_blocks(X, sw):
    """``(X_b, s_b)`` over dense X in blocks of ``ROW_BLOCK_BYTES``: the block as
    float64 (a view of a float64 X, a copy of a float32 one) and its sample
    weights as float64, or None without weights."""
    rows = max(1, ROW_BLOCK_BYTES // (8 * max(X.shape[1], 1)))
    for i0 in range(0, X.shape[0], rows):
        yield (np.asarray(X[i0:i0 + rows], dtype=np.float64),
               None if sw is None else np.asarray(sw[i0:i0 + rows], dtype=np.float64))


def feature_gram(obj, max_rows=None):
    """``A = X~^T S X~ / sum(s)`` (p x p, float64), from every ``step``-th row of X.

    ``step = ceil(n / max_rows)`` (every row when ``max_rows`` is None or at
    least n): A is only a preconditioner, and the mean of outer products over
    a strided sample of tens of thousands of rows is as good as the full one
    at a fraction of the cost.  Row blocks, no copy of X (a block of a strided
    or float32 X is copied, ``ROW_BLOCK_BYTES`` at most).  One pass over X.
    BLAS may use the objective's threads here: one large syrk-like product
    per block, not a kernel inside OpenMP threads.
    """
    X, sw = obj.X, obj.sample_weight
    n, d = X.shape
    p = obj.coef_shape[1]
    step = 1 if max_rows is None or max_rows >= n else -(-n // max_rows)
    if step > 1:
        X = X[::step]
        sw = None if sw is None else sw[::step]
    m = X.shape[0]
    weight_sum = float(m if sw is None else np.sum(sw, dtype=np.float64))
    A = np.zeros((p, p))
    colsum = np.zeros(d)
    threaded = obj.n_threads > 1 and 0.5 * m * p * p >= THREADED_GRAM_MULADDS
    with threadpool_limits(limits=obj.n_threads, user_api="blas") if threaded else nullcontext():
        for Xb, sb in _row_blocks(X, sw):
            if sb is None:
                A[:d, :d] += Xb.T @ Xb
                colsum += Xb.sum(axis=0)
            else:
                Ws = Xb * sb[:, None]
                A[:d, :d] += Xb.T @ Ws
                colsum += Ws.sum(axis=0)
    if p > d:  # the intercept's column of ones
        A[:d, d] = A[d, :d] = colsum
        A[d, d] = weight_sum
    if weight_sum > 0:
        A /= weight_sum
    return A


def feature_moments(obj):
    """Column mean squares and means of X, ``sum_i s_i x_ij^k / sum(s)`` for k = 2, 1.

    Two float64 arrays of shape (n_features,).  One pass over X (CSR: its
    nonzeros) in row chunks, with temporaries of a chunk's size and no copy
    of X.
    """
    X, sw = obj.X, obj.sample_weight
    n, d = X.shape
    second, mean = np.zeros(d), np.zeros(d)
    if obj.is_sparse:
        indptr = X.indptr
        # chunks of at least d nonzeros: each bincount writes d counts
        per_row = max(1, X.nnz // max(n, 1))
        rows = max(1, max(ROW_BLOCK_BYTES // 16, d) // per_row)
        for i0 in range(0, n, rows):
            i1 = min(n, i0 + rows)
            lo, hi = int(indptr[i0]), int(indptr[i1])
            v = np.asarray(X.data[lo:hi], dtype=np.float64)
            sv = v
            if sw is not None:
                sv = v * np.repeat(np.asarray(sw[i0:i1], dtype=np.float64),
                                   np.diff(indptr[i0:i1 + 1]))
            cols = X.indices[lo:hi]
            mean += np.bincount(cols, weights=sv, minlength=d)
            second += np.bincount(cols, weights=sv * v, minlength=d)
    else:
        for Xb, sb in _row_blocks(X, sw):
            sb = np.ones(Xb.shape[0]) if sb is None else sb
            mean += sb @ Xb
            second += sb @ np.square(Xb)   # a block-sized temporary; Xb may be a view of X
    return second / obj.weight_sum, mean / obj.weight_sum
