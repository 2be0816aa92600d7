"""Proximal Newton for L1 / elastic-net objectives, and its coordinate-descent kernel.

Oracles: a split-variable reformulation solved by scipy's L-BFGS-B (w = u - v
with u, v >= 0 turns ``f + lam |w|`` into a smooth bound-constrained problem
with the same minimum), and scikit-learn's saga run to a tight tolerance.
Coefficients are compared only where the minimiser is unique (elastic net,
or pure L1 with an odd number of classes): with pure L1 and an even K the K
coefficients of a feature may shift together inside a flat interval.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from softmax_ext import FixedClassLoss, MultinomialLoss
from softmax_ext._ext import cd as _cd
from softmax_ext.special import softmax
from softmax_ext.solvers import solve
from softmax_ext.solvers import prox_newton as pn
from softmax_ext.solvers import _score_space as score_space
from softmax_ext.solvers._path_cache import ModelCache
from softmax_ext.solvers._score_space import ScoreSpaceModel
from softmax_ext.solvers.prox_newton import l1_weights, min_norm_subgradient


def split_variable_minimum(obj, l1):
    """min f + l1 ||W||_1 by L-BFGS-B on w = u - v (u, v >= 0 on the penalised entries)."""
    lam = l1_weights(obj, l1)
    pen = lam > 0
    m = lam.size

    k = int(pen.sum())

    def fun(z):
        w = z[:m].copy()
        w[pen] -= z[m:]
        f, g = obj.loss_gradient(w.reshape(obj.coef_shape))
        g = np.asarray(g, dtype=np.float64).ravel()
        F = f + l1 * (z[:m][pen].sum() + z[m:].sum())
        gz = np.concatenate([g, -g[pen]])
        gz[:m][pen] += l1
        gz[m:] += l1
        return F, gz

    bounds = [(0, None) if p else (None, None) for p in pen] + [(0, None)] * k
    res = scipy.optimize.minimize(fun, np.zeros(m + k), jac=True, method="L-BFGS-B",
                                  bounds=bounds,
                                  options=dict(maxiter=50000, maxfun=100000, ftol=1e-15,
                                               gtol=1e-12))
    w = res.x[:m].copy()
    w[pen] -= res.x[m:]
    return w, float(res.fun)


def problem(n=400, d=12, K=3, seed=0, sparse=False, dtype=np.float64, weights=False):
    X, y = make_classification(n, d, n_informative=6, n_redundant=2, n_classes=K,
                               n_clusters_per_class=1, random_state=seed)
    X = StandardScaler().fit_transform(X).astype(dtype)
    if sparse:
        X[np.abs(X) < 0.8] = 0
        X = sp.csr_matrix(X)
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, n) if weights else None
    return X, y, sw


def composite(obj, coef, l1):
    return obj.loss(coef) + float(np.dot(l1_weights(obj, l1), np.abs(np.ravel(coef))))


# ----- the coordinate-descent kernel ---------------------------------------------------

def quadratic(m, seed, rank=None):
    """A PSD model (singular when ``rank`` < m, with g in its range: bounded below)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((rank or 2 * m, m))
    H = A.T @ A / A.shape[0]
    g = H @ rng.standard_normal(m) if rank else rng.standard_normal(m)
    return H, g, rng.standard_normal(m)


@pytest.mark.parametrize("rank", [None, 3])
def test_cd_reaches_the_model_minimiser(rank):
    m = 8
    H, g, w = quadratic(m, 1, rank)
    lam = np.full(m, 0.3)
    lam[-1] = 0.0  # an unpenalised coordinate
    d, Hd = np.zeros(m), np.zeros(m)
    sweeps, change = _cd.cd_l1(H, g, w, lam, np.arange(m), d, Hd, 10_000, 1e-13)
    assert change <= 1e-13 and sweeps >= 1
    np.testing.assert_allclose(Hd, H @ d, atol=1e-12)
    # a coefficient the kernel zeroes is exactly zero, not an ulp away
    assert np.all((w + d == 0) | (np.abs(w + d) > 1e-12))
    # optimality of q(d) = g.d + d.H d / 2 + lam |w + d| at u = w + d
    v = min_norm_subgradient(w + d, g + H @ d, lam)
    assert np.max(np.abs(v)) < 1e-9


def test_cd_moves_only_the_given_coordinates():
    m = 6
    H, g, w = quadratic(m, 2)
    lam = np.full(m, 0.1)
    d, Hd = np.zeros(m), np.zeros(m)
    coords = np.array([0, 3, 4])
    _cd.cd_l1(H, g, w, lam, coords, d, Hd, 1000, 1e-12)
    assert np.all(d[[1, 2, 5]] == 0)
    assert np.any(d[coords] != 0)


def test_cd_rejects_what_the_kernel_assumes():
    H, g, w = quadratic(4, 3)
    lam, d, Hd = np.zeros(4), np.zeros(4), np.zeros(4)
    with pytest.raises(ValueError, match="coords"):
        _cd.cd_l1(H, g, w, lam, np.array([0, 4]), d, Hd, 10, 1e-8)
    with pytest.raises(ValueError, match="lam"):
        _cd.cd_l1(H, g, w, -np.ones(4), np.arange(4), d, Hd, 10, 1e-8)
    with pytest.raises(ValueError, match="g has 3"):
        _cd.cd_l1(H, g[:3], w, lam, np.arange(4), d, Hd, 10, 1e-8)
    with pytest.raises(ValueError, match="square"):
        _cd.cd_l1(H[:3], g, w, lam, np.arange(4), d, Hd, 10, 1e-8)


def ill_conditioned_model(m, noise, lam, seed=0):
    """An L1 model, bounded below, whose H has condition number ~1e4-1e6 (the
    columns of A share one direction up to ``noise``)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((4 * m, 1)) + noise * rng.standard_normal((4 * m, m))
    H = A.T @ A / A.shape[0]
    return H, H @ rng.standard_normal(m), np.zeros(m), np.full(m, lam)


def model_value(H, g, w, lam, d):
    return float(g @ d + 0.5 * d @ H @ d + lam @ np.abs(w + d))


def test_orthant_step_decreases_the_model_and_keeps_signs():
    for seed in range(20):
        H, g, w = quadratic(10, seed)
        lam = np.full(10, 0.2)
        d, Hd = np.zeros(10), np.zeros(10)
        _cd.cd_l1(H, g, w, lam, np.arange(10), d, Hd, 2, 0.0)  # a rough start
        before, z0 = model_value(H, g, w, lam, d), w + d
        assert pn.orthant_step(H, g, w, lam, d, Hd)
        z = w + d
        np.testing.assert_allclose(Hd, H @ d, atol=1e-12)
        assert model_value(H, g, w, lam, d) < before
        # no penalised coefficient changes sign; zeros stay (exactly) zero
        assert np.all(np.sign(z) * np.sign(z0) >= 0) and np.all(z[z0 == 0] == 0)


def orthant_oracle(H, g, w, lam, d, Hd):
    """The orthant steps as first written: a new Cholesky factorisation of the
    damped H_AA after every coefficient that reaches zero."""
    A = np.flatnonzero((w + d != 0) | (lam == 0))
    for _ in range(pn.ORTHANT_DROPS + 1):
        z = w[A] + d[A]
        sign = np.sign(z)
        H_AA = H[np.ix_(A, A)]
        H_AA[np.diag_indices(A.size)] *= 1.0 + pn.ORTHANT_DAMPING
        u = -np.linalg.solve(H_AA, g[A] + Hd[A] + lam[A] * sign)
        crossing = np.flatnonzero((lam[A] > 0) & (sign * (z + u) < 0))
        t, hit = 1.0, None
        if crossing.size:
            ratios = -z[crossing] / u[crossing]
            k = int(np.argmin(ratios))
            t, hit = float(ratios[k]), A[crossing[k]]
        d[A] += t * u
        if hit is None:
            break
        d[hit] = -w[hit]
        Hd[:] = H @ d
        A = A[A != hit]
        if A.size == 0:
            break
    Hd[:] = H @ d


def test_orthant_step_one_factorisation_equals_refactoring_after_each_drop():
    # the bordered update (one Cholesky factorisation for all the drops) takes
    # the steps of the active-set method that refactors on the smaller A
    drops = 0
    for seed in range(30):
        H, g, w = quadratic(25, seed)
        lam = np.full(25, 0.3)
        lam[:2] = 0.0  # unpenalised coordinates stay in A
        d, Hd = np.zeros(25), np.zeros(25)
        _cd.cd_l1(H, g, w, lam, np.arange(25), d, Hd, 1, 0.0)
        d_ref, Hd_ref = d.copy(), Hd.copy()
        orthant_oracle(H, g, w, lam, d_ref, Hd_ref)
        zeros0 = np.count_nonzero(w + d == 0)
        assert pn.orthant_step(H, g, w, lam, d, Hd)
        drops += np.count_nonzero(w + d == 0) - zeros0
        np.testing.assert_allclose(d, d_ref, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(Hd, H @ d, atol=1e-11)
        np.testing.assert_array_equal(w + d == 0, w + d_ref == 0)
    assert drops > 10  # the draws exercise the drops, not only full steps


@pytest.mark.parametrize("noise", [1e-1, 3e-2, 1e-2])
@pytest.mark.parametrize("lam", [0.01, 0.05])
def test_model_step_minimises_an_ill_conditioned_model(noise, lam):
    # cyclic CD alone stalls far from the minimiser in the solver's sweep budget
    # (the outer iteration would turn linear); with the orthant steps it is reached
    H, g, w, lam = ill_conditioned_model(40, noise, lam)
    d, Hd = np.zeros(40), np.zeros(40)
    _cd.cd_l1(H, g, w, lam, np.arange(40), d, Hd, pn.MAX_SWEEPS, 1e-10)
    assert np.max(np.abs(min_norm_subgradient(w + d, g + H @ d, lam))) > 1e-5
    penalty = pn.L1.__new__(pn.L1)  # the model step needs only the weights
    penalty.lam = lam
    d = penalty.model_step(H, g, w, 1e-10)
    assert np.max(np.abs(min_norm_subgradient(w + d, g + H @ d, lam))) <= 1e-9
    z = w + d
    assert np.all((z == 0) | (np.abs(z) > 1e-12))  # zeros are exact


# ----- the solver ------------------------------------------------------------------------

@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_elastic_net_matches_split_variable_oracle(sparse, weights, fit_intercept):
    X, y, sw = problem(sparse=sparse, weights=weights)
    obj = MultinomialLoss(X, y, sample_weight=sw, l2=0.01, fit_intercept=fit_intercept)
    l1 = 0.02
    res = solve(obj, l1=l1, tol=1e-10, max_iter=200)
    assert res.converged, res.message
    w_ref, F_ref = split_variable_minimum(obj, l1)
    assert abs(res.loss - F_ref) <= 1e-10 * abs(F_ref)
    assert abs(composite(obj, res.coef, l1) - res.loss) <= 1e-12 * abs(F_ref)
    np.testing.assert_allclose(res.coef.ravel(), w_ref, atol=2e-5)
    # the zero pattern: the oracle's bound-constrained zeros are exact up to its tolerance
    assert np.array_equal(res.coef.ravel() == 0, np.abs(w_ref) < 1e-7)


def test_float32_objective_within_float32_accuracy():
    X, y, _ = problem(dtype=np.float32)
    obj32 = MultinomialLoss(X, y, l2=0.01)
    obj64 = MultinomialLoss(X.astype(np.float64), y, l2=0.01)
    res32 = solve(obj32, l1=0.02, tol=1e-5)
    res64 = solve(obj64, l1=0.02, tol=1e-10)
    assert res32.coef.dtype == np.float32
    # float32 X and scores: the objective is accurate to ~sqrt(n) float32 ulps
    assert abs(composite(obj64, res32.coef, 0.02) - res64.loss) <= 1e-5 * res64.loss


def test_pure_l1_matches_saga_on_digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    n, C = X.shape[0], 0.05
    obj = MultinomialLoss(X, y, l2=0.0)
    res = solve(obj, l1=1.0 / (C * n), tol=1e-9, max_iter=300)
    assert res.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-10,
                                max_iter=100_000).fit(X, y)
    W = np.hstack([sk.coef_, sk.intercept_[:, None]])
    F_sk = composite(obj, W, 1.0 / (C * n))
    assert res.loss <= F_sk * (1 + 1e-9)
    assert abs(res.loss - F_sk) <= 1e-7 * F_sk
    # probabilities are unique even where coefficients are not (K = 10 is even)
    Z_ours = X @ res.coef[:, :-1].T + res.coef[:, -1]
    np.testing.assert_allclose(Z_ours - Z_ours.mean(axis=1, keepdims=True),
                               sk.decision_function(X) - sk.decision_function(X).mean(
                                   axis=1, keepdims=True), atol=2e-3)


def test_binary_fixed_class_matches_saga():
    X, y, _ = problem(K=2, seed=4)
    n, C = X.shape[0], 0.1
    obj = FixedClassLoss(MultinomialLoss(X, y, l2=0.5 / (C * n)), fixed=0)
    res = solve(obj, l1=0.5 / (C * n), tol=1e-10)
    assert res.converged and res.coef.shape == (1, X.shape[1] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(C=C, l1_ratio=0.5, solver="saga", tol=1e-12,
                                max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(res.coef[0, :-1], sk.coef_[0], atol=1e-6)
    np.testing.assert_allclose(res.coef[0, -1], sk.intercept_[0], atol=1e-6)


def test_working_sets_on_a_wide_problem():
    """Few informative features among many: the subproblems stay small and the
    result is the full problem's optimum."""
    X, y = make_classification(300, 200, n_informative=5, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, random_state=7)
    obj = MultinomialLoss(X, y, l2=1e-3)
    l1 = 0.05
    res = solve(obj, l1=l1, tol=1e-9, max_iter=200)
    assert res.converged
    sizes = [h["features"] for h in res.history if "features" in h]
    assert sizes and min(sizes) < X.shape[1]
    _, F_ref = split_variable_minimum(obj, l1)
    assert abs(res.loss - F_ref) <= 1e-9 * F_ref
    g = np.asarray(obj.gradient(res.coef), dtype=np.float64).ravel()
    v = min_norm_subgradient(res.coef.ravel().astype(np.float64), g, l1_weights(obj, l1))
    assert np.max(np.abs(v)) <= 1e-9


def test_no_l1_is_the_smooth_minimum():
    X, y, _ = problem()
    obj = MultinomialLoss(X, y, l2=0.05)
    res = solve(obj, l1=0.0, tol=1e-10)
    assert res.converged
    g = np.asarray(obj.gradient(res.coef))
    assert np.max(np.abs(g)) <= 1e-10


def test_zero_start_already_optimal_for_a_huge_penalty():
    X, y, _ = problem()
    obj = MultinomialLoss(X, y, l2=0.0, fit_intercept=False)
    res = solve(obj, l1=100.0, tol=1e-10)
    assert res.converged and res.n_iter == 0 and not np.any(res.coef)


def test_rejects_bad_l1_and_smooth_solvers_with_l1():
    X, y, _ = problem()
    obj = MultinomialLoss(X, y)
    for bad in (-1.0, np.inf, np.nan, "0.1", True):
        with pytest.raises(ValueError, match="l1 must be"):
            solve(obj, l1=bad)
    for solver in ("lbfgs", "newton-cg", "newton-cholesky", "gd"):
        with pytest.raises(ValueError, match="smooth objectives only"):
            solve(obj, l1=0.1, solver=solver)
    assert solve(obj, l1=0.1).solver == "prox-newton"


# ----- the group lasso across classes ------------------------------------------------------

def group_minimum(obj, l1):
    """min f + l1 sum_j ||W[:, j]||_2 by scipy's SLSQP on the epigraph form
    (t_j >= ||W[:, j]||, smooth constraints ||W_j||^2 <= t_j^2, t_j >= 0)."""
    K, p = obj.coef_shape
    d = obj.n_features
    m = K * p

    def fun(z):
        f, g = obj.loss_gradient(z[:m].reshape(K, p))
        return f + l1 * z[m:].sum(), np.concatenate([np.ravel(g), np.full(d, l1)])

    def cons(z):
        W = z[:m].reshape(K, p)[:, :d]
        return z[m:] ** 2 - np.sum(W ** 2, axis=0)

    z0 = np.concatenate([np.zeros(m), np.ones(d)])
    res = scipy.optimize.minimize(fun, z0, jac=True, method="SLSQP",
                                  constraints=[dict(type="ineq", fun=cons)],
                                  bounds=[(None, None)] * m + [(0, None)] * d,
                                  options=dict(maxiter=5000, ftol=1e-14))
    W = res.x[:m].reshape(K, p)
    # the true objective at SLSQP's point: its constraints hold only to a tolerance
    return res.x[:m], obj.loss(W) + l1 * float(np.sum(np.linalg.norm(W[:, :d], axis=0)))


def test_cd_group_reaches_the_model_minimiser():
    K, d = 3, 4
    m = K * (d + 1)
    H, g, w = quadratic(m, 5)
    flat = np.arange(m).reshape(K, d + 1)
    groups = np.ascontiguousarray(flat[:, :d].T)
    free = flat[:, -1].copy()
    blocks = H[groups[:, :, None], groups[:, None, :]]
    L = np.ascontiguousarray(np.linalg.eigvalsh(blocks)[:, -1])
    dvec, Hd = np.zeros(m), np.zeros(m)
    _cd.cd_group(H, g, w, groups, np.full(d, 0.4), L, free, dvec, Hd, 100_000, 1e-13)
    np.testing.assert_allclose(Hd, H @ dvec, atol=1e-12)
    u, r = w + dvec, g + H @ dvec
    for G in groups:
        nu = np.linalg.norm(u[G])
        if nu > 0:
            np.testing.assert_allclose(r[G] + 0.4 * u[G] / nu, 0, atol=1e-8)
        else:
            assert np.linalg.norm(r[G]) <= 0.4 + 1e-10
    np.testing.assert_allclose(r[free], 0, atol=1e-8)


def test_group_lasso_selects_whole_features_and_matches_oracle():
    X, y, _ = problem(n=300, d=10, K=3, seed=2)
    obj = MultinomialLoss(X, y, l2=0.0)
    l1 = 0.05
    res = solve(obj, l1=l1, tol=1e-10, max_iter=300, penalty="group")
    assert res.converged, res.message
    W = res.coef[:, :-1]
    zero = np.all(W == 0, axis=0)
    assert zero.any() and not zero.all()
    assert np.all(np.all(W == 0, axis=0) == np.any(W == 0, axis=0))  # all classes or none
    _, F_ref = group_minimum(obj, l1)
    assert res.loss <= F_ref + 1e-9 * abs(F_ref)
    assert abs(res.loss - F_ref) <= 1e-7 * abs(F_ref)


def test_rejects_unknown_penalty():
    X, y, _ = problem()
    with pytest.raises(ValueError, match="penalty"):
        solve(MultinomialLoss(X, y), l1=0.1, penalty="l0")


def test_working_set_is_bounded_and_a_too_large_support_goes_hessian_free(monkeypatch):
    X, y = make_classification(200, 60, n_informative=30, n_redundant=0, n_classes=3,
                               random_state=3)
    obj = MultinomialLoss(X, y, l2=1e-3)
    # room for 20 features: m = 3 x 21 = 63, two 63 x 63 arrays
    monkeypatch.setattr(pn, "WS_HESSIAN_BYTES", 16 * 63 * 63)
    assert pn.max_working_set(obj) == 20
    res = solve(obj, l1=0.2, tol=1e-9, max_iter=300)  # a sparse optimum: explicit H
    sizes = [h["features"] for h in res.history if "features" in h]
    assert res.converged and max(sizes) <= 20
    # a dense optimum: past 20 features the model is the score-space one, and the
    # optimum is still the oracle's
    built = []
    monkeypatch.setattr(pn, "ScoreSpaceModel",
                        lambda o: built.append(o.n_features) or ScoreSpaceModel(o))
    res = solve(obj, l1=1e-3, tol=1e-9, max_iter=300)
    assert res.converged and built and max(built) > 20
    _, F_ref = split_variable_minimum(obj, 1e-3)
    assert res.loss <= F_ref + 1e-10 * abs(F_ref)
    # the group penalty has no Hessian-free model: refused
    with pytest.raises(MemoryError, match="working-set Hessian fits in"):
        solve(obj, l1=1e-4, tol=1e-9, max_iter=300, penalty="group")


def test_working_set_model_is_the_cheaper_one(monkeypatch):
    """With the L1 penalty a sparse working set whose explicit sweep (m^2) costs
    more than two score-space ones (R (nnz + n)) gets the score-space model; the
    same shapes dense, or with the group penalty, stay explicit; the fit on the
    score-space model reaches the oracle's optimum."""
    rng = np.random.default_rng(11)
    n, d = 200, 60
    dense = rng.standard_normal((n, d))
    X = sp.random(n, d, density=0.02, format="csr", random_state=rng)
    y = rng.integers(0, 3, n)
    # 10 features in the support: the working set wants 40 (m = 3 x 41 = 123,
    # 15129 against 2 x 3 x (~160 + 200) for CSR, 2 x 3 x (40 n + n) dense)
    monkeypatch.setattr(pn, "WS_GROWTH", 4)
    for data, hessian_free, explicit in [(X, True, False), (dense, True, True),
                                         (X, False, True)]:
        obj = MultinomialLoss(data, y, l2=1e-3)
        x = np.zeros(obj.coef_shape)
        x[:, :10] = 1.0
        v = rng.standard_normal(obj.coef_shape)
        features, got = pn._working_set(obj, x.ravel(), v.ravel(), 1e-8, hessian_free,
                                        pn.column_nnz(obj))
        assert features.size == 40 and got == explicit
        assert pn.explicit_is_cheaper(obj, features, pn.column_nnz(obj)) == (data is dense)
    obj = MultinomialLoss(X, y, l2=1e-3)
    built = []
    monkeypatch.setattr(pn, "ScoreSpaceModel",
                        lambda o: built.append(o.n_features) or ScoreSpaceModel(o))
    res = solve(obj, l1=2e-3, tol=1e-10, max_iter=300)
    assert res.converged and built
    _, F_ref = split_variable_minimum(obj, 2e-3)
    assert res.loss <= F_ref + 1e-10 * abs(F_ref)


def test_l1_fit_takes_a_sparse_array():
    """A scipy sparse array (csr_array, no getnnz) fits as its csr_matrix twin:
    the working set's cost reads the column counts of either."""
    X, y, _ = problem(n=200, d=30, sparse=True)
    fits = [solve(MultinomialLoss(M, y, l2=1e-3), l1=2e-3, tol=1e-9, max_iter=300)
            for M in (sp.csr_array(X), sp.csr_matrix(X))]
    assert all(r.converged for r in fits)
    np.testing.assert_array_equal(fits[0].coef, fits[1].coef)
    np.testing.assert_array_equal(pn.column_nnz(MultinomialLoss(sp.csr_array(X), y)),
                                  np.asarray((X != 0).sum(axis=0)).ravel())


def _model_inputs(obj, seed):
    """A point of ``obj``, its scores, gradient and L1 weights for a model step."""
    rng = np.random.default_rng(seed)
    x = 0.3 * rng.standard_normal(obj.coef_shape)
    Z = np.asarray(obj.scores(x), dtype=np.float64)
    g = np.asarray(obj.gradient(x), dtype=np.float64).ravel()
    lam = l1_weights(obj, 0.02)
    return x.ravel(), Z, g, lam


def _model_objective(kind, sparse, fit_intercept):
    from softmax_ext.objective import BinaryLoss

    K = 2 if kind == "binary" else 3
    X, y, sw = problem(n=300, d=8, K=K, sparse=sparse, weights=True)
    base = MultinomialLoss(X, y, sample_weight=sw, l2=0.05, fit_intercept=fit_intercept)
    return {"multinomial": base, "fixed": FixedClassLoss(base, fixed=1) if K > 2 else None,
            "binary": BinaryLoss(base) if K == 2 else None}[kind]


@pytest.mark.parametrize("kind", ["multinomial", "fixed", "binary"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("by_blocks", [True, False])
def test_score_space_model_matches_the_explicit_hessian(monkeypatch, kind, sparse,
                                                        fit_intercept, by_blocks):
    """The Hessian-free model step is the explicit one's minimiser (unique: l2 > 0),
    with the sweeps by feature blocks and (no room for the blocks) by coordinates."""
    if not by_blocks:
        monkeypatch.setattr(score_space, "BLOCK_BYTES", 0)
    obj = _model_objective(kind, sparse, fit_intercept)
    x, Z, g, lam = _model_inputs(obj, 4)
    model = ScoreSpaceModel(obj)
    assert model.by_blocks == by_blocks
    d_scores = model.step(Z, g, x, lam, 1e-13, 100_000)
    H = np.ascontiguousarray(obj.hessian(x.reshape(obj.coef_shape)), dtype=np.float64)
    d, Hd = np.zeros(x.size), np.zeros(x.size)
    _cd.cd_l1(H, g, x, lam, np.arange(x.size), d, Hd, 100_000, 1e-13)

    def centred(step):
        # the multinomial model is flat along a common shift of the (unpenalised)
        # intercepts: the minimiser is unique up to it
        step = step.reshape(obj.coef_shape).copy()
        if kind == "multinomial" and fit_intercept:
            step[:, -1] -= step[:, -1].mean()
        return step.ravel()

    np.testing.assert_allclose(centred(d_scores), centred(d), atol=1e-8)
    v = min_norm_subgradient(x + d_scores, g + H @ d_scores, lam)
    assert np.max(np.abs(v)) < 1e-8
    assert np.all((x + d_scores == 0) | (np.abs(x + d_scores) > 1e-12))


def _blocks_at(obj, Z):
    """The score-space model of ``obj``, its rows' probabilities at the scores
    ``Z`` and its Hessian blocks there."""
    model = ScoreSpaceModel(obj)
    Pc = np.ascontiguousarray(softmax(Z)[:, model.classes])
    B = _cd.scores_blocks(model.data, model.indices, model.indptr, model.s, Pc, model.c,
                          model.intercept)
    return model, Pc, B


@pytest.mark.parametrize("kind", ["multinomial", "fixed", "binary"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_score_space_blocks_are_the_hessians_diagonal_blocks(kind, fit_intercept):
    """Block j is the explicit Hessian's entries ((r, j), (r', j)), penalty included."""
    obj = _model_objective(kind, True, fit_intercept)
    x, Z, _, _ = _model_inputs(obj, 5)
    model, Pc, B = _blocks_at(obj, Z)
    H = np.asarray(obj.hessian(x.reshape(obj.coef_shape)), dtype=np.float64)
    R, p = obj.coef_shape
    assert B.shape == (p, R, R)
    for j in range(p):
        flat = np.arange(R) * p + j
        np.testing.assert_allclose(B[j], H[np.ix_(flat, flat)], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["multinomial", "binary"])
def test_score_space_block_sweeps_alone_reach_the_models_minimiser(kind):
    """Without the CG steps, block coordinate descent converges to the explicit
    model's minimiser (the blocks couple a feature's classes exactly)."""
    obj = _model_objective(kind, True, True)
    x, Z, g, lam = _model_inputs(obj, 6)
    model, Pc, B = _blocks_at(obj, Z)
    n, R = Pc.shape
    d, U, T = np.zeros(x.size), np.zeros((n, R)), np.zeros(n)
    sweeps, change = _cd.cd_l1_scores_blocks(model.data, model.indices, model.indptr,
                                             model.s, Pc, B, g, x, lam, model.c, d, U, T,
                                             True, 100_000, 1e-13)
    assert change <= 1e-13 and sweeps < 100_000
    H = np.ascontiguousarray(obj.hessian(x.reshape(obj.coef_shape)), dtype=np.float64)
    v = min_norm_subgradient(x + d, g + H @ d, lam)
    assert np.max(np.abs(v)) < 1e-9
    # the state is the step's: U = X~ D, T its probability-weighted row sums
    U_ref = np.asarray(obj.scores(d.reshape(obj.coef_shape)), dtype=np.float64)[:, model.classes]
    np.testing.assert_allclose(U, U_ref, atol=1e-12)
    np.testing.assert_allclose(T, np.einsum("ir,ir->i", Pc, U_ref), atol=1e-12)


def test_score_space_block_kernels_reject_what_they_assume():
    model, x, g, lam = _small_score_space_model()
    m, n = x.size, model.n_samples
    Pc = np.full((n, 3), 1 / 3)
    B = _cd.scores_blocks(model.data, model.indices, model.indptr, model.s, Pc, model.c, True)

    def call(**change):
        args = dict(data=model.data, indices=model.indices, indptr=model.indptr, s=model.s,
                    Pc=Pc, B=B, g=g, w=x, lam=lam, c=model.c, d=np.zeros(m),
                    U=np.zeros((n, 3)), T=np.zeros(n))
        args.update(change)
        return _cd.cd_l1_scores_blocks(*args.values(), True, 10, 1e-8)

    call()
    bad_B = B.copy()
    bad_B[3, 1, 2] = np.nan
    for change, message in [
            (dict(indices=np.full_like(model.indices, n)), "indices"),
            (dict(Pc=np.full((n, 3), -0.5)), "probability"),
            (dict(B=B[:-1]), "B must have shape"),
            (dict(B=bad_B), "B\\[3\\] is not finite"),
            (dict(U=np.zeros((n, 2))), "U must have shape"),
            (dict(T=np.zeros(n + 1)), "T must have"),
            (dict(g=g[:-1]), "g has"),
            (dict(c=model.c[:-1]), "c has"),
            (dict(s=-model.s), "s\\["),
    ]:
        with pytest.raises(ValueError, match=message):
            call(**change)
    with pytest.raises(ValueError, match="c has"):
        _cd.scores_blocks(model.data, model.indices, model.indptr, model.s, Pc, model.c, False)


def test_orthant_cg_step_zeroes_several_coefficients_at_once():
    """Where the CG step changes many signs, the step with those coefficients
    projected to zero is taken when its model value is lower than the step cut
    at the first crossing (which zeroes one); the model decreases either way."""
    rng = np.random.default_rng(3)
    m = 30
    M = rng.standard_normal((m, m))
    H = np.eye(m) + 0.1 * M @ M.T / m
    # half the coordinates with |g| < lam: their minimiser is (near) zero, and the
    # small start on either side of it puts them across
    g = np.where(np.arange(m) % 2 == 0, rng.uniform(-0.3, 0.3, m),
                 2 * np.sign(rng.standard_normal(m)))
    x, lam = 0.01 * rng.standard_normal(m), np.full(m, 0.5)

    def model(d):
        return float(g @ d + d @ H @ d / 2 + lam @ np.abs(x + d))

    d = np.zeros(m)
    assert ScoreSpaceModel._orthant_cg(lambda v: H @ v, np.diag(H).copy(), g, x, lam, d, 1e-12)
    u = np.linalg.solve(H, -(g + lam * np.sign(x)))  # CG's step: A is every coordinate
    crossing = np.flatnonzero(np.sign(x) * (x + u) < 0)
    t = np.min(-x[crossing] / u[crossing])
    assert crossing.size > 1
    assert np.sum(x + d == 0) > 1
    assert model(d) < model(t * u) < model(np.zeros(m))


def test_score_space_model_takes_cg_steps_where_sweeps_are_slow():
    """On correlated columns of spread scales (cond(H) ~ 3e4), coordinate sweeps
    alone leave the model far from its minimiser; with the orthant CG steps
    between batches, the same number of sweeps minimises it, to a lower value."""
    rng = np.random.default_rng(7)
    n, d = 400, 30
    base = rng.standard_normal((n, 3))
    X = base @ rng.standard_normal((3, d)) + 0.05 * rng.standard_normal((n, d))
    X *= np.logspace(-1, 1, d)
    y = rng.integers(0, 3, n)
    obj = MultinomialLoss(sp.csr_matrix(X), y, l2=1e-3, fit_intercept=False)
    x, Z, g, lam = _model_inputs(obj, 1)
    lam = lam * 0.05
    H = np.ascontiguousarray(obj.hessian(x.reshape(obj.coef_shape)), dtype=np.float64)

    def model(d):
        return float(g @ d + d @ H @ d / 2 + lam @ np.abs(x + d))

    def violation(d):
        return float(np.max(np.abs(min_norm_subgradient(x + d, g + H @ d, lam))))

    sweeps = 1000
    d_cd, Hd = np.zeros(x.size), np.zeros(x.size)
    _cd.cd_l1(H, g, x, lam, np.arange(x.size), d_cd, Hd, sweeps, 1e-14)
    d_ss = ScoreSpaceModel(obj).step(Z, g, x, lam, 1e-14, sweeps)
    assert violation(d_cd) > 1e-3
    assert violation(d_ss) < 1e-9
    assert model(d_ss) < model(d_cd)


def _small_score_space_model():
    """The score-space model of a small CSR problem and a point's x, g, lam."""
    X, y, _ = problem(n=60, d=10, K=3, sparse=True)
    obj = MultinomialLoss(X, y, l2=0.1)
    x, _, g, lam = _model_inputs(obj, 0)
    return ScoreSpaceModel(obj), x, g, lam


def test_score_space_kernel_rejects_what_it_assumes():
    model, x, g, lam = _small_score_space_model()
    m, n = x.size, model.n_samples
    P = np.full((n, 3), 1 / 3)

    def call(**change):
        args = dict(data=model.data, indices=model.indices, indptr=model.indptr, s=model.s,
                    P=P, cls=model.classes, g=g, w=x, lam=lam, c=model.c,
                    coords=np.arange(m), d=np.zeros(m), U=np.zeros((n, 3)), T=np.zeros(n))
        args.update(change)
        return _cd.cd_l1_scores(*args.values(), True, 10, 1e-8)

    call()
    bad_indptr = model.indptr.copy()
    bad_indptr[2] = bad_indptr[1] - 1
    for change, message in [
            (dict(indptr=bad_indptr), "indptr decreases"),
            (dict(indices=np.full_like(model.indices, n)), "indices"),
            (dict(cls=np.array([0, 1, 3])), "cls"),
            (dict(P=np.full((n, 3), 1.5)), "probability"),
            (dict(U=np.zeros((n, 2))), "U must have shape"),
            (dict(g=g[:-1]), "g has"),
            (dict(coords=np.array([m])), "coords"),
            (dict(c=-model.c - 1), "c\\["),
    ]:
        with pytest.raises(ValueError, match=message):
            call(**change)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fixed", [False, True])
def test_sub_sampled_hessian_reaches_the_exact_optimum(monkeypatch, sparse, fixed):
    """The quadratic model from every 4th row: the gradient, line search and
    stopping rule stay exact, so the optimum is the split-variable oracle's."""

    X, y, sw = problem(n=800, sparse=sparse, weights=True)
    base = MultinomialLoss(X, y, sample_weight=sw, l2=0.01)
    obj = FixedClassLoss(base, fixed=1) if fixed else base
    monkeypatch.setattr(pn, "HESSIAN_ROWS", 200)
    monkeypatch.setattr(pn, "HESSIAN_ROWS_PER_COEF", 1)
    assert pn.hessian_rows(obj, 39).size == 200
    l1 = 0.02
    res = solve(obj, l1=l1, tol=1e-10, max_iter=300)
    assert res.converged, res.message
    w_ref, F_ref = split_variable_minimum(obj, l1)
    assert abs(res.loss - F_ref) <= 1e-10 * abs(F_ref)
    assert np.array_equal(res.coef.ravel() == 0, np.abs(w_ref) < 1e-7)


@pytest.mark.parametrize("sparse", [False, True])
def test_restrict_scores_and_shares_the_pass_counter(sparse):
    """The restricted objective's scores are the full one's when every other weight
    is zero; its Hessian is the sub-sampled rows' (own weight sum); passes over
    it are counted on the full objective; X keeps its format and dtype."""
    X, y, sw = problem(n=300, sparse=sparse, weights=True, dtype=np.float32)
    base = MultinomialLoss(X, y, sample_weight=sw, l2=0.1)
    features, rows = np.array([1, 4, 7]), np.arange(0, 300, 3)
    for obj in (base, FixedClassLoss(base, fixed=0)):
        coef = np.zeros(obj.coef_shape, dtype=np.float32)
        coef[:, features] = np.random.default_rng(0).standard_normal((obj.coef_shape[0], 3))
        coef[:, -1] = 0.5
        sub = obj.restrict(features)
        sub_coef = np.ascontiguousarray(coef[:, list(features) + [-1]])
        np.testing.assert_allclose(sub.scores(sub_coef), obj.scores(coef), rtol=1e-6, atol=1e-6)
        assert sub.loss(sub_coef) == pytest.approx(obj.loss(coef), rel=1e-6)
        assert sp.issparse(sub.X) == sparse and sub.X.dtype == np.float32
        before = obj.n_passes_over_X
        sub.loss_gradient(sub_coef)
        assert obj.n_passes_over_X > before and sub.n_passes_over_X == obj.n_passes_over_X
        both = obj.restrict(features, rows)
        ref = MultinomialLoss(X[rows][:, features], y[rows], sample_weight=sw[rows], l2=0.1,
                              n_classes=3)
        ref = FixedClassLoss(ref, fixed=0) if obj is not base else ref
        np.testing.assert_allclose(both.hessian(sub_coef), ref.hessian(sub_coef), rtol=1e-12)


def test_restriction_of_a_restriction():
    """Rows of a feature restriction: the same objective as both at once, its passes
    counted on the full objective (a solver run on a restricted objective may
    restrict it again: a Newton method on a row subset of a tall X)."""
    X, y, sw = problem(n=300, sparse=False, weights=True)
    base = MultinomialLoss(X, y, sample_weight=sw, l2=0.1)
    features, rows = np.array([0, 2, 5, 7]), np.arange(1, 300, 4)
    twice = base.restrict(features).restrict(rows=rows)
    once = base.restrict(features, rows)
    coef = np.random.default_rng(1).standard_normal(once.coef_shape)
    assert twice.loss(coef) == pytest.approx(once.loss(coef), rel=1e-12)
    before = base.n_passes_over_X
    twice.loss_gradient(coef)
    assert base.n_passes_over_X == before + 1


def test_callback_sees_the_full_problem_on_a_working_set():
    # a wide problem fitted on working sets: each record is of every coefficient
    X, y = make_classification(200, 60, n_informative=5, n_redundant=0, n_classes=3,
                               random_state=1)
    obj = MultinomialLoss(X, y, l2=0.0)
    seen = []
    res = solve(obj, l1=0.05, tol=1e-8, max_iter=300,
                callback=lambda state: seen.append((state.coef.shape, state.grad.shape)))
    sizes = [h["features"] for h in res.history if "features" in h]
    assert res.converged and min(sizes) < 60  # working sets were used
    assert seen and set(seen) == {(obj.coef_shape, obj.coef_shape)}


# ----- the lazy Hessian: kept within a fit and along a path -------------------------------

def counting_hessians(monkeypatch, cls=MultinomialLoss):
    calls = []
    original = cls.hessian

    def hessian(self, coef):
        calls.append(self.n_samples)
        return original(self, coef)

    monkeypatch.setattr(cls, "hessian", hessian)
    return calls


def test_kept_hessian_saves_assemblies_and_reaches_the_same_optimum(monkeypatch):
    # m = 4 x 31 = 124 coefficients on all 600 rows: a Hessian costs
    # 600 x 124 / (4 x 600) = 31 steps, dear enough to keep (HESSIAN_REUSE_COST)
    X, y, _ = problem(n=600, d=30, K=4, seed=3)
    obj = MultinomialLoss(X, y, l2=1e-3)
    calls = counting_hessians(monkeypatch)
    kept = solve(obj, l1=2e-3, tol=1e-10, max_iter=200)
    n_kept = len(calls)
    monkeypatch.setattr(pn, "HESSIAN_REUSE_STEPS", 1)  # a new Hessian every step
    calls.clear()
    fresh = solve(obj, l1=2e-3, tol=1e-10, max_iter=200)
    assert kept.converged and fresh.converged
    assert n_kept < len(calls) and n_kept < kept.n_iter
    assert abs(kept.loss - fresh.loss) <= 1e-12 * abs(fresh.loss)
    np.testing.assert_allclose(kept.coef, fresh.coef, atol=1e-7)


def test_a_cheap_hessian_is_rebuilt_every_step(monkeypatch):
    X, y, _ = problem(n=600, d=8, K=3, seed=3)  # m = 27: 27 / 4 steps, not worth keeping
    obj = MultinomialLoss(X, y)
    calls = counting_hessians(monkeypatch)
    res = solve(obj, l1=1e-3, tol=1e-10, max_iter=200)
    assert res.converged and len(calls) == res.n_iter


def test_model_cache_swaps_the_l2_part_of_a_kept_hessian():
    from softmax_ext.objective._penalty import set_objective_l2

    X, y, _ = problem(n=300, d=8, K=3, seed=1)
    obj = MultinomialLoss(X, y, l2=0.4)
    x = np.random.default_rng(0).standard_normal(obj.coef_shape).ravel()
    features = np.arange(obj.n_features)
    state = pn._Composite(obj, pn.L1(obj, 0.01), x, None, None, None)
    state.H = np.ascontiguousarray(obj.hessian(x.reshape(obj.coef_shape)))
    cache = ModelCache()
    cache.store(obj, features, None, state)
    set_objective_l2(obj, 0.05)
    H = cache.take(obj, features, None, obj)
    np.testing.assert_allclose(H, obj.hessian(x.reshape(obj.coef_shape)), rtol=1e-13,
                               atol=1e-15)
    assert cache.take(obj, features, None, obj) is None  # taken once
    cache.store(obj, features, None, state)
    assert cache.take(obj, features[:-1], None, obj) is None  # another working set
    cache.store(obj, features, None, state)
    assert cache.take(MultinomialLoss(X, y), features, None, obj) is None  # other data


def test_path_cache_keeps_the_optima_and_saves_hessians(monkeypatch):
    from softmax_ext.linear_model._path import fit_path

    X, y, _ = problem(n=600, d=30, K=4, seed=3)
    Cs = np.geomspace(0.05, 5.0, 6)
    calls = counting_hessians(monkeypatch)
    cached, _, passes = fit_path(X, y, 4, Cs, l1_ratio=1.0, tol=1e-10, max_iter=300)
    n_cached = len(calls)
    calls.clear()
    monkeypatch.setattr(ModelCache, "take", lambda self, *a: None)
    plain, _, passes_plain = fit_path(X, y, 4, Cs, l1_ratio=1.0, tol=1e-10, max_iter=300)
    assert n_cached < len(calls) and passes.sum() < passes_plain.sum()
    # the same optima: X has redundant columns, so an L1 minimiser need not be
    # unique; the objective is
    obj = MultinomialLoss(X, y)
    for C, a, b in zip(Cs, cached, plain):
        l1 = 1.0 / (C * X.shape[0])
        Fa, Fb = (composite(obj, np.ravel(w), l1) for w in (a, b))
        assert abs(Fa - Fb) <= 1e-10 * abs(Fb)
