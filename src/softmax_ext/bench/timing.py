"""Timing and thread settings shared by every measurement.

``sklearn_blas_limit`` is scikit-learn's best thread setting for its lbfgs
fits: numpy and scipy bundle separate OpenBLAS thread pools, and L-BFGS-B
calling a multi-threaded BLAS on tiny vectors next to numpy's spinning
threads (the "thread clash") slows it down many times; scipy's pool limited
to one thread avoids it.  The pytest-benchmark suite in ``bench/`` and the
``softmax-ext bench`` report both use it.
"""

import time

import numpy as np

__all__ = ["median_time", "blas_info", "sklearn_blas_limit"]


def median_time(fn, repeats=3, warmup=0):
    """Run ``fn`` ``warmup + repeats`` times; return (median seconds, times, last result)."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), times, result


_controller = None


def _threadpool_controller():
    # One controller for the process: building one scans every loaded library.
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401  (load scipy's BLAS before inspecting)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def blas_info():
    """threadpoolctl's view of the loaded BLAS and OpenMP libraries (list of dicts)."""
    return [dict(lib.info()) for lib in _threadpool_controller().lib_controllers]


def sklearn_blas_limit():
    """Context manager: scipy's own BLAS limited to one thread (see the module notes).

    When scipy's BLAS cannot be told apart from numpy's (one shared library),
    every BLAS is limited to one thread instead.
    """
    controller = _threadpool_controller()
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    scipy_libs = [lib for lib in blas if "scipy.libs" in lib.filepath.replace("\\", "/")
                  or "/scipy/" in lib.filepath.replace("\\", "/")]
    if scipy_libs and len(scipy_libs) < len(blas):
        paths = [lib.filepath for lib in scipy_libs]
        return controller.select(filepath=paths).limit(limits=1)
    return controller.limit(limits=1, user_api="blas")
