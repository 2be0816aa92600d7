"""Newton's method on the assembled Hessian, solved by Cholesky (LAPACK potrf/potrs).

Per iteration: the Hessian at the iterate (``objective.hessian``, one pass
over X), its Cholesky factorisation (blocked and interruptible, through
scipy's BLAS: ``_ext/cholesky.pyx`` says why not ``cho_factor``), the Newton
step, ``XD`` (one pass), a backtracking Armijo search in score space (O(n K)
per trial) and the gradient at the accepted point (one backward pass): three
passes over X per iteration.

Memory: before anything is computed, ``solve()`` estimates the m x m arrays
an iteration holds and compares them with the available memory
(``_memory.newton_cholesky_bytes``); a problem
whose Hessian does not fit raises a MemoryError naming the size and the
other solvers.  The Hessian is the only m x m array besides the eigenvectors
of the pseudo-inverse step: factorisation, damped retries, scaling and
condition estimate all work inside it.

Singular Hessians.  In the symmetric parametrisation adding one vector to
every class's coefficients changes nothing, so the Hessian of
``MultinomialLoss`` is singular along those directions ``u_j`` (all columns
when ``l2 == 0``, the intercept column when ``l2 > 0``; see
``MultinomialLoss.null_columns``).  The gradient is orthogonal to every ``u_j``, so
adding ``c * sum_j u_j u_j^T`` to H changes nothing of the Newton step on
the complement and makes the step orthogonal to the ``u_j``:
``u^T (H + c u u^T) D = -u^T g = 0`` gives ``u^T D = 0``.  This is the
reference-class trick (``FixedClassLoss``) without a change of variables, and
the final coefficients are centred over classes, as scikit-learn returns
them for the unpenalised multinomial.  With l2 == 0 and collinear features the
Hessian stays singular (to rounding) after that; the step is then taken with
its pseudo-inverse (``SINGULAR_RCOND``, or when the factorisation fails), so
that the iterate stays in the row space of X and ends at the optimum the
gradient methods (and scikit-learn) reach.  When the factorisation still fails
(collinear or constant features with l2 == 0, separable data), a ridge
``tau I`` is added with tau growing from 1e-10 * max(diag H) (a damped,
Levenberg-Marquardt step, still a descent direction); when the line search
fails on the Newton step, a steepest-descent step with a strong Wolfe search
is taken instead.

Stopping as scikit-learn's ``newton-cholesky``: ``max|grad| <= tol`` and
half the Newton decrement of the last step, ``0.5 * D^T H D``, <= tol.
"""

import contextlib

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from .._ext import cholesky as _cholesky
from .._threads import effective_n_threads

from ._base import steepest_descent
from ._newton import NewtonMethod
from ._state import SolverState

# Order of the Hessian from which a threaded LAPACK factorisation (m^3 / 3
# flops) pays for waking BLAS threads; solve() runs everything else with one.
# Below it, BLAS workers left spinning after each factorisation slow the next
# kernels more than the factorisation gains (measured in docs/solvers.md).
THREADED_FACTOR_M = 2048

# Newton converges quadratically until the gradient reaches the rounding
# noise of the objective; there the Armijo search keeps accepting steps that
# change nothing (float32 fits ran thousands of iterations there; see
# docs/solvers.md).  Stop when for STALL_ITERATIONS iterations in a row
# neither max|grad| fell below STALL_FACTOR times its best value nor the
# objective decreased by more than its rounding level (10 eps of X's dtype,
# relative): slow but real progress, as on separable data, continues.
STALL_ITERATIONS = 10
STALL_FACTOR = 0.5

# With l2 == 0, a Hessian whose Cholesky factorisation succeeds but whose
# reciprocal condition number, scaled to unit diagonal (so that badly scaled
# features do not count), is below this is singular to rounding: collinear
# features (a rank-deficient X), the coefficients not identified.  (With
# l2 > 0 H is positive definite, and a tiny scaled eigenvalue -- a direction
# identified only by the penalty next to a feature of scale 1e6 -- must be
# solved, not dropped.)  Its Newton step is then taken with the
# pseudo-inverse, which keeps the iterate in the row space of X like the
# gradient methods do; the plain solve amplified the rounding noise of the
# gradient along the null space into large, arbitrary coefficient moves
# (docs/solvers.md has the case).
SINGULAR_RCOND = 1e-12
# Eigenvalues below this fraction of the largest are dropped in that step.
PINV_RTOL = 1e-10

# With l2 > 0, scikit-learn 1.9's NewtonCholeskySolver solves H D = -g with
# ``scipy.linalg.solve(assume_a="sym")`` under ``LinAlgWarning`` as an error:
# a factorisation that fails, or a reciprocal condition number of the
# (unscaled) Hessian below machine epsilon, makes it warn with LinAlgWarning
# and run lbfgs for the rest of the fit.  A drop-in does the same there
# (peer test_newton_cholesky_fallback_to_lbfgs); with l2 == 0 the
# pseudo-inverse step above is kept (docs/dropin.md).
FALLBACK_RCOND = np.finfo(np.float64).eps


class IllConditionedHessian(Exception):
    """The Hessian is singular or ill-conditioned as scikit-learn detects it."""


def _factor_threads(m):
    """BLAS threads for the Cholesky factorisation of an m x m Hessian."""
    if m < THREADED_FACTOR_M:
        return contextlib.nullcontext()   # stays at solve()'s single thread
    return threadpool_limits(limits=effective_n_threads(), user_api="blas")


# Column blocks of the m x m passes below (symmetrising, scaling, finiteness
# checks): temporaries of m x BLOCK instead of m x m.
BLOCK = 512


def _column_blocks(m):
    for j0 in range(0, m, BLOCK):
        yield j0, min(j0 + BLOCK, m)


def _all_finite(H):
    return all(np.isfinite(H[:, j0:j1]).all() for j0, j1 in _column_blocks(H.shape[0]))


def _factor(H):
    """Upper Cholesky factor of H in place (``_ext.cholesky.potrf_upper``): True on
    success, False if H is not (numerically) positive definite, None if it
    is not finite (then left as it was)."""
    if not _all_finite(H):
        return None
    with _factor_threads(H.shape[0]):
        return _cholesky.potrf_upper(H) == 0


def _solve(R, g):
    x = np.array(g, dtype=np.float64)
    _cholesky.potrs_upper(R, x)
    return x


def newton_direction(H, g, null_cols=(), coef_shape=None, singular_pinv=False,
                     fallback_rcond=None):
    """Solve ``H D = -g`` by Cholesky; regularise singular directions, damp when needed.

    Every step works inside H (no m x m copy): the factorisation writes the
    upper triangle, a retry rebuilds H from its intact strict lower triangle.

    Parameters
    ----------
    H : ndarray (m, m), float64, symmetric, Fortran order
        Overwritten (its upper triangle holds the factor on return; after a
        pseudo-inverse step, eigenvectors).
    g : ndarray (m,), float64
    null_cols : array of int
        Columns of the invariant directions (see module docstring).
    coef_shape : tuple (K, p)
    singular_pinv : bool, default False
        Take the pseudo-inverse step when H is singular to rounding (see
        ``SINGULAR_RCOND``); for unpenalised objectives.
    fallback_rcond : float or None, default None
        Raise :class:`IllConditionedHessian` when H cannot be factored or its
        reciprocal condition number is below this (``FALLBACK_RCOND``).

    Returns
    -------
    D : ndarray (m,), float64
    decrement : float
        ``D^T H D`` (= -g^T D without damping).
    how : str
        "cholesky" or "damped tau=..."
    """
    m = H.shape[0]
    diag = np.diag(H).copy()
    scale = float(np.max(np.abs(diag))) if m else 1.0
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    if len(null_cols):
        K, p = coef_shape
        for j in null_cols:
            idx = np.arange(K) * p + j
            c = float(np.mean(diag[idx])) or scale
            H[np.ix_(idx, idx)] += c / K
    how = "cholesky"
    tau = 0.0
    # The first attempt factors H in place.  Only the upper triangle is
    # written (Fortran order), so after a failure H is rebuilt from its
    # strict lower triangle and the saved diagonal, plus tau on the diagonal.
    diag_reg = np.diag(H).copy()
    # 1-norm of H scaled to unit diagonal, for the condition estimate below
    if singular_pinv and m:
        sc = 1.0 / np.sqrt(np.where(diag_reg > 0, diag_reg, 1.0))
        scaled_norm = _scaled_norm1(H, sc)
    if fallback_rcond is not None and m:
        norm1 = _scaled_norm1(H, np.ones(m))
    for attempt in range(12):
        if tau != 0.0:
            _from_lower(H, diag_reg + tau)
        factored = _factor(H)
        if fallback_rcond is not None and tau == 0.0 and m and factored is not None:
            _check_conditioning(H, factored, norm1, fallback_rcond)
        if factored:
            if singular_pinv and tau == 0.0 and m:
                # the factor of S H S is R S: scaled in place, it gives the
                # condition estimate and the step, H^-1 = S (S H S)^-1 S
                _scale_upper(H, sc)
                if _rcond(H, scaled_norm) < SINGULAR_RCOND:
                    return _pinv_direction(H, diag_reg, sc, g)
                D = -sc * _solve(H, sc * g)
            else:
                D = -_solve(H, g)
            if np.all(np.isfinite(D)):
                dec = float(-np.dot(g, D))
                if dec > 0 or not np.any(g):
                    return D, dec, how
        elif factored is not None and singular_pinv and tau == 0.0 and m:
            # unpenalised: H is positive semi-definite, so a failed
            # factorisation means singular to rounding; a ridge tau would
            # amplify gradient rounding along the null space by 1/tau
            return _pinv_direction(H, diag_reg, sc, g)
        tau = 1e-10 * scale if tau == 0.0 else tau * 100.0
        how = f"damped tau={tau:.1e}"
    return -g, float(np.dot(g, g)), "steepest descent"


def _check_conditioning(R, factored, norm1, rcond_min):
    """Raise :class:`IllConditionedHessian` as scikit-learn's solve would warn."""
    if not factored:
        raise IllConditionedHessian("the Cholesky factorisation of the Hessian failed: "
                                    "it is not numerically positive definite")
    rcond = _rcond(R, norm1)
    if rcond < rcond_min:
        raise IllConditionedHessian(f"Ill-conditioned matrix (rcond={rcond:.6g}): "
                                    "result may not be accurate.")


def _from_lower(H, diag):
    """Make H symmetric again in place from its strict lower triangle (intact
    after an in-place upper factorisation), with diagonal ``diag``."""
    for j0, j1 in _column_blocks(H.shape[0]):
        H[:j0, j0:j1] = H[j0:j1, :j0].T
        B = H[j0:j1, j0:j1]
        iu = np.triu_indices(j1 - j0, 1)
        B[iu] = B.T[iu]
    H[np.diag_indices(H.shape[0])] = diag


def _scaled_norm1(H, sc):
    """1-norm of ``S H S`` for a symmetric H, column block by column block."""
    return max((float(np.max((sc @ np.abs(H[:, j0:j1])) * sc[j0:j1]))
                for j0, j1 in _column_blocks(H.shape[0])), default=0.0)


def _scale_upper(R, sc):
    """``R <- R S`` on the upper triangle only (the strict lower one is H's)."""
    for j0, j1 in _column_blocks(R.shape[0]):
        R[:j0, j0:j1] *= sc[j0:j1]
        B = R[j0:j1, j0:j1]
        iu = np.triu_indices(j1 - j0)
        B[iu] *= sc[j0:j1][iu[1]]


def _rcond(R, norm1):
    """Reciprocal condition number (LAPACK pocon) from the upper Cholesky factor R."""
    rcond, info = scipy.linalg.lapack.dpocon(R, norm1)
    return float(rcond) if info == 0 else 0.0


def _pinv_direction(H, diag_reg, sc, g):
    """Newton step by the pseudo-inverse of a singular H (see SINGULAR_RCOND).

    H's strict lower triangle is intact after the in-place factorisation; its
    diagonal (with the invariant-direction terms) is ``diag_reg``, and
    ``sc = diag(S)`` scales it to unit diagonal (as for the condition
    estimate).  The eigendecomposition is of ``S H S``, so that what
    is dropped (below ``PINV_RTOL``) is collinearity, not the scale of a
    feature: unscaled, columns of scale 1e-3 next to 1e3 have eigenvalues
    1e-12 of the largest, and dropping them stopped a fit 3% above the
    optimum with a "precision" message.  The step is then made orthogonal to
    the null space of H, ``S V_0``, which gives the minimum-norm solution (in
    the row space of X) as the unscaled pseudo-inverse does.

    ``S H S`` is formed inside H and ``eigh`` overwrites it: one m x m array
    (the eigenvectors) besides H.  The eigenvalues come in ascending order,
    so the kept ones are a trailing slice of the eigenvectors (a view).
    Falls back to the steepest-descent direction when the eigensolver fails
    or the step is not a descent direction (H is gone by then: no damped
    retry; the copy that allowed one cost another m x m array).
    """
    _from_lower(H, diag_reg)
    H *= sc[:, None]
    H *= sc[None, :]
    # (threaded LAPACK is safe here: dsytrd's SYR2K goes through OpenBLAS's
    # range-splitting syrk_thread, not the SYRK driver that overflows)
    try:
        with _factor_threads(H.shape[0]):
            w, V = scipy.linalg.eigh(H, overwrite_a=True, check_finite=False)
    except np.linalg.LinAlgError:   # no convergence
        return -g, float(np.dot(g, g)), "steepest descent"
    k0 = int(np.searchsorted(w, PINV_RTOL * max(float(w[-1]), 0.0), side="right"))
    Vk = V[:, k0:]
    D = -sc * (Vk @ ((Vk.T @ (sc * g)) / w[k0:]))
    if k0:
        null, _ = np.linalg.qr(sc[:, None] * V[:, :k0])
        D -= null @ (null.T @ D)
    dec = float(-np.dot(g, D))
    if not (np.all(np.isfinite(D)) and (dec > 0 or not np.any(g))):
        return -g, float(np.dot(g, g)), "steepest descent"
    return D, dec, "pseudo-inverse (singular Hessian)"


class _NewtonCholesky(NewtonMethod):
    """Newton-Cholesky's steps on a started :class:`SolverState` (see :func:`newton_cholesky`).

    Besides the state it keeps the Hessian between its assembly and its
    factorisation, the decrement and the solve of the last direction, and
    the stall counter of the stopping test.
    """

    def __init__(self, state, subsample=False):
        super().__init__(state, subsample)
        obj = state.objective
        self.null_cols = obj.null_columns()
        self.H = None
        self.decrement, self.how = np.inf, "cholesky"
        self.best_gmax, self.stalled = state.grad_max, 0
        self.noise = 10 * np.finfo(obj.dtype).eps   # relative rounding level of the objective

    def update_curvature(self):
        """Set ``H``, the Hessian at the iterate (one pass over X, stage "hessian")."""
        obj = self.state.objective
        with self.state.stage("hessian"):
            # symmetric: its transpose is the same matrix in Fortran order,
            # which LAPACK factors in place (no copy of an m x m array)
            self.H = np.asarray(self.curvature.hessian(self.state.coef.reshape(obj.coef_shape)),
                                dtype=np.float64).T

    def inner_solve(self):
        """The Newton direction by Cholesky in place of ``H`` (then released); sets
        ``decrement`` and ``how``."""
        obj = self.state.objective
        try:
            with self.state.stage("cholesky"):
                D, self.decrement, self.how = newton_direction(
                    self.H, self.state.grad, self.null_cols, obj.coef_shape,
                    singular_pinv=obj.l2 == 0.0,
                    fallback_rcond=None if obj.l2 == 0.0 else FALLBACK_RCOND)
        except IllConditionedHessian:
            if self.rows is None:
                raise
            # the row subset's Hessian, not the problem's: the exact one decides
            self.exact_curvature()
            self.update_curvature()
            return self.inner_solve()
        self.H = None
        return D

    def line_search(self, D, d0, fell_back):
        """Backtracking Armijo on the Newton direction; if that fails (or D was no
        descent direction), steepest descent with a strong Wolfe search."""
        state = self.state
        if not fell_back:
            line, t = state.search(D, d0, "armijo")
            if t is not None:
                return line, t
            D, d0 = steepest_descent(state.objective, state.grad)
        self.how, self.decrement = "gradient step", np.inf
        return state.search(D, d0, "wolfe")

    def record_extra(self, line):
        extra = super().record_extra(line)
        if self.how != "cholesky":
            extra["solve"] = self.how
        return extra

    def check_convergence(self, before):
        """As scikit-learn's ``newton-cholesky``: ``max|grad| <= tol`` and half the
        Newton decrement ``<= tol``; ends a run that has stalled at the rounding
        noise of the objective (``STALL_ITERATIONS``)."""
        state = self.state
        if state.grad_max <= state.tol and 0.5 * self.decrement <= state.tol:
            state.converged = True
            state.message = "max|grad| <= tol and Newton decrement <= tol"
        elif (state.grad_max < STALL_FACTOR * self.best_gmax
              or before.loss - state.loss > self.noise * abs(state.loss)):
            self.best_gmax, self.stalled = min(state.grad_max, self.best_gmax), 0
        else:
            self.stalled += 1
            if self.stalled >= STALL_ITERATIONS:
                state.halt(f"no progress in {self.stalled} iterations: max|grad| stays near "
                           f"{self.best_gmax:.1e}, the {np.dtype(state.objective.dtype).name} "
                           "precision of the objective; tol cannot be reached")


def newton_cholesky(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
                    subsample=True, name="newton-cholesky", cache=None):
    """Minimise ``objective`` with Newton-Cholesky; see :func:`softmax_ext.solvers.solve`.

    ``subsample``: on tall dense X, assemble the Hessian from a random subset
    of the rows (``_newton.subsample_rows``) until a step gains too little or
    that Hessian is ill-conditioned; the gradient, line search and stopping
    test stay exact (docs/derivation.md 5.7).
    """
    state = SolverState(objective, name, tol=tol, max_iter=max_iter, verbose=verbose,
                        callback=callback, cache=cache)
    state.start(coef0)
    try:
        _NewtonCholesky(state, subsample).run()
    except IllConditionedHessian as e:
        return _fallback_to_lbfgs(state, e, max_iter, verbose, callback)
    return state.finish()


def _fallback_to_lbfgs(state, error, max_iter, verbose, callback):
    """Warn as scikit-learn 1.9 does and finish the fit with lbfgs from the iterate.

    As scikit-learn's, the lbfgs run gets ``max_iter - (iteration + 1)``
    iterations (the failed Newton iteration counts) and ``n_iter`` is the
    Newton iterations done plus lbfgs's; a ConvergenceWarning then says
    "lbfgs failed to converge".
    """
    import warnings   # noqa: PLC0415 (only on this path)

    from .lbfgs import lbfgs   # noqa: PLC0415 (lbfgs does not import this module)
    done = state.iteration
    warnings.warn(
        "The inner solver of newton-cholesky stumbled upon a singular or very "
        f"ill-conditioned Hessian matrix at iteration {done + 1}. It will now resort to "
        "lbfgs instead.\nFurther options are to use another solver or to avoid such "
        "situation in the first place. Possible remedies are removing collinear features "
        "of X or increasing the penalization strengths.\nThe original Linear Algebra "
        "message was:\n" + str(error),
        scipy.linalg.LinAlgWarning, stacklevel=3)
    if verbose:
        print("  The inner solver stumbled upon a singular or ill-conditioned Hessian "
              "matrix and resorts to LBFGS instead.")
    result = lbfgs(state.objective, state.coef.reshape(state.objective.coef_shape),
                   tol=state.tol, max_iter=max(max_iter - done - 1, 0), verbose=verbose,
                   callback=callback)
    result.n_iter += done
    result.n_passes_over_X = state.monitor.passes   # the Newton passes and lbfgs's
    result.message = f"fell back to lbfgs after {done} Newton iterations: {result.message}"
    return result
