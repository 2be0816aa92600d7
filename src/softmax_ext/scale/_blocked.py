"""BlockedLoss: the multinomial objective as a sum over row blocks.

The objective, its gradient, Hessian products and Hessian are sums over rows.
``BlockedLoss`` keeps no X of its own: a *block map* (``LocalBlocks`` for a
memory-mapped X on this machine, ``softmax_ext.dask.DaskBlocks`` for chunks
persisted on Dask workers) runs one task of ``_tasks.py`` on every block and
returns the sum of the results; this class adds the normalisation by
``sum(s)``, the penalty and the pass counting, with the interface of
:class:`~softmax_ext.objective.MultinomialLoss`, so every smooth solver of
``solvers/`` runs on it unchanged.

Scores are :class:`LinearScores` (the coefficients they are the scores of):
the client holds O(d K) per score vector, never (n, K).  A line-search trial
is then one pass over X (the fused loss and gradient at the trial point), and
the accepted trial's gradient is the next iteration's, from a cache: an
iteration that accepts its first trial costs one pass over X, as many as the
in-memory objective's backward pass alone.
"""

import numpy as np

from ..objective._layout import check_coef, like
from ..objective._penalty import Penalty, check_l2
from . import _tasks
from ._scores import LinearScores

__all__ = ["BlockedLoss"]

_CACHE = 4   # loss/gradient evaluations kept (the trial, the step, the previous iterate)


class BlockedLoss:
    """Multinomial cross-entropy with L2 penalty over X held in row blocks.

    Parameters
    ----------
    blocks : block map
        Has ``n_samples``, ``n_features``, ``dtype``, ``weight_sum``,
        ``n_threads`` and ``map_reduce(task, *args)``, which runs
        ``task(block, *args)`` on every block objective and returns the sum
        (``_tasks.add``) of the results; optionally ``is_sparse`` (some
        block is sparse; default False) and ``nnz`` (the values a pass
        reads; default ``n_samples * n_features``).
    n_classes : int
    l2 : float, default 0.0
    fit_intercept : bool, default True

    Attributes
    ----------
    coef_shape, symmetric, regularizer, n_passes_over_X, is_sparse, nnz
        As in :class:`~softmax_ext.objective.MultinomialLoss` (``is_sparse``:
        some block is sparse, so the solver choice and the preconditioner
        treat X as sparse).
    lazy_scores : bool
        True: :meth:`scores` returns :class:`LinearScores`, not arrays.
    """

    symmetric = True
    lazy_scores = True
    X = y = sample_weight = None

    def __init__(self, blocks, *, n_classes, l2=0.0, fit_intercept=True):
        check_l2(l2)
        self.blocks = blocks
        self.n_samples, self.n_features = int(blocks.n_samples), int(blocks.n_features)
        self.n_classes = int(n_classes)
        self.dtype = np.dtype(blocks.dtype).type
        self.weight_sum = float(blocks.weight_sum)
        if not self.weight_sum > 0:
            raise ValueError("The sample weights sum to zero: the objective is undefined.")
        self.n_threads = blocks.n_threads
        self.is_sparse = bool(getattr(blocks, "is_sparse", False))
        self.nnz = int(getattr(blocks, "nnz", self.n_samples * self.n_features))
        self.l2, self.fit_intercept = float(l2), bool(fit_intercept)
        d = self.n_features
        self.coef_shape = (self.n_classes, d + 1 if self.fit_intercept else d)
        self.regularizer = Penalty(self.l2, d, self.coef_shape[1])
        # the Hessian is the sum of the blocks' (K p)^2 matrices
        self.assembled_hessian_size = self.coef_shape[0] * self.coef_shape[1]
        self.n_passes_over_X = 0
        self._cache = {}
        # the rows of the n x K arrays a solver's work holds in this process at
        # once: one local block's (LinearScores stand for the full scores), none
        # when the blocks live on Dask workers
        self.scores_rows = int(getattr(blocks, "max_block_rows", 0))

    # ----- helpers (as MultinomialLoss) -------------------------------------
    def init_coef(self):
        """Zero coefficients of ``coef_shape`` and the dtype of X."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def _check_coef(self, coef, name="coef"):
        return check_coef(coef, self.coef_shape, dtype=self.dtype, name=name)

    def _coef_of(self, Z):
        if not isinstance(Z, LinearScores) or Z.owner is not self:
            raise TypeError("Z must be the LinearScores of this objective (from scores()), "
                            f"got {type(Z).__name__}.")
        return Z.coef

    def _run(self, task, *args, passes=1):
        self.n_passes_over_X += passes
        return self.blocks.map_reduce(task, *args)

    def _data_loss_gradient(self, coef):
        """Unnormalised ``(loss, grad)`` at ``coef`` (X's dtype), cached: one pass."""
        coef = self._check_coef(coef)
        key = coef.tobytes()
        if key not in self._cache:
            if len(self._cache) >= _CACHE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = self._run(_tasks.loss_gradient_task, coef)
        return self._cache[key]

    def _normalised(self, data, grad, coef):
        grad = np.asarray(grad, dtype=np.float64) / self.weight_sum
        self.regularizer.add_gradient(coef, grad)
        return data / self.weight_sum + self.regularizer.value(coef), grad

    def penalty(self, coef):
        """``(l2 / 2) ||W||_F^2`` in double (intercepts excluded)."""
        return 0.0 if self.l2 == 0.0 else self.regularizer.value(self._check_coef(coef))

    def null_columns(self):
        """As :meth:`MultinomialLoss.null_columns`."""
        if self.n_classes < 2:
            return np.arange(0)
        return self.regularizer.unpenalised_columns()

    def center(self, flat):
        """As :meth:`MultinomialLoss.center`."""
        cols = self.null_columns()
        if cols.size == 0:
            return flat
        M = flat.reshape(self.coef_shape).copy()
        M[:, cols] -= M[:, cols].mean(axis=0)
        return M.ravel()

    # ----- loss and gradient ------------------------------------------------
    def loss(self, coef):
        """Objective value at ``coef`` (one pass over X)."""
        coef = self._check_coef(coef)
        data = self._run(_tasks.loss_task, coef)
        return data / self.weight_sum + self.regularizer.value(coef)

    def loss_gradient(self, coef):
        """Objective and gradient at ``coef`` (one pass over X, none when cached)."""
        given = coef
        coef = self._check_coef(coef)
        data, grad = self._data_loss_gradient(coef)
        loss, grad = self._normalised(data, grad, coef)
        return loss, like(given, grad, self.dtype)

    def gradient(self, coef):
        """Gradient at ``coef``, shape and dtype of coef."""
        return self.loss_gradient(coef)[1]

    # ----- score space --------------------------------------------------------
    def scores(self, coef):
        """The :class:`LinearScores` of ``coef``: no pass over X, O(d K)."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.coef_shape)
        return LinearScores(coef.copy(), self)

    def loss_scores(self, Z, coef):
        """Objective from scores ``Z`` (data term) and ``coef`` (penalty): one pass."""
        coef = self._check_coef(coef)
        data = self._run(_tasks.loss_task, self._check_coef(self._coef_of(Z)))
        return data / self.weight_sum + self.regularizer.value(coef)

    def loss_gradient_scores(self, Z, coef):
        """Objective and gradient at the scores ``Z``: one pass (none when cached)."""
        coef = self._check_coef(coef)
        data, grad = self._data_loss_gradient(self._coef_of(Z))
        loss, grad = self._normalised(data, grad, coef)
        return loss, grad.astype(self.dtype, copy=False)

    def loss_slope_scores(self, Z, XD, t, coef, D):
        """Objective at ``coef + t D`` and its ``t``-derivative: one pass over X.

        The point is formed as ``Z + t XD`` forms it (``LinearScores``), so the
        step the search accepts finds its gradient in the cache.
        """
        coef = np.asarray(coef, dtype=np.float64).reshape(self.coef_shape)
        D = np.asarray(D, dtype=np.float64).reshape(self.coef_shape)
        at = self._coef_of(Z) + self._coef_of(XD) * float(t)
        data, grad = self._data_loss_gradient(at)
        pen, pen_slope = self.regularizer.along_line(coef, D, t)
        slope = float(np.dot(np.asarray(grad).ravel(), self._coef_of(XD).ravel()))
        return data / self.weight_sum + pen, slope / self.weight_sum + pen_slope

    def probability_gram(self, coef):
        """``P^T S P / sum(s)``-free sum (K x K, float64) at ``coef``: one pass."""
        return self._run(_tasks.probability_gram_task, self._check_coef(coef))

    # ----- second order -------------------------------------------------------
    def hessian(self, coef):
        """Full Hessian (m, m), float64, in the order of ``coef.ravel()``."""
        from ..objective import _kernels
        coef = self._check_coef(coef)
        H = self._run(_tasks.hessian_task, coef, passes=_kernels.hessian_passes(self))
        H = H / self.weight_sum
        return self.regularizer.add_hessian(H)

    def hessp(self, coef, scores=None):
        """``v -> H v`` at ``coef``; each product is one pass over X (the
        probabilities are recomputed block by block, not kept: they are n K)."""
        coef = self._check_coef(coef)

        def product(v):
            given = v
            v = self._check_coef(v, name="v")
            Hv = np.asarray(self._run(_tasks.hessp_task, coef, v), dtype=np.float64)
            Hv /= self.weight_sum
            self.regularizer.add_hessp(v, Hv)
            return like(given, Hv, self.dtype)

        return product

    # ----- what the preconditioner needs --------------------------------------
    def feature_gram(self, max_rows=None):
        """``A = X~^T S X~ / sum(s)`` (p x p, float64) from every ``ceil(n / max_rows)``-th
        row of X (every row when ``max_rows`` is None or at least n); one pass over X."""
        n = self.n_samples
        step = 1 if max_rows is None or max_rows >= n else -(-n // max_rows)
        A, weight = self._run(_tasks.gram_task, step)
        return A / weight if weight > 0 else A

    def feature_moments(self):
        """Column mean squares and means of X (weighted); one pass over X."""
        second, mean = self._run(_tasks.moments_task)
        return second / self.weight_sum, mean / self.weight_sum
