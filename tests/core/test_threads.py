"""How many threads a kernel call uses (softmax_ext._threads): ``n_threads``
resolution, its limits (usable CPUs, OMP_NUM_THREADS, threadpoolctl) and the
process-wide "BLAS on one thread" context."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import softmax_ext
from softmax_ext import _threads
from softmax_ext._threads import effective_n_threads, single_threaded_blas, usable_cpus


@pytest.fixture
def machine(monkeypatch):
    """Pretend the OpenMP runtime allows ``omp`` threads on ``cpus`` usable CPUs."""

    def set_machine(omp, cpus, openmp=True):
        monkeypatch.setattr(_threads, "omp_max_threads", lambda: omp)
        monkeypatch.setattr(_threads, "usable_cpus", lambda: cpus)
        monkeypatch.setattr(_threads, "openmp_enabled", lambda: openmp)

    return set_machine


# ------------------------------------------------ resolution of n_threads

@pytest.mark.parametrize("omp, cpus, expected", [(8, 4, 4), (2, 4, 2), (1, 16, 1), (0, 4, 1)])
def test_none_means_every_usable_core_within_the_openmp_limit(machine, omp, cpus, expected):
    machine(omp, cpus)
    assert effective_n_threads() == expected
    assert effective_n_threads(None) == expected


@pytest.mark.parametrize("n_threads, expected", [(-1, 4), (-2, 3), (-4, 1), (-5, 1), (-(2**40), 1)])
def test_negative_counts_back_from_all_and_never_below_one(machine, n_threads, expected):
    machine(8, 4)
    assert effective_n_threads(n_threads) == expected


@pytest.mark.parametrize("n_threads, expected", [(1, 1), (3, 3), (4, 4), (5, 4), (2**40, 4)])
def test_positive_is_used_as_given_up_to_the_usable_cpus(machine, n_threads, expected):
    # capped by the CPUs, not by the OpenMP limit (an explicit request wins over it)
    machine(2, 4)
    assert effective_n_threads(n_threads) == expected


def test_numpy_integers_are_accepted(machine):
    machine(8, 4)
    assert effective_n_threads(np.int64(3)) == 3
    assert effective_n_threads(np.int32(-1)) == 4
    assert isinstance(effective_n_threads(np.int64(3)), int)


@pytest.mark.parametrize("n_threads", [None, 1, 3, -1])
def test_a_serial_build_always_uses_one_thread(machine, n_threads):
    machine(8, 4, openmp=False)
    assert effective_n_threads(n_threads) == 1


@pytest.mark.parametrize("bad", [True, False, 1.5, 2.0, "2", np.float64(2.0), [2], object()])
def test_bad_types_raise_a_type_error_naming_n_threads(machine, bad):
    machine(8, 4)
    with pytest.raises(TypeError, match=r"n_threads must be an int or None, got "
                                        + type(bad).__name__):
        effective_n_threads(bad)


@pytest.mark.parametrize("openmp", [True, False])
def test_zero_is_rejected_even_without_openmp(machine, openmp):
    machine(8, 4, openmp=openmp)
    with pytest.raises(ValueError, match=r"n_threads == 0 is invalid"):
        effective_n_threads(0)


def test_work_limits_only_the_default(machine):
    machine(8, 4)
    assert effective_n_threads(None, work=0, min_work_per_thread=100) == 1
    assert effective_n_threads(None, work=250, min_work_per_thread=100) == 2
    assert effective_n_threads(None, work=10**9, min_work_per_thread=100) == 4
    assert effective_n_threads(3, work=1, min_work_per_thread=100) == 3
    assert effective_n_threads(-1, work=1, min_work_per_thread=100) == 4
    # min_work_per_thread below 1 counts as 1
    assert effective_n_threads(None, work=3, min_work_per_thread=0) == 3


def test_usable_cpus_follows_the_affinity_mask():
    n = usable_cpus()
    assert isinstance(n, int) and n >= 1
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))


# ------------------------------------------------ limits of the real runtime

def test_effective_threads_respect_threadpoolctl():
    from threadpoolctl import threadpool_limits

    if not softmax_ext.openmp_enabled():
        assert softmax_ext.effective_n_threads() == 1
        return
    with threadpool_limits(limits=1, user_api="openmp"):
        assert softmax_ext.effective_n_threads() == 1
    with threadpool_limits(limits=2, user_api="openmp"):
        assert softmax_ext.effective_n_threads() == min(2, usable_cpus())
        # an explicit count is not held to the OpenMP limit, only to the CPUs
        assert softmax_ext.effective_n_threads(3) == min(3, usable_cpus())
    # an explicit count is used as given, up to the usable CPUs
    assert softmax_ext.effective_n_threads(1) == 1
    assert softmax_ext.effective_n_threads(3) == min(3, usable_cpus())
    assert softmax_ext.effective_n_threads(-1) == softmax_ext.effective_n_threads()


def _effective_threads_in_child(omp_num_threads):
    code = "import softmax_ext; print(softmax_ext.effective_n_threads())"
    env = dict(os.environ, OMP_NUM_THREADS=omp_num_threads)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip())


def test_omp_num_threads_is_respected():
    assert _effective_threads_in_child("1") == 1


def test_omp_num_threads_above_the_cpus_is_capped():
    expected = usable_cpus() if softmax_ext.openmp_enabled() else 1
    assert _effective_threads_in_child(str(usable_cpus() + 3)) == expected


def test_small_work_runs_on_one_thread_unless_asked():
    n_all = softmax_ext.effective_n_threads()
    assert softmax_ext.effective_n_threads(None, work=10, min_work_per_thread=100) == 1
    assert softmax_ext.effective_n_threads(None, work=10**9, min_work_per_thread=100) == n_all
    assert softmax_ext.effective_n_threads(2, work=10, min_work_per_thread=100) == (2 if n_all > 1 else 1)


# ------------------------------------------------ single_threaded_blas

def _blas_threads():
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS)
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_single_threaded_blas_nests_and_restores():
    """The BLAS limit is set by the outermost entry and restored by the last exit,
    also when the two are in different Python threads."""
    before = _blas_threads()
    with single_threaded_blas():
        assert set(_blas_threads()) == {1}
        with single_threaded_blas():
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {1}  # the inner exit keeps the limit
        seen = []
        worker = threading.Thread(target=lambda: seen.append(_enter_exit(single_threaded_blas)))
        worker.start()
        worker.join()
        assert seen == [True] and set(_blas_threads()) == {1}
    assert _blas_threads() == before


def _enter_exit(ctx):
    with ctx():
        pass
    return True


def test_single_threaded_blas_restores_after_an_exception_and_does_not_swallow_it():
    before = _blas_threads()
    with pytest.raises(RuntimeError, match="inside"):
        with single_threaded_blas():
            assert set(_blas_threads()) == {1}
            raise RuntimeError("inside")
    assert _blas_threads() == before
    # and the next entry sets the limit again
    with single_threaded_blas():
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_single_threaded_blas_is_one_process_wide_context():
    assert single_threaded_blas() is single_threaded_blas()
    with single_threaded_blas() as ctx:
        assert ctx is single_threaded_blas()
