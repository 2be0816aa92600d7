"""What one fit of a path leaves for the next (solvers/_path_cache.py).

The next fit starts from the previous end point with the penalty's part
swapped: its objective and gradient must be what a fresh evaluation at the
new strength gives (to rounding, 1e-12 relative in float64; float32 fits are
compared at 1e-6, the rounding of float32 scores), and the path's fits the
same optima as fits without the cache, in fewer passes.  What a fit builds
from X alone (the preconditioner's Gram matrix, the curvature rows' copy) is
built once per path.
"""

import numpy as np
import pytest

from softmax_ext.linear_model._liblinear import penalise_intercept
from softmax_ext.linear_model._path import fit_path
from softmax_ext.objective import _restrict
from softmax_ext.objective._moments import feature_gram
from softmax_ext.objective._penalty import set_objective_l2
from softmax_ext.solvers import _newton, solve
from softmax_ext.solvers._path_cache import PathCache
from softmax_ext.special import softmax
from solver_problems import make_problem

CASES = {
    "dense": dict(),
    "csr": dict(sparse=True),
    "weighted": dict(weights=True),
    "no intercept": dict(fit_intercept=False),
    "binary": dict(K=2),
    "float32": dict(dtype=np.float32),
}


def _objective(case, liblinear=False):
    obj = make_problem(n=300, d=6, K=CASES[case].get("K", 3), seed=2,
                       **{k: v for k, v in CASES[case].items() if k != "K"})
    if liblinear:
        penalise_intercept(obj, 2.0)
    return obj


@pytest.mark.parametrize("liblinear", [False, True])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky"])
def test_start_is_the_previous_end_at_the_new_strength(case, solver, liblinear):
    obj = _objective(case, liblinear)
    cache = PathCache()
    res = solve(obj, solver=solver, tol=1e-6, cache=cache)
    set_objective_l2(obj, obj.l2 * 7.0)
    x, Z, f, g = cache.start(obj, res.coef)
    rtol = 1e-6 if obj.dtype == np.float32 else 1e-12
    Z_fresh = np.asarray(obj.scores(x.reshape(obj.coef_shape)), dtype=np.float64)
    # the start is the end iterate; res.coef its returned form (intercepts
    # centred, X's dtype), with the same probabilities
    Z_coef = np.asarray(obj.scores(res.coef), dtype=np.float64)
    np.testing.assert_allclose(softmax(Z_coef), softmax(Z_fresh), rtol=0, atol=10 * rtol)
    np.testing.assert_allclose(Z, Z_fresh, rtol=rtol, atol=rtol * np.abs(Z_fresh).max())
    f_fresh, g_fresh = obj.loss_gradient_scores(Z_fresh, x.reshape(obj.coef_shape))
    np.testing.assert_allclose(f, f_fresh, rtol=rtol)
    np.testing.assert_allclose(g, np.ravel(g_fresh), rtol=0,
                               atol=rtol * max(1.0, np.abs(g_fresh).max()))
    assert cache.start(obj, res.coef) is None  # taken once


def test_start_only_from_the_returned_coefficients_of_the_same_objective():
    obj, other = _objective("dense"), _objective("dense")
    cache = PathCache()
    res = solve(obj, solver="newton-cg", tol=1e-6, cache=cache)
    assert cache.start(obj, res.coef + 1e-3) is None
    solve(obj, solver="newton-cg", tol=1e-6, cache=cache)
    assert cache.start(other, res.coef) is None
    solve(obj, solver="newton-cg", tol=1e-6, cache=cache)
    assert cache.start(obj, None) is None
    # gd keeps its extrapolated point's gradient: it neither stores nor reads one
    solve(obj, solver="gd", tol=1e-6, cache=cache)
    assert cache.start(obj, res.coef) is None


# an L1 term (l1_ratio > 0) is fitted by prox-newton, which "auto" picks
@pytest.mark.parametrize("solver, l1_ratio", [("lbfgs", 0.0), ("newton-cg", 0.0),
                                              ("newton-cholesky", 0.0), ("auto", 0.5)])
def test_path_from_the_previous_ends_keeps_the_optima_in_fewer_passes(solver, l1_ratio,
                                                                      monkeypatch):
    obj = make_problem(n=400, d=8, K=4, seed=5)
    Cs = np.geomspace(1e-2, 1e2, 6)
    args = (obj.X, obj.y, 4, Cs)
    params = dict(solver=solver, tol=1e-8, max_iter=500, l1_ratio=l1_ratio)
    warm, _, passes = fit_path(*args, **params)
    monkeypatch.setattr(PathCache, "start", lambda self, objective, coef0: None)
    cold, _, passes_cold = fit_path(*args, **params)
    # a fit that starts at its end point saves the start's two passes
    assert passes.sum() <= passes_cold.sum() - 2 * (len(Cs) - 1)
    np.testing.assert_allclose(warm, cold, atol=1e-6)


def test_what_comes_from_x_alone_is_built_once_per_path(monkeypatch):
    monkeypatch.setattr(_newton, "CURVATURE_ROWS", 300)
    monkeypatch.setattr(_newton, "CURVATURE_ROWS_PER_COEF", 2)
    rng = np.random.default_rng(0)
    # correlated columns with uneven scales: "auto" preconditions newton-cg
    X = rng.standard_normal((3000, 6)) @ rng.standard_normal((6, 6)) * [1, 1, 1, 10, 10, 100]
    y = rng.integers(0, 3, 3000)
    counts = {"gram": 0, "restrict": 0}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr("softmax_ext.objective._moments.feature_gram",
                        counting("gram", feature_gram))
    monkeypatch.setattr(_restrict, "restricted_base",
                        counting("restrict", _restrict.restricted_base))
    Cs = np.geomspace(1e-2, 1e2, 5)
    warm, _, _ = fit_path(X, y, 3, Cs, solver="newton-cg", tol=1e-6, max_iter=500)
    assert counts == {"gram": 1, "restrict": 1}
    # each fit alone builds its own, at the same optimum
    for C, w in zip(Cs, warm):
        counts.update(gram=0, restrict=0)
        alone, _, _ = fit_path(X, y, 3, [C], solver="newton-cg", tol=1e-6, max_iter=500)
        assert counts == {"gram": 1, "restrict": 1}
        np.testing.assert_allclose(w, alone[0], rtol=1e-5, atol=1e-6)


def test_a_shared_value_is_rebuilt_for_another_objective():
    cache, built = PathCache(), []
    a, b = _objective("dense"), _objective("csr")
    for obj in (a, a, b, a):
        cache.shared(obj, "key", lambda: built.append(obj) or len(built))
    assert built == [a, b, a]


def test_a_shared_value_of_another_version_replaces_the_held_one():
    cache, built = PathCache(), []
    obj = _objective("dense")
    for version in (b"a", b"a", b"b", b"a"):
        cache.shared(obj, "rows", lambda: built.append(version) or version, version)
    assert built == [b"a", b"b", b"a"] and len(cache._shared) == 1


@pytest.mark.parametrize("fixed", [False, True])
def test_an_l1_path_copies_its_hessian_rows_once(monkeypatch, fixed):
    from softmax_ext.solvers import prox_newton as pn

    # one row sample for every working set: 400 rows of 1200 whatever its size
    monkeypatch.setattr(pn, "HESSIAN_ROWS", 400)
    monkeypatch.setattr(pn, "PATH_HESSIAN_ROWS_PER_COEF", 0)
    obj = make_problem(n=1200, d=12, K=2 if fixed else 3, seed=4, weights=True)
    copies = []
    original = _restrict.restricted_base

    def counting(base, features=None, rows=None):
        if rows is not None:
            copies.append(features)
        return original(base, features, rows)

    monkeypatch.setattr(_restrict, "restricted_base", counting)
    Cs = np.geomspace(0.05, 5.0, 5)
    warm, _, _ = fit_path(obj.X, obj.y, obj.n_classes, Cs, sample_weight=obj.sample_weight,
                          l1_ratio=0.7, tol=1e-9, max_iter=300)
    # once, with every column: the working sets' columns are cut from that copy
    assert len(copies) == 1 and copies[0] is None
    for C, w in zip(Cs, warm):
        alone, _, _ = fit_path(obj.X, obj.y, obj.n_classes, [C], sample_weight=obj.sample_weight,
                               l1_ratio=0.7, tol=1e-9, max_iter=300)
        np.testing.assert_allclose(w, alone[0], atol=1e-6)
