"""SoftmaxRegression.fit on a numpy.memmap: the blocked objective, the in-memory optimum."""

import tracemalloc
import warnings

import numpy as np
import pytest

from softmax_ext import MultinomialLoss, SoftmaxRegression
from softmax_ext.scale import BlockedLoss, is_memory_mapped

from scale_cases import fit_rtol, problem


def _memmap(tmp_path, X):
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky"])
def test_memmap_fit_equals_in_memory_fit(rng, tmp_path, dtype, K, solver):
    X, y, sw = problem(rng, n=300, K=K, dtype=dtype)
    Xm = _memmap(tmp_path, X)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    a = SoftmaxRegression(solver=solver, tol=tol, max_iter=1000).fit(X, y, sample_weight=sw)
    b = SoftmaxRegression(solver=solver, tol=tol, max_iter=1000).fit(Xm, y, sample_weight=sw)
    assert b.coef_.dtype == dtype
    scale = np.abs(a.coef_).max()
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=0, atol=fit_rtol(dtype) * scale)
    np.testing.assert_allclose(b.intercept_, a.intercept_, rtol=0, atol=fit_rtol(dtype) * scale)


def test_memmap_fit_uses_the_blocked_objective_and_no_n_by_k_array(rng, tmp_path, monkeypatch):
    # n K float64 = 16 MB: one score array of the in-memory path would show in the peak
    n, K = 200_000, 10
    X = rng.normal(size=(n, 4))
    y = rng.integers(0, K, size=n)
    Xm = _memmap(tmp_path, X)
    assert is_memory_mapped(Xm) and not is_memory_mapped(X)
    built = []
    init = BlockedLoss.__init__
    monkeypatch.setattr(BlockedLoss, "__init__",
                        lambda self, *a, **k: (built.append(self), init(self, *a, **k))[1])
    tracemalloc.start()
    try:
        SoftmaxRegression(solver="lbfgs", max_iter=5).fit(Xm, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(built) == 1
    assert peak < 0.5 * n * K * 8, peak


def test_warm_start_on_a_memmap(rng, tmp_path):
    X, y, _ = problem(rng, n=300)
    Xm = _memmap(tmp_path, X)
    model = SoftmaxRegression(tol=1e-10, warm_start=True).fit(Xm, y)
    first = model.coef_.copy()
    model.fit(Xm, y)
    assert model.n_iter_[0] == 0
    np.testing.assert_allclose(model.coef_, first, rtol=1e-13, atol=1e-15)  # centring rounds


def test_l1_on_a_memmap_runs_in_memory_without_copying_X(rng, tmp_path):
    X, y, _ = problem(rng, n=300)
    Xm = _memmap(tmp_path, X)
    kw = dict(l1_ratio=1.0, C=0.5, solver="saga", tol=1e-8, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = SoftmaxRegression(**kw).fit(X, y)
        b = SoftmaxRegression(**kw).fit(Xm, y)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-10, atol=1e-12)


def test_l1_on_a_memmap_runs_out_of_core_when_prox_newton_cannot_fit(rng, tmp_path,
                                                                      monkeypatch):
    # proximal Newton is not blocked (its O(n K) scores and working-set columns
    # must fit in memory): when they do not, the fit runs OWL-QN over the row
    # blocks instead, to the same optimum; when they do, proximal Newton runs
    from softmax_ext import solvers
    from softmax_ext.scale import _local
    X, y, _ = problem(rng, n=300)
    Xm = _memmap(tmp_path, X)
    need = _local.l1_bytes(300, X.shape[1], 4, 8, 10**6)
    assert need == 6 * 8 * 300 * 4 + 300 * X.shape[1] * 8
    ran = []
    for name in ("owlqn", "prox-newton"):
        run = solvers._RUN[name]
        monkeypatch.setitem(solvers._RUN, name,
                            lambda *a, _run=run, _name=name, **k: ran.append(_name) or _run(*a, **k))
    kw = dict(l1_ratio=0.5, C=0.5, solver="saga", tol=1e-10, max_iter=3000)
    reference = SoftmaxRegression(**kw).fit(X, y)
    monkeypatch.setattr(_local, "available_bytes", lambda: need - 1)
    out_of_core = SoftmaxRegression(**kw).fit(Xm, y)
    monkeypatch.setattr(_local, "available_bytes", lambda: need)
    in_memory = SoftmaxRegression(**kw).fit(Xm, y)
    assert ran == ["prox-newton", "owlqn", "prox-newton"]
    scale = np.abs(reference.coef_).max()
    for fitted in (out_of_core, in_memory):
        np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=0, atol=1e-8 * scale)
        np.testing.assert_allclose(fitted.intercept_, reference.intercept_, rtol=0,
                                   atol=1e-8 * scale)
    np.testing.assert_array_equal(out_of_core.coef_ != 0, reference.coef_ != 0)


def test_memory_check_counts_one_block_of_scores_not_n(rng, tmp_path):
    # the blocked objective never holds n x K arrays (LinearScores stand for the
    # scores): the estimate, and so the refusal, counts one block's rows
    from softmax_ext import _memory
    from softmax_ext.objective import FixedClassLoss
    from softmax_ext.scale import LocalBlocks

    n, d, K = 20_000, 3, 5
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n)
    blocks = LocalBlocks(_memmap(tmp_path, X), y, n_classes=K, block_bytes=8 * d * 1000)
    obj = BlockedLoss(blocks, n_classes=K)
    assert obj.scores_rows == 1000 and FixedClassLoss(obj).scores_rows == 1000
    in_memory = _memory.solver_bytes(MultinomialLoss(X, y), "lbfgs")
    assert _memory.solver_bytes(obj, "lbfgs") < in_memory / 10
    _memory.check_fits(obj, "lbfgs", available=in_memory // 2)
    with pytest.raises(MemoryError):
        _memory.check_fits(MultinomialLoss(X, y), "lbfgs", available=in_memory // 2)
