"""Proximal Newton with working sets for L1 / elastic-net penalised objectives.

Minimises the composite objective

    F(coef) = f(coef) + l1 * ||W||_1

where ``f`` is the smooth objective of :mod:`softmax_ext.objective` (the data
term plus its L2 penalty) and ``W`` the weights (the intercept column is not
penalised).  Three nested loops, as in glmnet and skglm:

- **Working sets** (outer): the features with a non-zero coefficient in some
  class, plus the features whose optimality violation is largest, at least
  ``WS_GROWTH`` times as many as the support; the subproblem restricted to them is an
  objective on those columns of X (``objective.restrict``), whose scores are the
  full problem's because every other coefficient is zero.  After each
  subproblem one backward pass over the full X gives the gradient of every
  feature and so the next working set; the run ends when the full problem is
  optimal.
- **Proximal Newton** (middle) on the subproblem: the quadratic model of f
  from the objective's Hessian (explicit: the working set keeps it small;
  on a random subset of the rows when X is tall, :func:`hessian_rows`),
  minimised with the L1 term by coordinate descent, then a backtracking line
  search on F in score space (each trial O(n K), no pass over X).
- **Coordinate descent** (inner, C kernel ``_ext.cd.cd_l1``): cyclic sweeps
  with glmnet's active-set scheme, to a forcing tolerance that tightens with
  the outer violation; between batches of sweeps, Newton steps on the
  support's orthant (:func:`orthant_step`), which finish what the sweeps
  leave where H is ill-conditioned.

Stopping rule: ``max |v| <= tol`` with ``v`` the minimum-norm subgradient of
F (``min_norm_subgradient``), the composite analogue of ``max|grad| <= tol``
(``docs/derivation.md``, "L1 optimality").
"""

import numpy as np
import scipy.sparse as sp
from scipy.linalg import cho_factor, cho_solve

from .._ext import cd as _cd
from ..objective._penalty import set_objective_l2
from ._base import (Monitor, SolverResult, check_separable, in_dtype, loss_grad_at, max_abs,
                    warn_not_converged)
from ._newton import curvature_rows
from ._score_space import ScoreSpaceModel, first_crossing
from ._path_cache import PathCache
from ._state import start_point

__all__ = ["prox_newton", "min_norm_subgradient", "l1_weights", "L1", "GroupL1"]

# Backtracking: sufficient decrease (Armijo on the composite model decrease)
# and the most halvings of the step before the direction is given up.
ARMIJO = 1e-4
MAX_HALVINGS = 40
# Coordinate descent: sweeps per model, and its tolerance as a share of the
# current optimality violation (an inexact Newton forcing term).
MAX_SWEEPS = 200
CD_FORCING = 0.1
# Coordinate sweeps come in this many batches, each followed by a Newton step
# on the current orthant (orthant_step) when the model is not yet minimised;
# that step's relative damping, the most coordinates it solves for, and the
# most coefficients it zeroes (one Cholesky factorisation each).
ORTHANT_ROUNDS = 8
ORTHANT_DAMPING = 1e-10
ORTHANT_MAX = 3000
ORTHANT_DROPS = 8
# The explicit model's Hessian serves the next step too (keep_hessian) after a
# full step that cut the violation by at least this factor, for at most this
# many steps in all, where its assembly costs at least this many steps'
# passes (n_H m^2 against ~4 n m flops: n_H m / (4 n), m coefficients, n_H
# of the n rows); a cheaper one is rebuilt every step.
HESSIAN_REUSE_GAIN = 4.0
HESSIAN_REUSE_STEPS = 10
HESSIAN_REUSE_COST = 20.0
# Working sets: the subproblem is solved to this share of the full problem's
# violation (never below tol), holds at least this many features, and this
# many times the support (docs/derivation.md 5.5 compares 4 with 2).
WS_FORCING = 0.3
WS_MIN_FEATURES = 10
WS_GROWTH = 4
# With the L1 penalty (which has the score-space model) the working set's model
# is the explicit one only while an explicit sweep costs at most this many
# score-space sweeps (explicit_is_cheaper): on text-like CSR the score-space
# model is the cheaper one from a few hundred coefficients on.
EXPLICIT_SWEEP_SHARE = 2.0
# The working set's explicit Hessian (and its copy for the kernel) stays
# within this many bytes; a larger working set (L1 only) gets the Hessian-free
# model of _score_space.py, so this bounds the explicit model, not the support.
WS_HESSIAN_BYTES = 512 * 2**20
# The quadratic model's Hessian comes from a random subset of at least this
# many rows, and this many per coefficient of the working set, when X has at
# least twice as many (the gradient, the line search and the stopping rule
# stay exact: only the model is sub-sampled; docs/derivation.md 5.5).
HESSIAN_ROWS = 10_000
HESSIAN_ROWS_PER_COEF = 5
# Twice the rows in a fit of a path (``cache``): its last Hessian serves the
# next fit's first steps (ModelCache), where a closer model pays more than
# within one fit (docs/derivation.md 5.5).
PATH_HESSIAN_ROWS_PER_COEF = 10


def l1_weights(objective, l1):
    """Per-coefficient L1 strength, flat in the order of ``coef.ravel()``: ``l1`` on the
    weights, on the intercept column ``l1`` times the penalty's intercept factor
    (0: unpenalised; ``1 / intercept_scaling`` for liblinear's penalty)."""
    lam = np.full(objective.coef_shape, float(l1))
    if objective.fit_intercept:
        lam[:, -1] = float(l1) * objective.regularizer.intercept_l1_factor
    return lam.ravel()


def l1_coef(obj, x):
    """The coefficients of an L1 fit from the flat iterate ``x``: a copy of ``coef_shape``
    with the intercepts centred over the classes (the one direction the L1 term
    leaves invariant in the symmetric parametrisation)."""
    coef = np.asarray(x, dtype=np.float64).reshape(obj.coef_shape).copy()
    if obj.fit_intercept and obj.symmetric and obj.n_classes > 1:
        coef[:, -1] -= coef[:, -1].mean()
    return coef


def min_norm_subgradient(x, g, lam):
    """The element of the subdifferential of ``f + sum lam |x|`` nearest to 0.

    ``g + lam sign(x)`` where ``x != 0``; ``sign(g) max(|g| - lam, 0)``
    where ``x == 0`` (``g`` itself where ``lam == 0``).  Zero exactly at a
    minimiser of the composite objective.
    """
    shrunk = np.sign(g) * np.maximum(np.abs(g) - lam, 0.0)
    return np.where(x != 0, g + lam * np.sign(x), shrunk)


class L1:
    """``l1 * ||W||_1``: every weight on its own (scikit-learn's penalty)."""

    def __init__(self, objective, l1):
        self.l1 = float(l1)
        self.lam = l1_weights(objective, l1)

    def value(self, x):
        return float(np.dot(self.lam, np.abs(x)))

    def change(self, x, d):
        """``value(x + d) - value(x)``, summed entry by entry: a difference of two
        norms would drown the last iterations' decrease in rounding error."""
        return float(np.dot(self.lam, np.abs(x + d) - np.abs(x)))

    def subgradient(self, x, g):
        return min_norm_subgradient(x, g, self.lam)

    def model_step(self, H, g, x, tol):
        """Minimise the model ``g.d + d.H d / 2 + sum lam |x + d|`` to ``tol``: CD
        sweeps, each batch followed by an orthant Newton step (:func:`orthant_step`)
        while the model is not yet minimised."""
        m = x.size
        d, Hd = np.zeros(m), np.zeros(m)
        coords = np.arange(m, dtype=np.int64)
        for _ in range(ORTHANT_ROUNDS):
            _cd.cd_l1(H, g, x, self.lam, coords, d, Hd, MAX_SWEEPS // ORTHANT_ROUNDS, tol)
            if max_abs(min_norm_subgradient(x + d, g + Hd, self.lam)) <= tol:
                break
            if not orthant_step(H, g, x, self.lam, d, Hd):
                break
        return d

    def for_objective(self, objective):
        return type(self)(objective, self.l1)


class GroupL1(L1):
    """``l1 * sum_j ||W[:, j]||_2``: a feature's coefficients in every class as one
    group, selected for all classes or for none (glmnet's grouped multinomial)."""

    def __init__(self, objective, l1):
        super().__init__(objective, l1)
        K, p = objective.coef_shape
        flat = np.arange(K * p).reshape(K, p)
        self.groups = np.ascontiguousarray(flat[:, :objective.n_features].T, dtype=np.int64)
        self.free = (flat[:, -1].astype(np.int64) if objective.fit_intercept
                     else np.zeros(0, dtype=np.int64))

    def _norms(self, x):
        return np.sqrt(np.sum(x[self.groups] ** 2, axis=1))

    def value(self, x):
        return self.l1 * float(np.sum(self._norms(x)))

    def change(self, x, d):
        return self.l1 * float(np.sum(self._norms(x + d) - self._norms(x)))

    def subgradient(self, x, g):
        v = g.copy()
        if self.groups.size == 0:
            return v
        xg, gg = x[self.groups], g[self.groups]
        nx, ng = self._norms(x), np.sqrt(np.sum(gg ** 2, axis=1))
        on = nx > 0
        vg = np.empty_like(gg)
        vg[on] = gg[on] + self.l1 * xg[on] / nx[on, None]
        shrink = np.maximum(0.0, 1.0 - self.l1 / np.where(ng > 0, ng, np.inf))
        vg[~on] = gg[~on] * shrink[~on, None]
        v[self.groups] = vg
        return v

    def model_step(self, H, g, x, tol):
        m = x.size
        d, Hd = np.zeros(m), np.zeros(m)
        blocks = H[self.groups[:, :, None], self.groups[:, None, :]]
        lipschitz = (np.linalg.eigvalsh(blocks)[:, -1] if blocks.size
                     else np.zeros(0))
        glam = np.full(self.groups.shape[0], self.l1)
        _cd.cd_group(H, g, x, self.groups, glam, np.maximum(lipschitz, 0.0), self.free, d, Hd,
                     MAX_SWEEPS, tol)
        return d


PENALTIES = {"l1": L1, "group": GroupL1}


def orthant_step(H, g, x, lam, d, Hd):
    """Newton steps of the L1 model on the orthant of ``x + d``, in place.

    On the coordinates A that are non-zero (or unpenalised) the model is a
    smooth quadratic while no sign changes, with gradient
    ``r = g + H d + lam sign(x + d)``: a step solves
    ``(H_AA + ORTHANT_DAMPING diag(H_AA)) u = -r_A`` (the damping keeps the
    null directions of the multinomial Hessian finite) and goes along u up to
    the first coefficient that reaches zero; that one is set to exactly zero
    and leaves A, and the next step solves on the smaller A, until a full
    step stays in the orthant or ``ORTHANT_DROPS`` coefficients have left
    (an active-set method on the support; the model decreases at every
    step).  The coordinate sweeps, which decide the zeros, converge slowly
    where H is ill-conditioned and stop short of the model's minimiser (the
    outer iteration then turns linear): these steps finish the job on the
    support.  Returns False (nothing done) when A is empty or over
    ``ORTHANT_MAX``.

    One Cholesky factorisation of the first A serves every step: a step on
    A minus the dropped set P is the step on A with ``u_P = 0`` imposed,
    ``u = u0 - B S^-1 u0_P`` with ``u0`` the unconstrained step,
    ``B = H_AA^-1 E_P`` and ``S = B_P`` (the bordered system, a range-space
    active-set update): a drop costs two triangular solves, not a new
    factorisation.
    """
    A = np.flatnonzero((x + d != 0) | (lam == 0))
    if A.size == 0 or A.size > ORTHANT_MAX:
        return False
    H_A = H[:, A]  # the columns every step's H d update reads, copied once
    H_AA = H_A[A]
    H_AA[np.diag_indices(A.size)] *= 1.0 + ORTHANT_DAMPING
    try:
        factor = cho_factor(H_AA, check_finite=False)
    except np.linalg.LinAlgError:
        return True
    del H_AA
    penalised = lam[A] > 0
    dropped, B = [], np.empty((A.size, 0))
    for _ in range(ORTHANT_DROPS + 1):
        z = x[A] + d[A]
        sign = np.sign(z)
        u = -cho_solve(factor, g[A] + Hd[A] + lam[A] * sign, check_finite=False)
        if dropped:
            u -= B @ np.linalg.solve(B[dropped], u[dropped])
            u[dropped] = 0.0  # exactly: they stay at zero
        t, hit = first_crossing(z, u, penalised)
        d[A] += t * u
        Hd += H_A @ (t * u)
        if hit is None:
            break
        # exactly zero, whatever the rounding of z + t u (H d follows the change)
        j = A[hit]
        Hd += H_A[:, hit] * (-x[j] - d[j])
        d[j] = -x[j]
        dropped.append(hit)
        if len(dropped) == A.size:
            break
        e = np.zeros(A.size)
        e[hit] = 1.0
        B = np.column_stack([B, cho_solve(factor, e, check_finite=False)])
    return True


def hessian_rows(objective, n_coef, path=False):
    """Rows for the quadratic model's Hessian of a working set with ``n_coef``
    coefficients: ``_newton.curvature_rows`` with at least ``HESSIAN_ROWS`` and
    ``HESSIAN_ROWS_PER_COEF * n_coef`` rows (``PATH_HESSIAN_ROWS_PER_COEF`` in a
    fit of a ``path``), or None (every row) when that leaves more than half of
    them."""
    per_coef = PATH_HESSIAN_ROWS_PER_COEF if path else HESSIAN_ROWS_PER_COEF
    return curvature_rows(objective, n_coef, HESSIAN_ROWS, per_coef)


def _columns(objective, features):
    """Flat indices of the coefficients of ``features`` (and the intercept) in ``coef.ravel()``."""
    K, p = objective.coef_shape
    cols = np.asarray(features, dtype=np.int64)
    if objective.fit_intercept:
        cols = np.append(cols, p - 1)
    return (np.arange(K)[:, None] * p + cols[None, :]).ravel()


class _Composite:
    """F = f + penalty on one objective, with the scores of the current iterate."""

    def __init__(self, obj, penalty, x, Z, f, g, hess_obj=None):
        self.obj, self.penalty = obj, penalty
        self.x, self.Z, self.f, self.g = x, Z, f, g
        self.hess_obj = obj if hess_obj is None else hess_obj
        # the Hessian-free model of a working set too large for an explicit H
        self.score_model = None
        # the explicit model's Hessian, the steps it has served, and whether
        # the next step may reuse it (keep_hessian)
        self.H, self.hessian_age, self.reuse = None, 0, False

    def set_hessian_source(self, hess_obj):
        """The objective (rows) the model's Hessian comes from; a new one drops the kept H."""
        if hess_obj is not self.hess_obj:
            self.hess_obj, self.H = hess_obj, None

    @property
    def hessian_dear(self):
        """Whether assembling the model's Hessian costs HESSIAN_REUSE_COST steps or more."""
        ratio = self.hess_obj.n_samples * self.x.size / (4.0 * self.obj.n_samples)
        return ratio >= HESSIAN_REUSE_COST

    @property
    def F(self):
        return self.f + self.penalty.value(self.x)

    def subgradient(self):
        return self.penalty.subgradient(self.x, self.g)

    def violation(self):
        return max_abs(self.subgradient())

    def newton_step(self, cd_tol):
        """Minimise the quadratic model plus the penalty: ``(d, predicted decrease)``."""
        if self.score_model is not None:
            d = self.score_model.step(self.Z, self.g, self.x, self.penalty.lam, cd_tol,
                                      MAX_SWEEPS)
        else:
            if self.H is None or not self.reuse:
                self.H = np.ascontiguousarray(
                    self.hess_obj.hessian(self.x.reshape(self.obj.coef_shape)),
                    dtype=np.float64)
                self.hessian_age = 0
            self.hessian_age += 1
            d = self.penalty.model_step(self.H, self.g, self.x, cd_tol)
        d = in_dtype(self.obj, d)
        return d, float(np.dot(self.g, d)) + self.penalty.change(self.x, d)

    @property
    def stale(self):
        """Whether the last step's model used a Hessian from an earlier iterate."""
        return self.score_model is None and self.hessian_age > 1

    def keep_hessian(self, t, v_before, v_after):
        """Decide whether the next step reuses this step's Hessian (a lazy
        Hessian, docs/derivation.md 5.5): when the step was a full one and cut
        the violation by at least HESSIAN_REUSE_GAIN, the model was good and
        the iterate moved little, so rebuilding H (n m^2 flops, the step's
        main cost on dense X) would buy little; at most HESSIAN_REUSE_STEPS
        steps per Hessian, and only a Hessian dear enough (hessian_dear) for
        the slower steps of a kept one to pay."""
        self.reuse = (t == 1.0 and v_after * HESSIAN_REUSE_GAIN <= v_before
                      and self.hessian_age < HESSIAN_REUSE_STEPS and self.hessian_dear)

    def line_search(self, d, delta):
        """Backtrack from t = 1 until F decreases by ARMIJO * t * delta; the step or None."""
        XD = np.asarray(self.obj.scores(d.reshape(self.obj.coef_shape)), dtype=np.float64)
        F0 = self.F
        noise = 16 * float(np.finfo(self.obj.dtype).eps) * max(abs(F0), 1e-300)
        t = 1.0
        for _ in range(MAX_HALVINGS):
            x_t = self.x + t * d
            Z_t = self.Z + t * XD
            F_t = float(self.obj.loss_scores(Z_t, x_t.reshape(self.obj.coef_shape)))
            F_t += self.penalty.value(x_t)
            if F_t <= F0 + ARMIJO * t * delta + noise:
                self.x, self.Z = x_t, Z_t
                self.f, self.g = loss_grad_at(self.obj, Z_t, x_t)
                return t
            t *= 0.5
        return None


def max_working_set(objective):
    """The most features whose working-set Hessian fits in ``WS_HESSIAN_BYTES``
    (:func:`working_set_limit` for the objective's coefficient rows)."""
    return working_set_limit(objective.coef_shape[0], objective.fit_intercept)


def working_set_limit(n_rows, fit_intercept):
    """The most features whose working-set Hessian (two m x m float64 arrays,
    m = ``n_rows`` x (features + intercept)) fits in ``WS_HESSIAN_BYTES``."""
    m_max = int(np.sqrt(WS_HESSIAN_BYTES / 16))
    return max(1, m_max // int(n_rows) - int(fit_intercept))


def column_nnz(objective):
    """The non-zeros of each column of the objective's X (n for a dense X): the
    working-set model's cost (:func:`explicit_is_cheaper`)."""
    X = objective.X
    if sp.issparse(X):  # CSR (check_design_matrix), matrix or array
        return np.bincount(X.indices, minlength=X.shape[1]).astype(np.int64)
    return np.full(X.shape[1], X.shape[0], dtype=np.int64)


def explicit_is_cheaper(objective, features, nnz):
    """Whether a sweep of the explicit model (m^2 multiply-adds, m coefficients)
    costs at most ``EXPLICIT_SWEEP_SHARE`` sweeps of the score-space one on
    ``features`` (R (nnz + n): their columns' non-zeros ``nnz[features]`` and
    the per-row terms, R coefficient rows)."""
    R = objective.coef_shape[0]
    m = R * (features.size + int(objective.fit_intercept))
    score_space = R * (float(np.sum(nnz[features])) + objective.n_samples)
    return m * m <= EXPLICIT_SWEEP_SHARE * score_space


def _working_set(objective, x, v, tol, hessian_free, nnz):
    """``(features, explicit)``: the support plus the worst violators, at least
    ``WS_GROWTH`` times the support, and whether its model's Hessian is explicit.

    Explicit while the support leaves room for a violator within
    :func:`max_working_set` (the working set then stays within it) and, when
    ``hessian_free`` (the L1 penalty has the score-space model), while
    :func:`explicit_is_cheaper` (``nnz``: :func:`column_nnz`); otherwise the
    model is the score-space one and the working set grows freely.  Without
    ``hessian_free``, a MemoryError when features violating optimality by more
    than ``tol`` no longer fit beside the support.
    """
    K, p = objective.coef_shape
    d = objective.n_features
    W, V = x.reshape(K, p)[:, :d], v.reshape(K, p)[:, :d]
    support = np.flatnonzero(np.any(W != 0, axis=0))
    limit = max_working_set(objective)
    score = np.max(np.abs(V), axis=0)
    outside = np.delete(score, support)
    full = support.size > limit or (support.size == limit and outside.size
                                    and outside.max() > tol)
    if full and not hessian_free:
        raise MemoryError(
            f"The L1 fit needs more than the {limit:,} features whose working-set Hessian "
            f"fits in {WS_HESSIAN_BYTES / 2**20:.0f} MiB (its support has {support.size:,} "
            "and others still violate optimality): use a stronger penalty (a smaller C or "
            "a larger l1_ratio).")
    score[support] = np.inf
    wanted = min(max(WS_GROWTH * support.size, WS_MIN_FEATURES), d)
    if not full:
        features = _worst(score, support, min(wanted, limit))
        if not hessian_free or explicit_is_cheaper(objective, features, nnz):
            return features, True
    return _worst(score, support, wanted), False


def _worst(score, support, size):
    """The ``size`` features of largest ``score`` (the support's is infinite)
    with a non-zero one, and the support; every feature when ``size`` is all."""
    if size >= score.size:
        return np.arange(score.size)
    chosen = np.argpartition(-score, size - 1)[:size]
    chosen = chosen[score[chosen] > 0]
    return np.sort(np.union1d(chosen, support)).astype(np.int64)


def prox_newton(objective, coef0=None, *, l1=0.0, tol=1e-4, max_iter=100, verbose=0, callback=None,
                penalty="l1", name="prox-newton", cache=None):
    """Minimise ``objective + l1 * ||W||_1`` (intercept unpenalised).

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
        The smooth part (its ``l2`` is the elastic net's L2 term).
    l1 : float
        L1 strength on the objective's (normalised) scale, >= 0.
    coef0 : ndarray of shape ``objective.coef_shape``, optional
    tol : float
        Stop when the minimum-norm subgradient of the composite objective has
        ``max |v| <= tol``.
    max_iter : int
        Proximal Newton iterations over all working sets.
    penalty : {"l1", "group"}, default "l1"
        "l1": every weight on its own; "group": ``l1 * sum_j ||W[:, j]||_2``,
        each feature's coefficients in all classes together.
    cache : PathCache, optional
        Carried from the previous fit of a path on the same objective
        (``_path_cache.py``): its end point is this fit's start when ``coef0``
        is its result, and its last Hessian serves this fit's first step where
        the working set is the same (the result does not depend on it, only
        the work).

    Returns
    -------
    SolverResult
        ``loss`` is the composite objective, ``grad_max`` the final ``max |v|``.
    """
    if not (np.isfinite(l1) and l1 >= 0):
        raise ValueError(f"l1 must be a finite number >= 0, got {l1!r}.")
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {sorted(PENALTIES)}, got {penalty!r}.")
    obj = objective
    mon = Monitor(obj, name, verbose=verbose, callback=callback)
    x, Z, f, g = start_point(obj, coef0, cache)
    pen = PENALTIES[penalty](obj, l1)
    full = _Composite(obj, pen, x, Z, f, g)
    vmax = full.violation()
    stop = mon.record(0, x, full.F, g, vmax, 0.0)
    it, converged, message = 0, vmax <= tol, "max_iter reached"
    if converged:
        message = "max|subgradient| <= tol at the start"
    idle = 0  # working-set rounds in a row without a Newton step
    restricted = _Restrictions(obj, cache)
    nnz = column_nnz(obj)
    while not converged and not stop and it < max_iter and idle < 3:
        features, explicit = _working_set(obj, full.x, full.subgradient(), tol,
                                          hessian_free=type(pen) is L1, nnz=nnz)
        cols = _columns(obj, features)
        everything = features.size == obj.n_features
        rows = hessian_rows(obj, cols.size, path=cache is not None) if explicit else None
        sub_obj, hess_obj = restricted.get(features, everything, rows)
        if everything:
            full.set_hessian_source(obj if hess_obj is None else hess_obj)
        sub = (full if everything else
               _Composite(sub_obj, pen.for_objective(sub_obj), full.x[cols].copy(), full.Z,
                          full.f, full.g[cols].copy(), hess_obj))
        if sub is not full:
            full.H = None  # an earlier round's full-problem Hessian, not beside this one's
        if explicit:
            sub.score_model = None
            # taken (or dropped) whatever follows: no second Hessian held for nothing
            H = None if cache is None else cache.hessian.take(obj, features, rows,
                                                                 sub.hess_obj)
            if H is not None and sub.hessian_dear:  # an earlier fit's: stale from the start
                sub.H, sub.hessian_age, sub.reuse = H, 1, True
            del H
        elif sub.score_model is None:  # the full problem's copy serves every round
            sub.score_model = ScoreSpaceModel(sub_obj)
        target = tol if everything else max(tol, WS_FORCING * vmax)
        failed, it0 = False, it
        v_sub = sub.violation()
        while it < max_iter and not stop:
            if v_sub <= target:
                break
            with mon.stage("newton step"):
                d, delta = sub.newton_step(max(CD_FORCING * v_sub, 0.1 * tol))
            with mon.stage("line search"):
                t = sub.line_search(d, delta) if delta < 0 else None
            if t is None and sub.stale:  # the kept Hessian misled: again with a new one
                sub.reuse = False
                continue
            if t is None:
                failed = True
                break
            it += 1
            v_sub, v_before = sub.violation(), v_sub
            sub.keep_hessian(t, v_before, v_sub)
            x_full, g_full = full.x.copy(), full.g.copy()
            x_full[cols], g_full[cols] = sub.x, sub.g  # the record is of the full problem
            stop = mon.record(it, x_full, sub.F, g_full, v_sub, t, features=int(features.size))
        if cache is not None:
            cache.hessian.store(obj, features, rows, sub)
        if not everything:
            full.x = full.x.copy()
            full.x[cols] = sub.x
            full.Z = sub.Z
            with mon.stage("backward"):
                full.f, full.g = loss_grad_at(obj, full.Z, full.x)
        vmax = full.violation()
        idle = idle + 1 if it == it0 else 0
        if vmax <= tol:
            converged, message = True, "max|subgradient| <= tol"
        elif failed or idle >= 3:
            message = ("line search failed: the objective cannot be decreased further at "
                       f"{np.dtype(obj.dtype).name} precision")
            break
    result = _result(mon, obj, full, it, vmax, tol, converged, stop, message)
    if cache is not None:
        cache.keep_end(obj, result.coef, full.x, full.Z, full.f, full.g)
    return result


class _Restrictions:
    """The working set's objective and its Hessian rows' objective, kept while the
    working set stays the same: a round that ends on the forcing test often
    starts the next on the same features, and each restriction copies those
    columns of X (n x |features| values) and checks them again.

    The Hessian rows' objective is cut from the objective on those rows alone
    (every column), kept while the row sample stays the same, for the fit or
    for the path with ``cache``: working sets of similar size draw the same
    rows, and X[rows] would otherwise be copied whole for each.  One such
    copy is held at a time (``PathCache.shared``).
    """

    def __init__(self, obj, cache=None):
        self.obj, self.key, self.pair = obj, None, None
        self.cache = PathCache() if cache is None else cache

    def get(self, features, everything, rows):
        """``(sub_obj, hess_obj)`` for this round (hess_obj None without ``rows``)."""
        key = (features.tobytes(), None if rows is None else rows.tobytes())
        if key != self.key:
            obj = self.obj
            sub_obj = obj if everything else obj.restrict(features)
            hess_obj = None
            if rows is not None:
                hess_obj = self.cache.shared(obj, "hessian rows",
                                             lambda: obj.restrict(None, rows), key[1])
                set_objective_l2(hess_obj, obj.l2)  # a path's strength of now
                if not everything:
                    hess_obj = hess_obj.restrict(features)
            self.key, self.pair = key, (sub_obj, hess_obj)
        return self.pair


def _result(mon, obj, state, it, vmax, tol, converged, stop, message):
    if stop and not converged:
        message = "stopped by callback"
    if obj.l2 == 0.0 and state.penalty.l1 == 0.0:
        check_separable(obj, state.Z, state.x)
    if not converged and not stop:
        warn_not_converged(mon.name, it, vmax, tol,
                           None if message == "max_iter reached" else message)
    mon.report_stop(it, message, state.F, vmax)  # the verbose stop line, as the other solvers'
    if state.penalty.l1 == 0.0:  # the smooth objective's invariant columns
        coef = obj.center(state.x).reshape(obj.coef_shape)
    else:
        coef = l1_coef(obj, state.x)
    return SolverResult(coef=coef.astype(obj.dtype), n_iter=int(it), converged=bool(converged),
                        loss=float(state.F), grad_max=float(vmax),
                        n_passes_over_X=int(mon.passes), history=mon.history,
                        solver=mon.name, message=message, timings=dict(mon.stages))
