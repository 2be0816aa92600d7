"""Truncated Newton: conjugate gradients on Hessian-vector products, line search in score space.

For problems whose Hessian is too large to assemble.  Per iteration: the
product operator at the iterate (``objective.hessp`` from the scores the
solver holds: no setup pass), CG iterations on ``H D = -g`` (one pass over X
per product, the fused C kernel), preconditioned where it pays
(``_precondition.py``: one more pass, once), stopped at the relative
residual ``eta = min(0.5, sqrt(||g||))`` (Eisenstat-Walker forcing, giving
superlinear convergence as in scikit-learn's ``_newton_cg``) or on
non-positive curvature, ``XD`` (one pass), a strong Wolfe search in score
space (O(n K) per trial, starting at the Newton step t = 1) and the gradient
at the accepted point (one backward pass).

The Hessian of ``MultinomialLoss`` is singular along the class-invariant
directions (see ``MultinomialLoss.null_columns``); the gradient is orthogonal to them,
so CG stays in the range of H and needs no special treatment.

Stopping as scikit-learn's ``newton-cg``: ``max|grad| <= tol``.
"""

import numpy as np

from ._base import axpy, in_dtype
from ._newton import NewtonMethod
from ._precondition import Preconditioning
from ._state import SolverState

# CG's last Newton step solves to this share of tol (see forcing()).
FINAL_MARGIN = 0.3
# Longest step tried along a Newton-CG direction (scipy's line_search_wolfe1,
# which scikit-learn's newton-cg uses, stops at amax=50 too).  The natural
# step is 1; far longer ones only happen on directions made of rounding noise
# (float32 X, tol below what float32 scores resolve), where the score-space
# model Z + t XD drifts from X (coef + t D) and the fit wanders off a better
# point it had reached (docs/solvers.md).
T_MAX = 50.0


# Eisenstat-Walker forcing with the 2-norm: the alternatives measured
# (scikit-learn's 1-norm, quadratic forcing, a diagonal preconditioner) are
# in docs/solvers.md.
def forcing(g, gnorm, tol):
    """Relative CG residual for the Newton system at gradient g.

    Eisenstat-Walker ``min(0.5, sqrt(||g||))``; when that already predicts a
    next gradient at or below ``tol`` (the last Newton step), solve to
    ``FINAL_MARGIN * tol / max|g|`` instead, so that the fit ends well inside
    tol rather than just under it.
    """
    eta = min(0.5, float(np.sqrt(gnorm)))
    gmax = float(np.max(np.abs(g)))
    if eta * gmax <= tol:
        eta = min(eta, FINAL_MARGIN * tol / gmax)
    return eta


def conjugate_gradient(hessp, g, rtol, max_cg, precondition=None):
    """Approximately solve ``H D = -g`` by (preconditioned) CG from D = 0.

    Returns ``(D, n_products, reason)``.  Stops when ``||r|| <= rtol ||g||``
    (the true residual ``r = -g - H D``, whatever the preconditioner), after
    ``max_cg`` products, or at non-positive curvature (then the current D, or
    -g if none yet, which is always a descent direction).  ``precondition``,
    if given, is ``r -> M^-1 r`` for a symmetric positive (semi-)definite M.
    """
    D = np.zeros_like(g)
    r = -g.copy()
    z = r if precondition is None else precondition(r)
    rz = float(np.dot(r, z))
    if precondition is not None and not rz > 0:
        # g in the null space of a singular M (l2 = 0): plain CG instead
        precondition, z = None, r
        rz = float(np.dot(r, r))
    p = z.copy()
    target = (rtol ** 2) * float(np.dot(g, g))
    n_prod = 0
    for _ in range(max_cg):
        Hp = hessp(p)
        n_prod += 1
        curv = float(np.dot(p, Hp))
        if not (curv > 0 and np.isfinite(curv)):
            return (D if n_prod > 1 else -g), n_prod, "negative curvature"
        alpha = rz / curv
        # in place (axpy): numpy temporaries cost an m-vector each (docs/solvers.md)
        axpy(alpha, p, D)
        axpy(-alpha, Hp, r)
        if float(np.dot(r, r)) <= target:
            return D, n_prod, "converged"
        z = r if precondition is None else precondition(r)
        rz_new = float(np.dot(r, z))
        if not rz_new > 0:  # r in the null space of a singular M
            return D, n_prod, "preconditioner breakdown"
        p *= rz_new / rz
        p += z
        rz = rz_new
    return D, n_prod, "max_cg"


class _NewtonCG(NewtonMethod):
    """Newton-CG's steps on a started :class:`SolverState` (see :func:`newton_cg`).

    Besides the state it keeps the Hessian-vector product and the
    preconditioner at the iterate, the CG products of the last direction,
    and the best iterate so far, which a failed line search returns to.
    """

    def __init__(self, state, max_cg, pre, subsample=False):
        super().__init__(state, subsample)
        self.max_cg, self.pre = max_cg, pre
        self.hessp = self.precond = None
        self.n_products = 0
        self.best = state.point()

    def update_curvature(self):
        """Set ``hessp`` (``v -> H v`` from the held scores, no pass) and ``precond``."""
        obj, state = self.state.objective, self.state
        shape = obj.coef_shape
        product = self.curvature.hessp(state.coef.reshape(shape), scores=self.curvature_scores())

        def hessp(v):
            return np.asarray(product(in_dtype(obj, v).reshape(shape)), dtype=np.float64).ravel()

        self.hessp = hessp
        self.precond = None
        if self.pre.active:
            with state.stage("preconditioner"):
                self.precond = self.pre.at(state.scores)

    def inner_solve(self):
        """CG on ``H D = -g`` to the forcing tolerance; sets ``n_products``."""
        g, tol = self.state.grad, self.state.tol
        gnorm = float(np.sqrt(np.dot(g, g)))
        with self.state.stage("cg"):
            D, self.n_products, _ = conjugate_gradient(self.hessp, g, forcing(g, gnorm, tol),
                                                       self.max_cg, self.precond)
        return D

    def line_search(self, D, d0, fell_back):
        return self.state.search(D, d0, "wolfe", t_max=T_MAX)

    def recover(self):
        """Drop a preconditioner whose step failed (and retry), else halt at the best point.

        Plain CG from there on: a nearly singular unpenalised problem stalled
        above the optimum the plain solver reaches.  Without one, the run
        ends, back at the best iterate when rounding noise moved it away.
        """
        if self.precond is not None:
            self.pre.drop()
            return
        self.state.line_search_failed()
        if self.best.grad_max < self.state.grad_max:
            self.state.move_to(self.best)

    def record_extra(self, line):
        return dict(trials=line.n_evals, cg=self.n_products, **self.pre.take_setup())

    def check_convergence(self, before):
        """As scikit-learn's ``newton-cg``: ``max|grad| <= tol``; keeps the best iterate."""
        if self.state.grad_max < self.best.grad_max:
            self.best = self.state.point()
        super().check_convergence(before)


def newton_cg(objective, coef0=None, *, tol=1e-4, max_iter=100, verbose=0, callback=None,
              max_cg=200, precondition="auto", subsample=True, name="newton-cg", cache=None):
    """Minimise ``objective`` with truncated Newton-CG; see :func:`softmax_ext.solvers.solve`.

    ``precondition``: "auto" (the Kronecker-factored preconditioner of
    ``_precondition.py`` where it pays for itself: correlated features in
    dense X of moderate width, uncentred columns or uneven column norms in
    sparse X or dense X with n >= p / 2), True (always) or False.
    ``subsample``: on tall dense X, the Hessian products from a random subset
    of the rows (``_newton.subsample_rows``) until a step gains too little;
    the gradient, line search and stopping test stay exact
    (docs/derivation.md 5.7).
    """
    pre = Preconditioning(objective, precondition, cache=cache)
    state = SolverState(objective, name, tol=tol, max_iter=max_iter, verbose=verbose,
                        callback=callback, cache=cache)
    state.start(coef0)
    _NewtonCG(state, max_cg, pre, subsample).run()
    return state.finish()
