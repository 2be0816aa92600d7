"""Problems and oracles shared by the solver tests (imported by name: tests/solvers is on
sys.path under pytest's default import mode).

Tolerances.  float64: objective values within 1e-10 relative of the
reference, coefficients within ``tol / lambda_min``-sized bounds.  float32:
X, the scores and every pass over X are float32, so the objective itself is
only known to about ``eps32 * |Z|`` (~1e-7 relative on these problems) and
the gradient to a few 1e-7; the solvers are run to tol=1e-5 there and the
objective compared within 1e-6 relative, coefficients within 1e-3.
"""

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from softmax_ext import MultinomialLoss
from softmax_ext.solvers import SOLVERS

SOLVER_NAMES = [s for s in SOLVERS if s != "auto"]

EPS64 = np.finfo(np.float64).eps


def make_data(n=120, d=5, K=3, seed=0, noise=1.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((K, d))
    y = np.argmax(X @ W.T + noise * rng.standard_normal((n, K)), axis=1)
    return X, y


def make_problem(n=120, d=5, K=3, seed=0, dtype=np.float64, sparse=False, weights=False,
                 fit_intercept=True, l2=1e-2):
    X, y = make_data(n, d, K, seed)
    rng = np.random.default_rng(seed + 1)
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    X = X.astype(dtype)
    sw = rng.uniform(0.2, 3.0, n) if weights else None
    return MultinomialLoss(X, y, sample_weight=sw, l2=l2, fit_intercept=fit_intercept,
                           n_classes=K, n_threads=1)


def float64_twin(obj):
    X = obj.X.astype(np.float64)
    return MultinomialLoss(X, obj.y, sample_weight=obj.sample_weight, l2=obj.l2,
                           fit_intercept=obj.fit_intercept, n_classes=obj.n_classes,
                           n_threads=1)


def _hessian_off_null(ref, c):
    """The Hessian plus curvature 1/K along each null direction (one vector added to
    every class of a column the objective is invariant along).  The gradient is
    orthogonal to those directions, so the minimiser's non-null part is unchanged;
    scipy 1.10's trust-exact subproblem loops forever on the singular Hessian
    (scipy issue 12513), which hung `make test-min` at the scipy floor."""
    H = np.array(ref.hessian(c), dtype=np.float64)
    K, p = ref.coef_shape
    for j in ref.null_columns():
        idx = np.arange(K) * p + j
        H[np.ix_(idx, idx)] += 1.0 / K
    return H


def reference(obj):
    """High-precision optimum by scipy's trust-exact on the float64 objective, centred."""
    ref = float64_twin(obj)
    def fun(c):
        f, g = ref.loss_gradient(c)
        return f, g.ravel()

    res = scipy.optimize.minimize(
        fun, np.zeros(int(np.prod(ref.coef_shape))), jac=True,
        hess=lambda c: _hessian_off_null(ref, c), method="trust-exact",
        options={"gtol": 1e-13})
    coef = res.x
    for _ in range(3):  # polish: Newton steps with a least-squares solve (singular direction)
        f, g = fun(coef)
        coef = coef - np.linalg.lstsq(ref.hessian(coef), g, rcond=1e-14)[0]
    coef = coef.reshape(ref.coef_shape)
    if ref.fit_intercept:
        coef[:, -1] -= coef[:, -1].mean()
    assert np.max(np.abs(ref.gradient(coef))) < 1e-14
    return ref, coef, ref.loss(coef)


def assert_monotone(history, dtype):
    """Accepted objective values never increase (beyond the rounding of a value, 16 eps |f|)."""
    losses = np.array([h["loss"] for h in history])
    slack = 16 * np.finfo(dtype).eps * np.abs(losses[:-1])
    assert np.all(np.diff(losses) <= slack), np.diff(losses).max()


def separable_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int) * (X[:, 0] > 0)  # 3 classes
    X[:, 0] += np.sign(X[:, 0]) * 1.0
    X[:, 1] += np.sign(X[:, 1]) * 1.0
    return X, y

