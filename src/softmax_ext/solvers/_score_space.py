"""The L1 model of proximal Newton with its Hessian never formed (score space).

The explicit working-set Hessian of ``prox_newton`` costs ``m^2`` doubles
(m = rows x (features + intercept)), which bounds the working set to a few
hundred features for ten classes: too few for text models that select
thousands, and on sparse X dearer per sweep than this model well before
(``prox_newton.explicit_is_cheaper``).  :class:`ScoreSpaceModel` minimises
the same model by coordinate descent in score space (docs/derivation.md 5.5):
each feature's coefficients of every row are one block, solved on its
R x R Hessian block from one read of the feature's column
(``_ext.cd.cd_l1_scores_blocks``; ``cd_l1_scores``, one coordinate at a time,
where the blocks would pass ``BLOCK_BYTES``).  The state is the step's scores
``U = X~ D`` (n x rows) and their probability-weighted row sums, so memory is
O(n K) plus one float64 CSC copy of the working set's columns and the blocks,
and a sweep costs O(nnz(X_ws) K) instead of O(m^2).
"""

import numpy as np
import scipy.sparse as sp

from .._ext import cd as _cd
from .._memory import available_bytes, format_bytes
from ..special import softmax
from ._base import max_abs

__all__ = ["ScoreSpaceModel", "score_space_bytes", "first_crossing"]

# Coordinate sweeps come in batches of this many, each followed by a
# conjugate-gradient Newton step on the current orthant while the model is not
# yet minimised (ScoreSpaceModel._orthant_cg); that step's most Hessian
# products.  Short batches: the sweeps only need to settle the zeros, CG
# does the rest (docs/derivation.md 5.5).
SWEEP_BATCH = 5
CG_MAX_ITER = 50
# The block kernel's Hessians (one R x R block per feature, R coefficient
# rows) stay within this many bytes; past it the sweeps are the coordinate
# kernel's, which holds no blocks.
BLOCK_BYTES = 256 * 2**20


def first_crossing(z, u, penalised):
    """How far an orthant step ``z + t u`` may go: ``(t, hit)``, the largest
    ``t <= 1`` before a penalised coordinate changes sign and that coordinate's
    index, or ``(1.0, None)`` when none does (``prox_newton.orthant_step`` and
    :meth:`ScoreSpaceModel._orthant_cg`)."""
    crossing = np.flatnonzero(penalised & (np.sign(z) * (z + u) < 0))
    if not crossing.size:
        return 1.0, None
    ratios = -z[crossing] / u[crossing]
    k = int(np.argmin(ratios))
    return float(ratios[k]), int(crossing[k])


def block_bytes(obj):
    """Bytes of the block kernel's Hessians for ``obj``: an R x R float64 block
    per feature and intercept (R coefficient rows)."""
    R, p = obj.coef_shape
    return 8 * p * R * R


def sweeps_by_blocks(obj):
    """Whether the model of ``obj`` sweeps by feature blocks (their Hessians
    within ``BLOCK_BYTES``) rather than by single coordinates."""
    return block_bytes(obj) <= BLOCK_BYTES


def score_space_bytes(obj):
    """Bytes a :class:`ScoreSpaceModel` of ``obj`` holds: the CSC copy of its X
    (8-byte values and rows), the probabilities (all classes and the rows'),
    U, T, the weights, and the Hessian blocks when within ``BLOCK_BYTES``."""
    X = obj.X
    nnz = X.nnz if sp.issparse(X) else X.shape[0] * X.shape[1]
    n, K = obj.n_samples, obj.n_classes
    rows = obj.coef_shape[0]
    blocks = block_bytes(obj) if sweeps_by_blocks(obj) else 0
    return 16 * nnz + 8 * n * (K + 2 * rows + 2) + 8 * (X.shape[1] + 1) + blocks


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
        self.obj = obj
        # sweeps by feature blocks (each feature's coefficients of every row
        # at once) where their Hessians fit, by single coordinates otherwise
        self.by_blocks = sweeps_by_blocks(obj)

    def step(self, Z, g, x, lam, tol, max_sweeps):
        """The model's minimiser ``d`` (flat float64) at the scores ``Z`` (n, K),
        gradient ``g`` and coefficients ``x``, to ``tol`` in ``max_sweeps`` sweeps.

        The sweeps come in batches of ``SWEEP_BATCH``; after each batch that
        leaves the model unsolved, one conjugate-gradient Newton step on the
        orthant of ``x + d`` (:meth:`_orthant_cg`): coordinate descent decides
        the zeros, CG does what it does slowly where H is ill-conditioned (the
        score-space analogue of ``prox_newton.orthant_step``).
        """
        Z = np.asarray(Z, dtype=np.float64)
        P = np.ascontiguousarray(softmax(Z))
        Pc = np.ascontiguousarray(P[:, self.classes])
        g = np.ascontiguousarray(g, dtype=np.float64)
        x = np.ascontiguousarray(x, dtype=np.float64)
        m = x.size
        d = np.zeros(m)
        U = np.zeros((self.n_samples, self.classes.size))
        T = np.zeros(self.n_samples)
        hessp, diagonal = None, None
        B = (_cd.scores_blocks(self.data, self.indices, self.indptr, self.s, Pc, self.c,
                               self.intercept) if self.by_blocks else None)
        coords = None if B is not None else np.arange(m, dtype=np.int64)
        batch = max(1, min(SWEEP_BATCH, max_sweeps))
        for _ in range(max(1, max_sweeps // batch)):
            if B is not None:
                sweeps, _change = _cd.cd_l1_scores_blocks(
                    self.data, self.indices, self.indptr, self.s, Pc, B, g, x, lam, self.c, d,
                    U, T, self.intercept, batch, tol)
            else:
                sweeps, _change = _cd.cd_l1_scores(
                    self.data, self.indices, self.indptr, self.s, P, self.classes, g, x, lam,
                    self.c, coords, d, U, T, self.intercept, batch, tol)
            if sweeps < batch:  # converged: the last full sweep moved less than tol
                break
            if hessp is None:
                hessp = self.obj.hessp(x.reshape(self.obj.coef_shape), scores=Z)
                # the blocks hold H's diagonal already (flat r * p + j)
                diagonal = (self._diagonal(Pc) if B is None else
                            np.ascontiguousarray(np.diagonal(B, axis1=1, axis2=2).T).ravel())
            if not self._orthant_cg(hessp, diagonal, g, x, lam, d, tol):
                break
            U[:] = np.asarray(self.obj.scores(d.reshape(self.obj.coef_shape)),
                              dtype=np.float64)[:, self.classes]
            T[:] = np.einsum("ir,ir->i", Pc, U)
        return d

    def _diagonal(self, Pc):
        """The model Hessian's diagonal (flat): ``sum_i s_i x_ij^2 p_ik (1 - p_ik)``
        per coefficient, plus the penalty's; the CG preconditioner when the model
        holds no blocks."""
        W = self.s[:, None] * Pc * (1.0 - Pc)  # (n, R)
        ncols = self.indptr.size - 1
        squares = sp.csc_matrix((self.data ** 2, self.indices, self.indptr),
                                shape=(self.n_samples, ncols))
        D = np.asarray(squares.T @ W).T  # (R, ncols)
        if self.intercept:
            D = np.column_stack([D, W.sum(axis=0)])
        return D.ravel() + self.c

    @staticmethod
    def _orthant_cg(hessp, diagonal, g, x, lam, d, tol):
        """One Newton step of the model on the orthant of ``x + d``, in place.

        On A, the coordinates that are non-zero (or unpenalised), the model is
        a smooth quadratic with gradient ``r = g + H d + lam sign(x + d)``
        while no sign changes: preconditioned CG (diagonal of H, products
        from ``hessp``) on ``H_AA u = -r_A`` to ``max |residual| <= tol`` or
        ``CG_MAX_ITER`` products.  A CG iterate minimises the model over its
        Krylov space, so the model decreases along it up to t = 1: where no
        penalised coefficient changes sign the step is u; otherwise the
        better (by the model's value, one more product) of u with the
        coefficients that change sign projected to zero (several zeros at
        once, as an orthant-wise method does) and u cut at the first of them.
        A zero lands exactly on zero.  Returns False when A is empty or the
        model is already minimised on it.
        """
        z = x + d
        A = (z != 0) | (lam == 0)
        if not A.any():
            return False
        Hd = np.asarray(hessp(d), dtype=np.float64)
        r = np.where(A, g + Hd + lam * np.sign(z), 0.0)
        if max_abs(r) <= tol:
            return False
        inv = np.where(A, 1.0 / np.where(diagonal > 0, diagonal, 1.0), 0.0)
        u, Hu = np.zeros_like(d), np.zeros_like(d)
        res = -r
        y = inv * res
        p = y.copy()
        ry = float(res @ y)
        for _ in range(CG_MAX_ITER):
            Hp = np.asarray(hessp(p), dtype=np.float64)
            Hp_A = np.where(A, Hp, 0.0)
            curvature = float(p @ Hp_A)
            if not curvature > 0:
                break
            alpha = ry / curvature
            u += alpha * p
            Hu += alpha * Hp
            res -= alpha * Hp_A
            if max_abs(res) <= tol:
                break
            y = inv * res
            ry, ry_old = float(res @ y), ry
            p = y + (ry / ry_old) * p
        penalised = A & (lam > 0)
        t, hit = first_crossing(z, u, penalised)
        if hit is None:
            d += u
            return True
        crossed = penalised & (np.sign(z) * (z + u) <= 0)
        projected = np.where(crossed, -x, d + u)
        cut = d + t * u
        cut[hit] = -x[hit]

        def model(step, H_step):
            return float(g @ step + 0.5 * (step @ H_step) + lam @ np.abs(x + step))

        better = (model(projected, np.asarray(hessp(projected), dtype=np.float64))
                  < model(cut, Hd + t * Hu))
        d[:] = projected if better else cut
        return True
