"""Benchmark settings: report the machine and the BLAS/OpenMP runtimes loaded."""

import os
import platform


def pytest_report_header(config):
    # Load everything the benchmarks use first, so that threadpoolctl sees
    # numpy's and scipy's OpenBLAS and the OpenMP runtime of our kernels.
    import numpy as np
    import scipy
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS)
    import scipy.special  # noqa: F401
    from threadpoolctl import threadpool_info

    import softmax_ext
    from softmax_ext._ext import softmax as _softmax
    from softmax_ext.bench.machine import cpu_model  # the report's reading of /proc/cpuinfo

    lines = [
        f"machine: {platform.machine()} {cpu_model()}, {os.cpu_count()} CPUs, "
        f"usable {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}",
        f"numpy {np.__version__} (SIMD found: {_numpy_simd(np)}), scipy {scipy.__version__}, "
        f"softmax_ext from {os.path.dirname(softmax_ext.__file__)} "
        f"(OpenMP {'on' if _softmax.openmp_enabled() else 'OFF'}, "
        f"omp_get_max_threads {_softmax.omp_max_threads()})",
        "env: " + ", ".join(
            f"{k}={os.environ.get(k, '-')}"
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                      "OPENBLAS_L2_SIZE")
        ),
    ]
    for info in threadpool_info():
        lines.append(
            f"threadpool: {info.get('user_api')}/{info.get('internal_api')} "
            f"{info.get('version')} ({info.get('architecture', '-')}, "
            f"{info.get('num_threads')} threads) {info.get('filepath')}"
        )
    return lines


def _numpy_simd(np):
    try:
        from numpy.lib._utils_impl import _opt_info  # numpy >= 2

        return _opt_info() or "none"
    except ImportError:
        return "unknown"
