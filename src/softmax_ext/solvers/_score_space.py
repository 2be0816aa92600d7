"""The L1 model of proximal Newton with its Hessian never formed (score space).

The explicit working-set Hessian of ``prox_newton`` costs ``m^2`` doubles
(m = rows x (features + intercept)), which bounds the working set to a few
hundred features for ten classes: too few for text models that select
thousands.  :class:`ScoreSpaceModel` minimises the same model by coordinate
descent in score space (``_ext.cd.cd_l1_scores``, docs/derivation.md 5.5):
each coordinate reads one column of X, and the state is the step's scores
``U = X~ D`` (n x rows) and their probability-weighted row sums, so memory is
O(n K) plus one float64 CSC copy of the working set's columns, and a sweep
costs O(nnz(X_ws) K) instead of O(m^2).
"""

import numpy as np
import scipy.sparse as sp

from .._ext import cd as _cd
from .._memory import available_bytes, format_bytes
from ..special import softmax

__all__ = ["ScoreSpaceModel", "score_space_bytes"]


def score_space_bytes(obj):
    """Bytes a :class:`ScoreSpaceModel` of ``obj`` holds: the CSC copy of its X
    (8-byte values and rows), the probabilities, U, T and the weights."""
    X = obj.X
    nnz = X.nnz if sp.issparse(X) else X.shape[0] * X.shape[1]
    n, K = obj.n_samples, obj.n_classes
    rows = obj.coef_shape[0]
    return 16 * nnz + 8 * n * (K + rows + 2) + 8 * (X.shape[1] + 1)


class ScoreSpaceModel:
    """The proximal Newton model of ``obj`` (a working set's objective) in score space.

    Built once per working set (it copies the columns into CSC); each
    :meth:`step` minimises ``g.d + d.H d / 2 + sum lam |x + d|`` for the
    Hessian ``H`` of ``obj`` at the scores ``Z``.

    Raises
    ------
    MemoryError
        Before the copy, when :func:`score_space_bytes` exceeds the available
        memory.
    """

    def __init__(self, obj):
        need, available = score_space_bytes(obj), available_bytes()
        if available is not None and need > available:
            raise MemoryError(
                f"The L1 fit's working set of {obj.n_features:,} features needs about "
                f"{format_bytes(need)} for its Hessian-free model, but only "
                f"{format_bytes(available)} is available: use a stronger penalty (a smaller C "
                "or a larger l1_ratio).")
        csc = sp.csc_matrix(obj.X, dtype=np.float64)
        self.data = np.ascontiguousarray(csc.data, dtype=np.float64)
        self.indices = np.ascontiguousarray(csc.indices, dtype=np.int64)
        self.indptr = np.ascontiguousarray(csc.indptr, dtype=np.int64)
        n = obj.n_samples
        sw = obj.sample_weight
        s = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
        self.s = np.ascontiguousarray(s / float(obj.weight_sum))
        # the class of each coefficient row: all of them, or the free ones of
        # a fixed-class objective (binary: class 1)
        self.classes = np.ascontiguousarray(
            getattr(obj, "free", np.arange(obj.coef_shape[0])), dtype=np.int64)
        # the penalty's Hessian is diagonal: its diagonal, flat
        ones = np.ones(obj.coef_shape)
        self.c = np.ascontiguousarray(
            obj.regularizer.add_hessp(ones, np.zeros(obj.coef_shape)).ravel(), dtype=np.float64)
        self.intercept = bool(obj.fit_intercept)
        self.n_samples = n

    def step(self, Z, g, x, lam, tol, max_sweeps):
        """The model's minimiser ``d`` (flat float64) at the scores ``Z`` (n, K),
        gradient ``g`` and coefficients ``x``, to ``tol`` in ``max_sweeps`` sweeps."""
        P = softmax(np.asarray(Z, dtype=np.float64))
        m = x.size
        d = np.zeros(m)
        U = np.zeros((self.n_samples, self.classes.size))
        T = np.zeros(self.n_samples)
        _cd.cd_l1_scores(self.data, self.indices, self.indptr, self.s, np.ascontiguousarray(P),
                         self.classes, np.ascontiguousarray(g, dtype=np.float64),
                         np.ascontiguousarray(x, dtype=np.float64), lam, self.c,
                         np.arange(m, dtype=np.int64), d, U, T, self.intercept, max_sweeps, tol)
        return d
