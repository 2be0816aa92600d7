"""The package builds and installs: OpenMP present in CI, wheel and sdist build."""

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import softmax_ext

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    os.environ.get("SOFTMAX_EXT_CI") != "1",
    reason="OpenMP is required only where CI says so (SOFTMAX_EXT_CI=1); "
    "elsewhere a serial build is allowed",
)
def test_openmp_enabled_in_ci():
    assert softmax_ext.openmp_enabled()


def test_effective_threads_respect_threadpoolctl():
    from threadpoolctl import threadpool_limits

    if not softmax_ext.openmp_enabled():
        assert softmax_ext.effective_n_threads() == 1
        return
    with threadpool_limits(limits=1, user_api="openmp"):
        assert softmax_ext.effective_n_threads() == 1
    # an explicit count is used as given, up to the usable CPUs
    from softmax_ext._threads import usable_cpus

    assert softmax_ext.effective_n_threads(1) == 1
    assert softmax_ext.effective_n_threads(3) == min(3, usable_cpus())
    assert softmax_ext.effective_n_threads(-1) == softmax_ext.effective_n_threads()


def test_omp_num_threads_is_respected():
    code = "import softmax_ext; print(softmax_ext.effective_n_threads())"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


@pytest.mark.slow
def test_wheel_and_sdist_build_and_the_sdist_installs(tmp_path):
    """python -m build gives a wheel and an sdist; the sdist holds csrc/ and
    the .pyx sources, and a package built from it alone imports and works.

    Built without isolation from this environment's Cython/numpy/setuptools
    (the test extras), so that the check needs no network.
    """
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("source tree not available next to the tests")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    sdists = list(dist.glob("*.tar.gz"))
    wheels = list(dist.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1
    with tarfile.open(sdists[0]) as tar:
        names = tar.getnames()
    assert any(n.endswith("csrc/smx_softmax.c") for n in names)
    assert any(n.endswith("csrc/smx_math.h") for n in names)
    assert any(n.endswith("src/softmax_ext/_softmax.pyx") for n in names)
    assert not any(n.endswith(".so") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
         "--target", str(target), str(sdists[0])],
        check=True, capture_output=True, text=True,
    )
    code = (
        "import softmax_ext, numpy as np; "
        "assert softmax_ext.__file__.startswith(%r); "
        "print(softmax_ext.softmax(np.zeros((2, 4)))[0, 0])" % str(target)
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "0.25"


def test_small_work_runs_on_one_thread_unless_asked():
    n_all = softmax_ext.effective_n_threads()
    assert softmax_ext.effective_n_threads(None, work=10, min_work_per_thread=100) == 1
    assert softmax_ext.effective_n_threads(None, work=10**9, min_work_per_thread=100) == n_all
    assert softmax_ext.effective_n_threads(2, work=10, min_work_per_thread=100) == (2 if n_all > 1 else 1)


def test_single_threaded_blas_nests_and_restores():
    """The BLAS limit is set by the outermost entry and restored by the last exit,
    also when the two are in different Python threads."""
    import threading

    import scipy.linalg  # noqa: F401  (loads scipy's BLAS)
    from threadpoolctl import threadpool_info

    from softmax_ext._threads import single_threaded_blas

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with single_threaded_blas():
        assert set(blas_threads()) == {1}
        with single_threaded_blas():
            assert set(blas_threads()) == {1}
        assert set(blas_threads()) == {1}  # the inner exit keeps the limit
        seen = []
        worker = threading.Thread(target=lambda: seen.append(_enter_exit(single_threaded_blas)))
        worker.start()
        worker.join()
        assert seen == [True] and set(blas_threads()) == {1}
    assert blas_threads() == before


def _enter_exit(ctx):
    with ctx():
        pass
    return True
