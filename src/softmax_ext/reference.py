"""Plain NumPy reference implementations: the oracles the kernels are tested against.

Everything here is written for clarity, in float64, with the textbook
formulas; speed does not matter.  Each function names the kernel it checks.
"""

import numpy as np
from scipy.special import expit

__all__ = [
    "logsumexp", "softmax", "log_softmax", "cross_entropy",
    "multinomial_loss_gradient", "multinomial_hessian", "multinomial_hessp",
    "binary_loss_gradient", "binary_hessian",
    "first_nonfinite", "csr_structure",
]


def _as2d(Z):
    Z = np.asarray(Z, dtype=np.float64)
    return Z.reshape(1, -1) if Z.ndim == 1 else Z


def logsumexp(Z):
    """Oracle of ``smx_logsumexp``: max-shifted log-sum-exp of each row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(Z, axis=1, keepdims=True) if Z.shape[1] else np.zeros((Z.shape[0], 1))
        m = np.where(np.isfinite(m), m, 0.0)
        return (m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))[:, 0]


def softmax(Z):
    """Oracle of ``smx_softmax``: exp(z - max) / sum(exp(z - max)) per row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)


def log_softmax(Z):
    """Oracle of ``smx_log_softmax``: (z - m) - log(sum(exp(z - m))) per row."""
    Z = _as2d(Z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = np.max(Z, axis=1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        return (Z - m) - np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))


def cross_entropy(Z, y, sample_weight=None):
    """Oracle of ``smx_cross_entropy``.

    Returns
    -------
    loss : float
        ``sum_i s_i * (logsumexp(Z[i]) - Z[i, y[i]])``
    R : ndarray (n, K)
        ``s_i * (softmax(Z[i]) - onehot(y[i]))``
    """
    Z = _as2d(Z)
    n, K = Z.shape
    y = np.asarray(y, dtype=np.int64)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), y] = 1.0
    loss = float(np.sum(s * (logsumexp(Z) - Z[np.arange(n), y])))
    R = s[:, None] * (softmax(Z) - onehot)
    return loss, R


# ---- objective oracles: loss, gradient, Hessian, Hessian products ----------

def _xtilde_dense(X, fit_intercept):
    """X as dense float64 with a trailing column of ones when fit_intercept."""
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    X = np.asarray(X, dtype=np.float64)
    if fit_intercept:
        X = np.hstack([X, np.ones((X.shape[0], 1))])
    return X


def _penalty_mask(coef_shape, fit_intercept):
    """1.0 on the penalised (non-intercept) entries of coef, 0.0 elsewhere."""
    mask = np.ones(coef_shape)
    if fit_intercept:
        mask[:, -1] = 0.0
    return mask


def multinomial_loss_gradient(X, y, coef, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of the fused loss/gradient kernels (``smx_lossgrad``) and of
    ``MultinomialLoss.loss_gradient``: the normalised objective and gradient.

    ``f = (1 / sum(s)) sum_i s_i (logsumexp(z_i) - z_{i, y_i}) + (l2 / 2) ||W||^2``
    with ``z_i = W x_i + b``; coef is (K, d + 1) with the intercept last when
    ``fit_intercept``, else (K, d).  Everything in float64, dense.

    Returns
    -------
    loss : float
    grad : ndarray of the shape of coef, float64
    """
    Xt = _xtilde_dense(X, fit_intercept)
    coef = np.asarray(coef, dtype=np.float64)
    n = Xt.shape[0]
    d = Xt.shape[1] - (1 if fit_intercept else 0)
    y = np.asarray(y, dtype=np.int64)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    W = coef[:, :d]
    Z = Xt @ coef.T
    data, R = cross_entropy(Z, y, s)
    loss = data / s.sum() + 0.5 * l2 * float(np.sum(W * W))
    grad = R.T @ Xt / s.sum()
    grad[:, :d] += l2 * W
    return loss, grad


def multinomial_hessian(X, y, coef, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of ``MultinomialLoss.hessian`` (``smx_hessian_*``), normalised.

    ``(1 / sum(s)) sum_i s_i (diag(p_i) - p_i p_i^T) kron x~_i x~_i^T + l2 D``
    with D the identity on the weights (not the intercepts), rows and columns
    in the order of ``coef.ravel()`` (index ``k * p + j``).  ``y`` does not
    enter the Hessian; it is taken for a uniform signature.
    """
    Xt = _xtilde_dense(X, fit_intercept)
    n, p = Xt.shape
    coef = np.asarray(coef, dtype=np.float64).reshape(-1, p)
    K = coef.shape[0]
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    P = softmax(Xt @ coef.T)
    H = np.zeros((K, p, K, p))
    for k in range(K):
        for l in range(K):
            w = s * P[:, k] * ((k == l) - P[:, l])
            H[k, :, l, :] = Xt.T @ (w[:, None] * Xt)
    H = H.reshape(K * p, K * p) / s.sum()
    H += l2 * np.diag(_penalty_mask((K, p), fit_intercept).ravel())
    return H


def multinomial_hessp(X, y, coef, V, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of ``MultinomialLoss.hessp(coef)(V)``: the normalised Hessian times V.

    Computed without forming H: with u_i = V x~_i,
    ``(H V)_k = (1 / sum(s)) sum_i s_i p_ik (u_ik - p_i . u_i) x~_i + l2 V_k``
    (intercepts not penalised).  Returns shape (K, p), float64.
    """
    Xt = _xtilde_dense(X, fit_intercept)
    n, p = Xt.shape
    coef = np.asarray(coef, dtype=np.float64).reshape(-1, p)
    V = np.asarray(V, dtype=np.float64).reshape(coef.shape)
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    P = softmax(Xt @ coef.T)
    U = Xt @ V.T
    T = P * (U - np.sum(P * U, axis=1, keepdims=True))
    HV = (Xt.T @ (s[:, None] * T)).T / s.sum()
    return HV + l2 * _penalty_mask(coef.shape, fit_intercept) * V


def _binary_parts(X, y, coef, sample_weight, fit_intercept):
    """X~ (dense float64), the scores z, labels and weights of the binary model."""
    Xt = _xtilde_dense(X, fit_intercept)
    w = np.asarray(coef, dtype=np.float64).ravel()
    s = (np.ones(Xt.shape[0]) if sample_weight is None
         else np.asarray(sample_weight, dtype=np.float64))
    return Xt, Xt @ w, np.asarray(y, dtype=np.float64), s, w


def binary_loss_gradient(X, y, coef, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of ``BinaryLoss.loss_gradient`` (``smx_binary``): scikit-learn's binary
    logistic objective, normalised.

    ``f = (1 / sum(s)) sum_i s_i (log(1 + exp(z_i)) - y_i z_i) + (l2 / 2) ||w||^2``
    with ``z_i = w . x_i + b``, y in {0, 1}; coef is (1, d + 1) with the
    intercept last when ``fit_intercept``, else (1, d).  float64, dense;
    ``np.logaddexp`` for the stable log(1 + exp(z)).

    Returns
    -------
    loss : float
    grad : ndarray of shape (1, p), float64
    """
    Xt, z, y, s, w = _binary_parts(X, y, coef, sample_weight, fit_intercept)
    d = Xt.shape[1] - (1 if fit_intercept else 0)
    loss = float(np.sum(s * (np.logaddexp(0.0, z) - y * z))) / s.sum()
    loss += 0.5 * l2 * float(w[:d] @ w[:d])
    grad = Xt.T @ (s * (expit(z) - y)) / s.sum()
    grad[:d] += l2 * w[:d]
    return loss, grad.reshape(1, -1)


def binary_hessian(X, y, coef, sample_weight=None, l2=0.0, fit_intercept=True):
    """Oracle of ``BinaryLoss.hessian``: ``X~^T diag(s p (1 - p)) X~ / sum(s)`` plus
    ``l2`` on the weights' diagonal, (p, p) float64."""
    Xt, z, _, s, _ = _binary_parts(X, y, coef, sample_weight, fit_intercept)
    d = Xt.shape[1] - (1 if fit_intercept else 0)
    p = expit(z)
    H = Xt.T @ ((s * p * (1.0 - p))[:, None] * Xt) / s.sum()
    H[np.arange(d), np.arange(d)] += l2
    return H


def first_nonfinite(x):
    """Oracle of ``smx_first_nonfinite``: index of the first NaN or infinity, or -1."""
    bad = np.flatnonzero(~np.isfinite(np.asarray(x, dtype=np.float64).ravel()))
    return int(bad[0]) if bad.size else -1


def csr_structure(indices, indptr, n_features):
    """Oracle of ``smx_check_csr``, for indptr running from 0 to ``len(indices)``.

    Walks the rows in order.  Returns ``(code, where, canonical)``: code 0
    (valid), 1 (``indptr[row + 1]`` below ``indptr[row]`` or beyond the
    entries; ``where`` is the row) or 2 (an index outside ``[0, n_features)``;
    ``where`` is the entry); ``canonical`` is True when every row's indices
    are strictly increasing (meaningful for code 0).
    """
    indices = [int(v) for v in indices]
    indptr = [int(v) for v in indptr]
    nnz = len(indices)
    canonical = True
    for row in range(len(indptr) - 1):
        start, stop = indptr[row], indptr[row + 1]
        if stop < start or stop > nnz:
            return 1, row, canonical
        for entry in range(start, stop):
            if not 0 <= indices[entry] < n_features:
                return 2, entry, canonical
        cols = indices[start:stop]
        if any(b <= a for a, b in zip(cols, cols[1:])):
            canonical = False
    return 0, -1, canonical


def fit_reference_form(X, y, *, sample_weight=None, C=np.inf, fit_intercept=True, reference=0,
                       n_classes=None, max_iter=100, tol=1e-10, n_threads=None):
    """Oracle of tightly converged fits for ``multinomial_inference``: Newton's
    method on the (penalised) likelihood in the reference parametrisation.

    Plain Newton with a Cholesky solve (least squares when the Hessian is
    singular) and Armijo backtracking, on the objective's
    :meth:`~softmax_ext.objective.FixedClassLoss.hessian`; it stops when a
    full step is below ``tol`` relative, which Newton's quadratic
    convergence makes far more accurate than the estimator's gradient test.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``.
    sample_weight : ndarray of shape (n_samples,), optional
    C : float, default=np.inf
        scikit-learn's C; the penalty is ``||W_free||^2 / (2 C)`` on the free
        rows (the binary / reference form), intercepts unpenalised.
    fit_intercept : bool, default=True
    reference : int, default=0
        The class whose row is fixed at zero.
    n_classes : int, optional
    max_iter : int, default=100
    tol : float, default=1e-10
    n_threads : int, optional

    Returns
    -------
    ndarray of shape (n_classes - 1, n_features [+1]), float64
        The contrasts ``gamma`` against ``reference``, intercept as the last
        column.
    """
    import scipy.linalg

    from .linear_model._penalty_params import l2_from_C
    from .objective import FixedClassLoss, MultinomialLoss

    weight_sum = float(len(y) if sample_weight is None else np.sum(sample_weight))
    base = MultinomialLoss(X, y, sample_weight=sample_weight, n_classes=n_classes,
                           fit_intercept=fit_intercept, n_threads=n_threads,
                           l2=l2_from_C(C, weight_sum))
    obj = FixedClassLoss(base, fixed=reference)
    coef = obj.init_coef().astype(np.float64)
    loss, grad = obj.loss_gradient(coef)
    for _ in range(max_iter):
        g = np.asarray(grad, dtype=np.float64).ravel()
        H = obj.hessian(coef)
        try:
            step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(H), g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(H, g, rcond=None)[0]
        dec = -g @ step
        if not dec > 0:  # at the optimum to rounding
            break
        t = 1.0
        while True:
            new = coef + t * step.reshape(coef.shape)
            new_loss, new_grad = obj.loss_gradient(new)
            # Armijo, or a change below rounding of the loss (near the optimum
            # the decrease is not measurable; the full step is then right).
            if (new_loss <= loss - 1e-4 * t * dec
                    or new_loss - loss <= 8 * np.finfo(np.float64).eps * abs(loss)
                    or t < 1e-10):
                break
            t *= 0.5
        coef, loss, grad = new, new_loss, new_grad
        # Newton converges quadratically: a full step this small leaves an
        # error far below it.
        if t == 1.0 and np.abs(step).max() < tol * (1.0 + np.abs(coef).max()):
            break
    return coef
def score_hessp(obj, Z):
    """Oracle of ``objective.hessp(coef, scores=Z)``: ``v -> H v`` built on the public API.

    ``H v = X~^T T / sum(s) + (penalty term)`` with ``U = X~ V^T``
    (``obj.scores(V)``, one pass) and ``T_i = s_i (p_i * u_i - p_i (p_i . u_i))``
    (O(n K)); the backward product ``X^T T`` is one more pass, counted in
    ``obj.n_passes_over_X``.  Probabilities come from Z: no setup pass.
    Works for ``MultinomialLoss`` and ``FixedClassLoss`` (rows of the free
    classes).  ``v`` is flat; it is rounded to the objective's dtype, as the
    solvers round their directions.
    """
    from . import special

    P = special.softmax(Z, n_threads=obj.n_threads)
    sw = None if obj.sample_weight is None else np.asarray(obj.sample_weight, dtype=np.float64)
    if sw is not None:
        P *= sw[:, None] if P.dtype == np.float64 else sw[:, None].astype(P.dtype)
    shape, d = obj.coef_shape, obj.n_features
    free = None if obj.symmetric else obj.free
    Xt = obj.X.T

    def product(v):
        V = np.asarray(v, dtype=np.float64).astype(obj.dtype).astype(np.float64).reshape(shape)
        U = np.asarray(obj.scores(V), dtype=np.float64)
        # with weights folded into P: T = s p*u - (s p) (p . u) = Ps*u - Ps * sum(p*u)
        PU = P * U
        pu = PU.sum(axis=1, keepdims=True)
        if sw is not None:
            pu /= np.where(sw > 0, sw, 1.0)[:, None]
        T = PU - P * pu
        if free is not None:
            T = T[:, free]
        G = np.empty(shape, dtype=np.float64)
        G[:, :d] = np.asarray(Xt @ T.astype(obj.dtype, copy=False), dtype=np.float64).T
        obj.n_passes_over_X += 1
        if shape[1] > d:
            G[:, d] = T.sum(axis=0)
        G /= obj.weight_sum
        obj.regularizer.add_hessp(V, G)
        return G.ravel()

    return product
