"""NumPy passes over X that statistical inference needs after a fit.

The score outer product of the HC0 sandwich and the numerical rank of the
design.  Called through :meth:`MultinomialLoss.score_outer` and
:meth:`MultinomialLoss.design_rank`, which count the pass: inference asks
the objective for them and never reads X itself (so an objective over row
blocks of a file answers them the same way).  Row blocks of ``[X, 1]`` in
float64, block temporaries only.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.special import log_softmax

# Elements of a float64 block temporary (rows x width) in these passes.
_BLOCK_ELEMENTS = 1 << 20


def _row_blocks(n, width):
    step = max(256, _BLOCK_ELEMENTS // max(1, width))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _design_block(X, start, stop, fit_intercept):
    """Rows [start, stop) of ``[X, 1]`` (or of X) as a float64 block."""
    Xb = X[start:stop]
    Xb = Xb.toarray() if sp.issparse(Xb) else np.asarray(Xb)
    if fit_intercept:
        out = np.empty((Xb.shape[0], Xb.shape[1] + 1))
        out[:, :-1] = Xb
        out[:, -1] = 1.0
        return out
    return Xb.astype(np.float64, copy=False)


def _block_weights(sw, start, stop):
    return None if sw is None else np.asarray(sw[start:stop], dtype=np.float64)


def score_outer(obj, full, free):
    """``M = sum_i s_i g_i g_i^T``, g_i the score of the classes ``free`` at ``full``.

    ``g_i = (e_{y_i} - p_i)[free] kron x~_i``, flattened in the C order of
    ``(len(free), p)``; ``full`` is the ``(K, p)`` float64 coefficients.
    """
    X, y, sw = obj.X, obj.y, obj.sample_weight
    n, p = X.shape[0], full.shape[1]
    m = len(free) * p
    M = np.zeros((m, m))
    for start, stop in _row_blocks(n, m):
        B = _design_block(X, start, stop, obj.fit_intercept)
        R = -np.exp(log_softmax(B @ full.T, axis=1))
        R[np.arange(stop - start), y[start:stop]] += 1.0
        G = (R[:, free, None] * B[:, None, :]).reshape(stop - start, m)
        s = _block_weights(sw, start, stop)
        M += (G if s is None else G * s[:, None]).T @ G
    return M


def design_rank(obj):
    """Numerical rank of ``diag(sqrt(s)) [X, 1]``, by a QR over row blocks.

    The tolerance of ``numpy.linalg.matrix_rank`` on the full matrix:
    singular values above ``sigma_max * max(n, p) * eps`` count.  Rows of
    zero weight do not count.
    """
    X, sw = obj.X, obj.sample_weight
    n, p = X.shape[0], obj.coef_shape[1]
    R = np.zeros((0, p))
    n_rows = 0
    for start, stop in _row_blocks(n, p):
        B = _design_block(X, start, stop, obj.fit_intercept)
        s = _block_weights(sw, start, stop)
        if s is not None:
            keep = s > 0
            B = B[keep] * np.sqrt(s[keep])[:, None]
        n_rows += B.shape[0]
        R = scipy.linalg.qr(np.vstack([R, B]), mode="r", check_finite=False)[0][:p]
    if n_rows == 0:
        return 0
    sv = scipy.linalg.svdvals(R, check_finite=False)
    if sv.size == 0 or sv[0] == 0:
        return 0
    return int(np.sum(sv > sv[0] * max(n_rows, p) * np.finfo(np.float64).eps))
