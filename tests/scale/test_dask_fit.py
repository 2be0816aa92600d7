"""softmax_ext.dask on a 2-worker LocalCluster (processes): the in-memory fit, to 1e-8."""

import numpy as np
import scipy.sparse as sp
import pytest

pytest.importorskip("dask.array", reason="dask is not installed (pip install softmax-ext[dask])")
pytest.importorskip("distributed", reason="distributed is not installed "
                                          "(pip install softmax-ext[dask])")

import dask.array as da  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from softmax_ext import SoftmaxRegression as InMemory  # noqa: E402
from softmax_ext.dask import DaskBlocks, SoftmaxRegression  # noqa: E402
from softmax_ext.objective import MultinomialLoss  # noqa: E402
from softmax_ext.scale import BlockedLoss  # noqa: E402
from softmax_ext.solvers._choice import choose  # noqa: E402

from scale_cases import fit_rtol, problem  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def _close(a, b, dtype):
    scale = np.abs(b.coef_).max()
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=fit_rtol(dtype) * scale)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=0, atol=fit_rtol(dtype) * scale)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dask_fit_equals_in_memory_fit(client, K, dtype):
    rng = np.random.default_rng(K)
    X, y, sw = problem(rng, n=700, K=K, dtype=dtype)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    a = SoftmaxRegression(tol=tol, max_iter=500).fit(
        da.from_array(X, chunks=(150, 3)), da.from_array(y, chunks=100), sample_weight=sw)
    b = InMemory(tol=tol, max_iter=500).fit(X, y, sample_weight=sw)
    assert a.coef_.dtype == dtype
    np.testing.assert_array_equal(a.classes_, b.classes_)
    _close(a, b, dtype)
    Xd = da.from_array(X, chunks=(200, 6))
    proba = a.predict_proba(Xd)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), b.predict_proba(X), rtol=0,
                               atol=1e-6 if dtype == np.float32 else 1e-10)
    np.testing.assert_array_equal(a.predict(Xd).compute(), a.predict(X))
    assert a.decision_function(Xd).compute().shape == b.decision_function(X).shape


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "lbfgs"])
def test_dask_solvers_class_weights_and_string_labels(client, solver):
    rng = np.random.default_rng(1)
    X, y, _ = problem(rng, n=500, K=3)
    labels = np.array(["ant", "bee", "cat"])[y]
    kw = dict(solver=solver, tol=1e-11, class_weight="balanced", C=0.5, max_iter=500)
    a = SoftmaxRegression(**kw).fit(da.from_array(X, chunks=(120, 6)),
                                    da.from_array(labels, chunks=120))
    b = InMemory(**kw).fit(X, labels)
    _close(a, b, np.float64)
    assert a.predict(da.from_array(X, chunks=(120, 6))).compute().tolist() == \
        b.predict(X).tolist()


def test_dask_warm_start_and_errors(client):
    rng = np.random.default_rng(2)
    X, y, _ = problem(rng, n=300)
    Xd, yd = da.from_array(X, chunks=(100, 6)), da.from_array(y, chunks=100)
    model = SoftmaxRegression(tol=1e-10, warm_start=True).fit(Xd, yd)
    model.fit(Xd, yd)
    assert model.n_iter_[0] == 0
    with pytest.raises(ValueError, match="liblinear"):
        SoftmaxRegression(solver="liblinear").fit(Xd, (yd > 0).astype(int))
    with pytest.raises(ValueError, match="y has shape"):
        SoftmaxRegression().fit(Xd, yd[:-1])
    with pytest.raises(ValueError, match="2-D"):
        SoftmaxRegression().fit(Xd[:, 0], yd)
    with pytest.raises(ValueError, match="NaN|infinity"):
        SoftmaxRegression().fit(da.from_array(np.full((10, 2), np.nan), chunks=5),
                                np.arange(10) % 2)


def _sparse_chunks(X, kind):
    """X (scipy CSR) as a dask array of sparse chunks, the ways users build one."""
    if kind == "csr_matrix":      # rows and columns chunked: the fit merges the columns
        return da.from_array(X, chunks=(90, 4), asarray=False)
    if kind == "csc_matrix":
        return da.from_array(X.toarray(), chunks=(120, -1)).map_blocks(sp.csc_matrix)
    if kind == "coo_array":
        return da.from_array(sp.coo_array(X), chunks=(130, -1), asarray=False)
    sparse = pytest.importorskip("sparse", reason="pydata sparse is not installed "
                                                  "(it is in the test extra)")
    if kind == "pydata_coo":
        return da.from_array(sparse.COO.from_scipy_sparse(X), chunks=(100, -1))
    return da.from_array(sparse.GCXS.from_scipy_sparse(X), chunks=(110, 5))


def _sparse_problem(rng, n=500, d=12, K=3, dtype=np.float64):
    X, y, sw = problem(rng, n=n, d=d, K=K, dtype=dtype)
    X[rng.random(X.shape) < 0.7] = 0.0       # 30% dense, structured zeros per row
    return sp.csr_matrix(X), y, sw


@pytest.mark.parametrize("kind", ["csr_matrix", "csc_matrix", "coo_array", "pydata_coo",
                                  "pydata_gcxs"])
def test_dask_sparse_chunks_equal_in_memory_csr_fit(client, kind):
    rng = np.random.default_rng(3)
    X, y, sw = _sparse_problem(rng)
    Xd = _sparse_chunks(X, kind)
    a = SoftmaxRegression(tol=1e-11, max_iter=500).fit(Xd, y, sample_weight=sw)
    b = InMemory(tol=1e-11, max_iter=500).fit(X, y, sample_weight=sw)
    _close(a, b, np.float64)
    proba = a.predict_proba(Xd)
    assert isinstance(proba, da.Array) and isinstance(proba._meta, np.ndarray)
    np.testing.assert_allclose(proba.compute(), b.predict_proba(X), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(a.predict(Xd).compute(), b.predict(X))
    np.testing.assert_allclose(a.decision_function(Xd).compute(), b.decision_function(X),
                               rtol=0, atol=1e-9 * np.abs(b.decision_function(X)).max())


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "lbfgs"])
@pytest.mark.parametrize("dtype,K", [(np.float64, 2), (np.float32, 4)])
def test_dask_sparse_chunks_every_solver_and_dtype(client, solver, dtype, K):
    rng = np.random.default_rng(4)
    X, y, sw = _sparse_problem(rng, K=K, dtype=dtype)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    kw = dict(solver=solver, tol=tol, C=2.0, class_weight="balanced", max_iter=500)
    a = SoftmaxRegression(**kw).fit(da.from_array(X, chunks=(100, -1), asarray=False),
                                    da.from_array(y, chunks=100), sample_weight=sw)
    b = InMemory(**kw).fit(X, y, sample_weight=sw)
    assert a.coef_.dtype == dtype
    _close(a, b, dtype)


def test_dask_sparse_chunk_checks_and_solver_choice(client):
    rng = np.random.default_rng(5)
    X, y, _ = _sparse_problem(rng)
    bad = X.copy()
    bad.data[3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SoftmaxRegression().fit(da.from_array(bad, chunks=(100, -1), asarray=False), y)
    # the solver choice and the preconditioner see sparse X and its nnz, as in memory
    Xd = da.from_array(X, chunks=(100, -1), asarray=False)
    blocks = DaskBlocks(Xd, da.from_array(y, chunks=100), None, n_classes=3,
                        fit_intercept=True, n_threads=1)
    assert blocks.is_sparse and blocks.nnz == X.nnz
    blocked = BlockedLoss(blocks, n_classes=3, l2=1.0 / X.shape[0])
    memory = MultinomialLoss(X, y, l2=1.0 / X.shape[0])
    assert blocked.is_sparse and blocked.nnz == memory.nnz
    assert choose(blocked, 1e-8) == choose(memory, 1e-8) == "lbfgs"
    a = SoftmaxRegression(tol=1e-8).fit(Xd, y)
    b = InMemory(tol=1e-8).fit(X, y)
    assert a.n_iter_.tolist() == b.n_iter_.tolist()


@pytest.mark.parametrize("chunks", ["dense", "sparse"])
@pytest.mark.parametrize("K", [2, 3])
def test_dask_elastic_net_equals_in_memory_fit(client, chunks, K):
    # OWL-QN on the workers' blocks, proximal Newton in memory: one optimum
    rng = np.random.default_rng(6 + K)
    if chunks == "dense":
        X, y, sw = problem(rng, n=600, K=K)
        Xd = da.from_array(X, chunks=(150, -1))
    else:
        X, y, sw = _sparse_problem(rng, K=K)
        Xd = da.from_array(X, chunks=(150, -1), asarray=False)
    # C: strong enough a penalty for some exact zeros in both problems
    kw = dict(l1_ratio=0.5, C=0.3 if K == 3 else 0.01, solver="saga", tol=1e-10,
              max_iter=3000)
    a = SoftmaxRegression(**kw).fit(Xd, y, sample_weight=sw)
    b = InMemory(**kw).fit(X, y, sample_weight=sw)
    assert np.any(b.coef_ == 0) and np.any(b.coef_ != 0)
    _close(a, b, np.float64)
    np.testing.assert_array_equal(a.coef_ != 0, b.coef_ != 0)
