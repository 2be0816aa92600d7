"""softmax_ext.dask on a 2-worker LocalCluster (processes): the in-memory fit, to 1e-8."""

import numpy as np
import pytest

pytest.importorskip("dask.array", reason="dask is not installed (pip install softmax-ext[dask])")
pytest.importorskip("distributed", reason="distributed is not installed "
                                          "(pip install softmax-ext[dask])")

import dask.array as da  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from softmax_ext import SoftmaxRegression as InMemory  # noqa: E402
from softmax_ext.dask import SoftmaxRegression  # noqa: E402

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
    with pytest.raises(ValueError, match="l1_ratio"):
        SoftmaxRegression(l1_ratio=0.5, solver="saga").fit(Xd, yd)
    with pytest.raises(ValueError, match="liblinear"):
        SoftmaxRegression(solver="liblinear").fit(Xd, (yd > 0).astype(int))
    with pytest.raises(ValueError, match="y has shape"):
        SoftmaxRegression().fit(Xd, yd[:-1])
    with pytest.raises(ValueError, match="2-D"):
        SoftmaxRegression().fit(Xd[:, 0], yd)
    with pytest.raises(ValueError, match="NaN|infinity"):
        SoftmaxRegression().fit(da.from_array(np.full((10, 2), np.nan), chunks=5),
                                np.arange(10) % 2)
