"""What every solver run does alike: passes over X per iteration, warm starts, stopping,
warnings, callbacks, verbose lines, option checks."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import MultinomialLoss
from softmax_ext.objective._kernels import hessian_passes as passes_over_X
from softmax_ext.solvers import solve
from solver_problems import SOLVER_NAMES, make_data, make_problem


@pytest.mark.parametrize("solver,per_iter", [("lbfgs", 2), ("newton-cholesky", "hessian"),
                                             ("gd", 2), ("newton-cg", None)])
def test_line_search_trials_add_no_passes(solver, per_iter):
    # unscaled features: the first steps need several trials
    # a start far from the optimum: the first steps overshoot and need several trials
    X, y = make_data(n=200, d=6, K=4, seed=11)
    obj = MultinomialLoss(X, y, l2=1e-3, n_threads=1)
    coef0 = np.random.default_rng(0).standard_normal(obj.coef_shape) * 4.0
    res = solve(obj, coef0, solver=solver, tol=1e-7, max_iter=5000)
    assert res.converged
    hist = res.history
    assert hist[0]["passes"] == 2  # forward and backward pass at coef0
    trials = [h["trials"] for h in hist[1:]]
    assert max(trials) > 1, "the test needs iterations with several line-search trials"
    for a, b in zip(hist, hist[1:]):
        if per_iter is None:  # preconditioner + products + XD + gradient
            # products from the held scores: no setup pass, one pass per product;
            # the preconditioner's Gram matrix of X: one pass, once
            expected = 2 + b["cg"]
        elif per_iter == "hessian":  # the assembly's reads of X + XD + gradient
            expected = passes_over_X(obj) + 2
        else:
            expected = per_iter
        expected += 2 * b.get("restarts", 0)  # gd: a rejected step (XD) + gradient at x
        # the preconditioner's Gram matrix of X (lbfgs, newton-cg): one pass, once
        expected += b.get("setup", 0)
        assert b["passes"] - a["passes"] == expected


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_warm_start(solver):
    obj = make_problem(l2=1e-2)
    first = solve(obj, solver="newton-cholesky", tol=1e-10)
    res = solve(obj, first.coef, solver=solver, tol=1e-8)
    assert res.converged and res.n_iter <= 1
    np.testing.assert_allclose(res.coef, first.coef, atol=1e-7)
    near = first.coef + 1e-3
    res = solve(obj, near, solver=solver, tol=1e-8, max_iter=500)
    cold = solve(obj, solver=solver, tol=1e-8, max_iter=500)
    assert res.converged and res.n_iter <= cold.n_iter


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_convergence_warning(solver):
    obj = make_problem(l2=1e-6, seed=2)
    # scikit-learn's wording where it has one ("lbfgs failed to converge after
    # N iteration(s) ... Increase the number of iterations"), then ours
    opening = ("Newton solver did not converge" if solver == "newton-cholesky"
               else f"{solver} failed to converge")
    with pytest.warns(ConvergenceWarning, match=opening + r" after 1 iterations.*max_iter"
                                                r".*Increase the number of iterations.*scale"):
        res = solve(obj, solver=solver, tol=1e-14, max_iter=1)
    assert not res.converged and res.n_iter == 1
    assert np.all(np.isfinite(res.coef))


@pytest.mark.parametrize("solver", SOLVER_NAMES)
def test_callback_stops(solver):
    obj = make_problem(l2=1e-4)
    seen = []

    def callback(state):
        seen.append((state.iteration, state.loss))
        assert state.coef.shape == obj.coef_shape and state.grad.shape == obj.coef_shape
        return state.iteration == 2

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a requested stop is not a failure
        res = solve(obj, solver=solver, tol=1e-12, max_iter=100, callback=callback)
    assert [s[0] for s in seen] == [1, 2]
    assert res.n_iter == 2 and not res.converged and "callback" in res.message
    assert res.loss == pytest.approx(seen[-1][1])


def test_verbose_prints_iterations(capsys):
    obj = make_problem()
    res = solve(obj, solver="lbfgs", tol=1e-6, verbose=1)
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.split()[1:2] and line.split()[1].isdigit()]
    assert len(rows) == res.n_iter + 1
    last = rows[-1].split()
    assert int(last[1]) == res.n_iter and int(last[5]) == res.n_passes_over_X
    assert "passes" in out[0] and "seconds" in out[0]


def test_invalid_arguments():
    obj = make_problem()
    with pytest.raises(ValueError, match="'auto', 'lbfgs', 'newton-cholesky', 'newton-cg', 'gd'"):
        solve(obj, solver="sag")
    with pytest.raises(ValueError, match="tol"):
        solve(obj, tol=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        solve(obj, max_iter=-3)
    with pytest.raises(ValueError, match="coef0 has shape"):
        solve(obj, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        solve(obj, np.full(obj.coef_shape, np.nan))
    with pytest.raises(TypeError, match="callback"):
        solve(obj, callback=3)


def test_max_iter_zero_returns_start():
    obj = make_problem()
    with pytest.warns(ConvergenceWarning):
        res = solve(obj, solver="lbfgs", max_iter=0)
    assert res.n_iter == 0 and np.all(res.coef == 0)
    assert res.loss == pytest.approx(np.log(3))

