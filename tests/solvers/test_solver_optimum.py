"""Every solver reaches the same optimum: a high-precision reference, scikit-learn, the
reference-class fit, and on hard data (separable, collinear, badly scaled).

Tolerances: see ``solver_problems.py``.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import FixedClassLoss, MultinomialLoss
from softmax_ext.solvers import SolverResult, solve
from solver_problems import (SOLVER_NAMES, assert_monotone, make_data, make_problem, reference,
                             separable_data)


_REFS = {}


@pytest.mark.parametrize("solver", SOLVER_NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no-intercept"])
@pytest.mark.parametrize("weights", [False, True], ids=["unweighted", "weighted"])
def test_solvers_reach_reference_optimum(solver, dtype, sparse, fit_intercept, weights):
    obj = make_problem(dtype=dtype, sparse=sparse, fit_intercept=fit_intercept, weights=weights)
    key = (sparse, fit_intercept, weights)
    if key not in _REFS:
        _REFS[key] = reference(obj)
    ref, ref_coef, ref_loss = _REFS[key]
    tol = 1e-8 if dtype == np.float64 else 1e-5
    res = solve(obj, solver=solver, tol=tol, max_iter=5000)
    assert isinstance(res, SolverResult) and res.solver == solver
    assert res.converged, res.message
    assert res.coef.dtype == dtype and res.coef.shape == obj.coef_shape
    assert res.grad_max <= tol
    # a fresh evaluation at the returned coefficients agrees with the reported one
    loss, grad = obj.loss_gradient(res.coef)
    assert np.max(np.abs(grad)) <= (1.01 * tol if dtype == np.float64 else 3 * tol)
    rtol_f, atol_c = (1e-10, 1e-5) if dtype == np.float64 else (1e-6, 1e-3)
    assert abs(ref.loss(res.coef) - ref_loss) <= rtol_f * ref_loss
    np.testing.assert_allclose(res.coef, ref_coef, atol=atol_c)
    assert_monotone(res.history, dtype)
    assert res.n_iter == len(res.history) - 1
    assert res.n_passes_over_X == res.history[-1]["passes"] or solver == "gd"


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_binary_fixed_class_matches_sklearn(solver):
    from sklearn.linear_model import LogisticRegression

    X, y = make_data(n=150, d=4, K=2, seed=3)
    n = len(y)
    obj = FixedClassLoss(MultinomialLoss(X, y, l2=1.0 / n, n_threads=1))
    res = solve(obj, solver=solver, tol=1e-9, max_iter=3000)
    clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(X, y)
    ref = np.hstack([clf.coef_, clf.intercept_[:, None]])
    assert res.converged
    assert obj.loss(res.coef) <= obj.loss(ref) * (1 + 1e-10)
    np.testing.assert_allclose(res.coef, ref, atol=1e-6)


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_unpenalised_matches_reference_class_fit(solver):
    """l2 = 0: the symmetric fit equals the reference-class fit mapped back by centring."""
    obj = make_problem(n=300, d=3, K=3, seed=9, l2=0.0, weights=True)
    fixed = FixedClassLoss(obj, fixed=0)

    def fun(c):
        f, g = fixed.loss_gradient(c)
        return f, g.ravel()

    res = scipy.optimize.minimize(fun, np.zeros(int(np.prod(fixed.coef_shape))), jac=True,
                                  hess=lambda c: fixed.hessian(c), method="trust-exact",
                                  options={"gtol": 1e-13})
    ref = fixed.full(res.x)
    ref -= ref.mean(axis=0)  # centre every column over classes: same probabilities
    ref_loss = obj.loss(ref)
    assert obj.loss(fixed.full(res.x)) == pytest.approx(ref_loss, rel=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # not separable: no warning
        ours = solve(obj, solver=solver, tol=1e-9, max_iter=5000)
    assert ours.converged
    assert abs(obj.loss(ours.coef) - ref_loss) <= 1e-12 * ref_loss
    np.testing.assert_allclose(ours.coef.sum(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(ours.coef, ref, atol=1e-5)


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_separable_unpenalised_warns(solver):
    X, y = separable_data()
    obj = MultinomialLoss(X, y, l2=0.0, n_threads=1)
    with pytest.warns(ConvergenceWarning, match="separable.*no finite minimiser"):
        res = solve(obj, solver=solver, tol=1e-10, max_iter=50)
    assert np.all(np.isfinite(res.coef)) and np.isfinite(res.loss)
    assert res.loss < 1e-2


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_separable_tiny_penalty(solver):
    X, y = separable_data(seed=1)
    obj = MultinomialLoss(X, y, l2=1e-6, n_threads=1)
    tol = 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # gd may need more iterations
        res = solve(obj, solver=solver, tol=tol, max_iter=300)
    ref = solve(obj, solver="newton-cholesky", tol=1e-12, max_iter=300)
    assert ref.converged
    assert np.all(np.isfinite(res.coef))
    if solver != "gd":
        assert res.converged
        # strong convexity (modulus >= l2 on the weights): f - f* <= ||g||^2 / (2 l2)
        m = res.coef.size
        assert ref.loss <= res.loss <= ref.loss + m * tol**2 / (2 * obj.l2)


@pytest.mark.parametrize("l2", [0.0, 1e-3])
@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_collinear_and_constant_features(solver, l2):
    X, y = make_data(n=150, d=3, K=3, seed=4, noise=3.0)
    X = np.hstack([X, X[:, :1] * 2.0, np.ones((150, 1)) * 3.0])  # collinear + constant
    obj = MultinomialLoss(X, y, l2=l2, n_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(obj, solver=solver, tol=1e-7, max_iter=1000)
    assert np.all(np.isfinite(res.coef))
    # the optimum value exists (overlapping classes) even though the minimiser is not unique
    X0 = X[:, :3]
    ref = solve(MultinomialLoss(X0, y, l2=l2, n_threads=1), solver="newton-cholesky",
                tol=1e-10)
    if l2 == 0.0:
        assert res.loss == pytest.approx(ref.loss, rel=1e-7)
    else:
        assert res.loss <= ref.loss * (1 + 1e-12)  # more features can only help
    if solver != "gd":
        assert res.converged


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_class_with_single_sample(solver):
    X, y = make_data(n=80, d=3, K=3, seed=6)
    X = np.vstack([X, [[5.0, -5.0, 5.0]]])
    y = np.append(y, 3)
    obj = MultinomialLoss(X, y, l2=1e-2, n_threads=1)
    res = solve(obj, solver=solver, tol=1e-7, max_iter=2000)
    assert res.converged and np.all(np.isfinite(res.coef))
    ref = solve(obj, solver="newton-cholesky", tol=1e-11)
    assert res.loss == pytest.approx(ref.loss, rel=1e-10)


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_badly_scaled_features(solver):
    X, y = make_data(n=150, d=4, K=3, seed=8)
    X[:, 0] *= 1e6
    X[:, 1] *= 1e-6
    obj = MultinomialLoss(X, y, l2=1e-3, n_threads=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = solve(obj, solver=solver, tol=1e-6, max_iter=200)
    assert np.all(np.isfinite(res.coef)) and np.isfinite(res.loss)
    assert res.loss <= np.log(3)
    msgs = [str(w.message) for w in caught]
    assert not any("overflow" in m or "invalid value" in m for m in msgs)
    if not res.converged:
        assert any("scale the features" in m for m in msgs)
    if solver == "newton-cholesky":
        assert res.converged  # the Hessian sees the scales

