"""Kronecker-factored preconditioner for Newton-CG and L-BFGS.

The Hessian of the multinomial objective is a sum over samples of Kronecker
products, ``H = sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T / sum(s)
+ l2 I``.  Replacing the per-sample class factor by its average gives

    M = B kron A + l2 I,   A = X~^T S X~ / sum(s)   (p x p, fixed for a fit),
                           B = sum_i s_i (diag(p_i) - p_i p_i^T) / sum(s)   (K x K),

whose inverse is cheap through the eigendecompositions ``A = Q diag(lam) Q^T``
and ``B = R diag(sig) R^T``: ``M^-1 V = R ((R^T V Q) / (sig lam^T + l2)) Q^T``
for V of the coefficients' shape (K, p).  A is at most one pass over X per
fit (BLAS syrk over row blocks, no copy of X; on tall problems a strided
sample of the rows, as good for a preconditioner at a fraction of the
cost), B is O(n K^2) per Newton iteration from the scores the solver holds,
and each application costs O(K^2 p + K p^2), small next to a product's
2 n p K.

M is exact in the feature geometry (correlated, badly scaled or constant
features: A carries all of it) and averages the class weights, so it helps
least where the class weights vary most between samples.  It serves as
Newton-CG's preconditioner and as L-BFGS's initial inverse Hessian
(``lbfgs.py``).  Its measured effect: docs/solvers.md, "The Kronecker
preconditioner".

Sparse X, and dense X where A in full costs too much (``kind_to_build``),
get A with the covariances between features left out: with ``mu`` the
(weighted) column means and ``v`` the column variances,

    A ~ [[diag(v) + mu mu^T, mu], [mu^T, 1]] = L diag(v, 1) L^T,   L = [[I, mu], [0, 1]],

exact on A's diagonal and on the intercept's row and column, and exact
everywhere for uncorrelated columns.  The mean is what matters: nonnegative
sparse columns (counts, TF-IDF, random uniform values) share one large
common direction, the mean row, which A's diagonal alone leaves to CG.  With
an intercept the preconditioner works in centred coordinates,
``M = (I kron L) (B kron diag(v, 1) + l2 I) (I kron L^T)`` (a penalty term
l2 L L^T instead of l2 I: an approximation, as l2 on the intercept is), so
``M^-1`` is a diagonal solve between ``L^-1`` (subtract ``mu`` times the
intercept entry) and ``L^-T``; without one, ``M = B kron (diag(v) + mu mu^T)
+ l2 I``, solved by Sherman-Morrison for each eigenvalue of B.  Either costs
O(K^2 p) an application and one pass over X (its nonzeros) to set up.

The preconditioner does not help features on wildly different scales (1e-3
to 1e3): CG stops on the 2-norm of the residual, which those features' large
gradient entries dominate and plain CG reduces first; scale such features
(as scikit-learn recommends) or pass ``precondition=False``.

``FixedClassLoss`` (one class held at zero) uses the rows and columns of B of
its free classes.
"""

import numpy as np

from .. import special

# Build M only when it is cheap next to the products it saves: setting up A
# (n p^2 / 2 multiply-adds, plus ~10 p^3 for its eigendecomposition) within
# SETUP_PRODUCTS Hessian-vector products (2 n p K each), and one application
# (2 (K^2 p + K p^2)) within APPLY_FRACTION of a product (the measurements
# behind this and the other thresholds below: docs/solvers.md).
SETUP_PRODUCTS = 20.0
APPLY_FRACTION = 0.25
# The diagonal-and-means version (kind_to_build): an application within this
# share of a product (newton-cg) or of an iteration (lbfgs, LBFGS_PAIRS pairs).
MOMENTS_APPLY_FRACTION = {"newton-cg": 0.5, "lbfgs": 1.0}
# ... and, on dense X, only from this many multiply-adds a product: below it a
# fit takes milliseconds of mostly Python, and the n-dependent choice would
# send integer sample weights and the same rows repeated down different
# paths (scikit-learn's check_sample_weight_equivalence compares the two).
MOMENTS_MIN_DENSE_MULADDS = 1 << 16
LBFGS_PAIRS = 10
MAX_FEATURES = 4096          # A is p x p doubles: 128 MB at this size
# "auto" drops the preconditioner (after the one pass that built A) when A's
# condition number over its nonzero eigenvalues is below this: with nearly
# uncorrelated features M is close to B kron I and saves no products.  Sparse
# X: the condition number of the features' part of A as the preconditioner
# models it, diag(v) + mu mu^T (condition()).
MIN_CONDITION = 20.0
# Eigenvalues of B or A below this fraction of the largest are zero to rounding.
NULL_CUT = 1e-13
# Sparse X without intercept: column variances at least this share of the
# column's mean square.
VAR_FLOOR = 1e-3
# A from every step-th row: at least GRAM_MIN_ROWS rows, and
# GRAM_ROWS_PER_FEATURE per column of A.
GRAM_MIN_ROWS = 20_000
GRAM_ROWS_PER_FEATURE = 40


def gram_rows(p):
    """Rows of X sampled for A when it is p x p (all of them on shorter X)."""
    return max(GRAM_MIN_ROWS, GRAM_ROWS_PER_FEATURE * p)


def kind_to_build(obj, solver="newton-cg"):
    """Which preconditioner "auto" builds for ``solver`` on ``obj``: "full", "moments" or None.

    "full" (dense X, A in full) when its set-up costs at most
    ``SETUP_PRODUCTS`` products and one application at most
    ``APPLY_FRACTION`` of one.  Otherwise "moments" (A's diagonal and the
    column means) when one application, ``2 K^2 p``, costs at most
    ``MOMENTS_APPLY_FRACTION`` of what it is applied alongside: a product
    for newton-cg, and an iteration for lbfgs (a pass and the two-loop
    recursion, ``4 * LBFGS_PAIRS`` m flops, memory-bound where the
    application is two small GEMMs).  Dense X needs
    ``MOMENTS_MIN_DENSE_MULADDS`` a product for the latter, and Newton-CG on
    wide dense X (n < p / 2) gets neither: there diag(v) claims curvature
    along the p - n directions X does not span, while L-BFGS gains from it.
    The measurements: docs/solvers.md, "When it is built".

    Parameters
    ----------
    obj : MultinomialLoss or FixedClassLoss
    solver : {"newton-cg", "lbfgs"}, default "newton-cg"

    Returns
    -------
    {"full", "moments"} or None
    """
    n, (K, p) = obj.n_samples, obj.coef_shape
    if n == 0 or p == 0 or K == 0:
        return None
    nnz = obj.nnz
    product = 2.0 * max(nnz, 1) * K
    if not obj.is_sparse and p <= MAX_FEATURES:
        setup = 0.5 * min(n, gram_rows(p)) * p * p + 10.0 * p ** 3 + 10.0 * K ** 3
        apply = 2.0 * (K * K * p + K * p * p)
        if setup <= SETUP_PRODUCTS * product and apply <= APPLY_FRACTION * product:
            return "full"
    if not obj.is_sparse and product < 2.0 * MOMENTS_MIN_DENSE_MULADDS:
        return None
    if solver == "newton-cg":
        if not obj.is_sparse and 2 * n < p:
            return None
        budget = product
    else:
        budget = product + 4.0 * LBFGS_PAIRS * K * p
    return "moments" if 2.0 * K * K * p <= MOMENTS_APPLY_FRACTION[solver] * budget else None


def kind_for(obj, precondition, solver="newton-cg"):
    """Validate a solver's ``precondition`` option; the kind of preconditioner to build, or None.

    "auto": :func:`kind_to_build`; True: A in full where it fits (dense X
    with p <= ``MAX_FEATURES``), else the diagonal and means; False: None.
    """
    if precondition not in ("auto", True, False):
        raise ValueError(f'precondition must be "auto", True or False, got {precondition!r}.')
    if precondition is True:
        return default_kind(obj)
    return kind_to_build(obj, solver) if precondition == "auto" else None


def default_kind(obj):
    """"full" for dense X with p <= ``MAX_FEATURES``, "moments" otherwise."""
    return "full" if not obj.is_sparse and obj.coef_shape[1] <= MAX_FEATURES else "moments"


def build_preconditioner(obj, precondition="auto", kind=None, solver="newton-cg"):
    """``(preconditioner or None, passes over X it took)``.

    ``kind``: "full" or "moments" (None: :func:`default_kind`).  None when
    ``precondition`` is "auto" and A is too well conditioned for the
    preconditioner to save products (see ``MIN_CONDITION``; for lbfgs the
    intercept's entry counts, see :meth:`KroneckerPreconditioner.condition`).
    """
    passes = obj.n_passes_over_X
    kron = KroneckerPreconditioner(obj, kind)
    setup = obj.n_passes_over_X - passes
    if precondition == "auto" and kron.condition(intercept=solver == "lbfgs") < MIN_CONDITION:
        return None, setup
    return kron, setup


class Preconditioning:
    """A solver's preconditioner over one run.

    Built at the first :meth:`at` (a run that starts at the optimum never pays
    for it), dropped when "auto" finds it useless (``build_preconditioner``)
    or the solver gives up on it (:meth:`drop`).  The passes over X its
    set-up took are reported once, by :meth:`take_setup`.

    Parameters
    ----------
    obj : MultinomialLoss or FixedClassLoss
    precondition : {"auto", True, False}
        The solver's option (validated here).
    solver : {"newton-cg", "lbfgs"}
        Which solver applies it (once per product, or once per iteration).
    cache : PathCache, optional
        A regularisation path's: the preconditioner's factor of X (and the
        "auto" decision), built by the path's first fit, serves the others
        (the factor of the probabilities and the strength are taken anew at
        each :meth:`at`).
    """

    def __init__(self, obj, precondition, solver="newton-cg", cache=None):
        self.obj, self.option, self.solver, self.cache = obj, precondition, solver, cache
        self.kind = kind_for(obj, precondition, solver)
        self.active = self.kind is not None
        self.kron = None
        self.setup_passes = 0

    def at(self, Z):
        """``r -> M^-1 r`` at the point whose scores are Z, or None when inactive."""
        if self.active and self.kron is None:
            def build():
                return build_preconditioner(self.obj, self.option, self.kind, self.solver)[0]

            before = self.obj.n_passes_over_X
            key = ("preconditioner", self.option, self.kind, self.solver)
            self.kron = (build() if self.cache is None
                         else self.cache.shared(self.obj, key, build))
            self.setup_passes += self.obj.n_passes_over_X - before
            self.active = self.kron is not None
        return self.kron.at(Z) if self.active else None

    def drop(self):
        """No preconditioner for the rest of the run."""
        self.active = False

    def take_setup(self):
        """``{"setup": passes}`` for the set-up passes not reported yet, else ``{}``
        (keyword arguments of ``Monitor.record``)."""
        passes, self.setup_passes = self.setup_passes, 0
        return {"setup": passes} if passes else {}


class KroneckerPreconditioner:
    """``M^-1`` of ``M = B kron A + l2 I`` (see the module docstring).

    Parameters
    ----------
    obj : MultinomialLoss or FixedClassLoss
    kind : {"full", "moments"}, optional
        "full": A in full, by its eigendecomposition (dense X).  "moments":
        A as its diagonal plus the column means (``lam`` holds the column
        variances, and 1 for the intercept, ``mean`` the means).  None:
        :func:`default_kind`.
    """

    def __init__(self, obj, kind=None):
        self.obj = obj
        self.free = None if obj.symmetric else obj.free
        self.Q = self.mean = None
        kind = default_kind(obj) if kind is None else kind
        if kind not in ("full", "moments") or (kind == "full" and obj.is_sparse):
            raise ValueError(f'kind must be "full" (dense X) or "moments", got {kind!r}.')
        if kind == "moments":
            second, self.mean = obj.feature_moments()
            lam = second - self.mean ** 2
            if obj.fit_intercept:
                lam = np.append(lam, 1.0)
            else:
                # A constant column (v = 0) is no null direction of H without
                # an intercept: keep diag(v) invertible for Sherman-Morrison
                lam = np.maximum(lam, VAR_FLOOR * second)
        else:
            lam, self.Q = np.linalg.eigh(obj.feature_gram(gram_rows(obj.coef_shape[1])))
        self.lam = np.maximum(lam, 0.0)   # A is PSD; clip rounding below zero

    def condition(self, intercept=False):
        """Condition number of A over its nonzero eigenvalues (1 for A = 0).

        Sparse X: of the features' part of A as modelled, ``diag(v) + mu
        mu^T``, estimated as ``(max v + |mu|^2) / min v`` over the nonzero
        variances (the largest eigenvalue is within a factor 2 of the
        numerator).  The intercept is left out unless ``intercept``: its
        entry, 1, stands apart from the columns' mean squares (~1e-3 on the
        CSR bench) but is a single direction, which CG resolves on its own;
        L-BFGS, whose initial matrix is one scale for every direction, does
        not (lbfgs passes True: on a 100,000 x 5,000 CSR problem with column
        mean squares ~0.01 the preconditioner cut its iterations 140 -> 34).
        """
        if self.Q is not None:
            lam, spike = self.lam, 0.0
        else:
            keep = self.lam.shape[0] if intercept else self.obj.n_features
            lam, spike = self.lam[:keep], float(self.mean @ self.mean)
        top = float(lam.max()) + spike if lam.size else 0.0
        nonzero = lam[lam > 1e-12 * top]
        return top / float(nonzero.min()) if nonzero.size else 1.0

    def at(self, Z):
        """The function ``r -> M^-1 r`` at the point whose scores are Z.

        ``r`` is a flat float64 vector of ``obj.coef_shape``; the result too.
        """
        obj = self.obj
        if hasattr(Z, "probability_gram"):  # a blocked objective's scores (scale/)
            C = Z.probability_gram()
        else:
            P = np.asarray(special.softmax(Z, n_threads=obj.n_threads), dtype=np.float64)
            sw = obj.sample_weight
            Ps = P if sw is None else P * np.asarray(sw, dtype=np.float64)[:, None]
            C = Ps.T @ P
        # sum_i s_i p_ik = sum_l C_kl, since each row of P sums to 1: the
        # diagonal term without another sweep over P (numpy's column sums of
        # an (n, K) array took longer than the product), and B 1 = 0 to rounding
        B = (np.diag(C.sum(axis=1)) - C) / obj.weight_sum
        if self.free is not None:
            B = B[np.ix_(self.free, self.free)]
        sig, R = np.linalg.eigh(B)
        sig = np.maximum(sig, 0.0)
        lam = self.lam
        if obj.l2 <= 0.0:
            # Unpenalised: B is singular along the class shift and A along
            # constant or collinear features, where H is singular too and the
            # gradient has no component: leave out what is zero to rounding in
            # either factor (and only that: a cut relative to sig lam^T, say
            # 1e-12, removed the directions of features scaled 1e-3 next to
            # 1e3, and the fit stalled).
            sig = np.where(sig > NULL_CUT * float(sig.max(initial=0.0)), sig, 0.0)
            lam = np.where(lam > NULL_CUT * float(lam.max(initial=0.0)), lam, 0.0)
        den = sig[:, None] * lam[None, :] + obj.l2
        inv = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0.0)
        shape = obj.coef_shape
        if self.Q is not None:
            Q = self.Q

            def apply(r):
                T = R.T @ r.reshape(shape) @ Q
                T *= inv
                return (R @ T @ Q.T).ravel()
        elif obj.fit_intercept:
            mean, d = self.mean, obj.n_features

            def apply(r):   # L^-T (diagonal solve) L^-1, class by class
                T = R.T @ r.reshape(shape)
                T[:, :d] -= T[:, d:] * mean
                T *= inv
                T = R @ T
                T[:, d] -= T[:, :d] @ mean
                return T.ravel()
        else:
            # (sig_k diag(v) + l2 I + sig_k mu mu^T)^-1 by Sherman-Morrison
            inv_mean = inv * self.mean
            scale = sig / (1.0 + sig * (inv_mean @ self.mean))

            def apply(r):
                T = R.T @ r.reshape(shape)
                T *= inv
                T -= inv_mean * (scale * (T @ self.mean))[:, None]
                return (R @ T).ravel()

        return apply
