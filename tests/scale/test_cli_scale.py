"""``softmax-ext fit`` on a memory-mapped .npy with --labels, and with --scheduler."""

import numpy as np
import pytest

from softmax_ext import SoftmaxRegression
from softmax_ext.cli import read_model

from cli_runner import one_blas_thread, run  # noqa: F401  (autouse fixture)
from scale_cases import problem


def _files(tmp_path, rng):
    X, y, _ = problem(rng, n=300)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return X, y


def test_fit_npy_with_labels_equals_the_estimator(tmp_path, capsys, rng):
    X, y = _files(tmp_path, rng)
    out = tmp_path / "m.npz"
    status, stdout, _ = run(["fit", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy"),
                             "--tol", "1e-10", "--out", str(out)], capsys)
    assert status == 0, stdout
    est = SoftmaxRegression(tol=1e-10, max_iter=100).fit(X, y)
    model = read_model(str(out))["model"]
    np.testing.assert_allclose(model.coef_, est.coef_, rtol=1e-8, atol=1e-10)


def test_fit_argument_errors(tmp_path, capsys, rng):
    _files(tmp_path, rng)
    X = str(tmp_path / "X.npy")
    status, _, err = run(["fit", X, "--out", str(tmp_path / "m.npz")], capsys)
    assert status != 0 and "--target" in err and "--labels" in err
    np.save(tmp_path / "short.npy", np.zeros(5))
    status, _, err = run(["fit", X, "--labels", str(tmp_path / "short.npy"),
                          "--out", str(tmp_path / "m.npz")], capsys)
    assert status != 0 and "expected (300,)" in err


def test_fit_on_a_scheduler(tmp_path, capsys, rng):
    pytest.importorskip("distributed", reason="distributed is not installed "
                                              "(pip install softmax-ext[dask])")
    from distributed import LocalCluster
    X, y = _files(tmp_path, rng)
    out = tmp_path / "m.npz"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        status, stdout, _ = run(["fit", str(tmp_path / "X.npy"), "--labels",
                                 str(tmp_path / "y.npy"), "--tol", "1e-10", "--out", str(out),
                                 "--scheduler", cluster.scheduler_address], capsys)
    assert status == 0, stdout
    est = SoftmaxRegression(tol=1e-10, max_iter=100).fit(X, y)
    model = read_model(str(out))["model"]
    np.testing.assert_allclose(model.coef_, est.coef_, rtol=1e-8, atol=1e-10)
