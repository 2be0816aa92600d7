"""The machine, the library versions and the thread pools a measurement ran with."""

import datetime
import os
import platform
import sys

import numpy as np

__all__ = ["machine_info", "cpu_model"]


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _versions():
    import scipy
    import sklearn
    import threadpoolctl

    from .. import __version__

    versions = {"python": platform.python_version(), "softmax-ext": __version__,
                "numpy": np.__version__, "scipy": scipy.__version__,
                "scikit-learn": sklearn.__version__, "threadpoolctl": threadpoolctl.__version__}
    try:
        import matplotlib

        versions["matplotlib"] = matplotlib.__version__
    except ImportError:
        versions["matplotlib"] = None
    return versions


def machine_info():
    """Machine, library versions and the BLAS / OpenMP libraries in use (threadpoolctl)."""
    from .. import effective_n_threads, openmp_enabled
    from .._threads import usable_cpus
    from .timing import blas_info

    versions = _versions()
    libs = []
    for lib in blas_info():
        libs.append({k: lib.get(k) for k in ("user_api", "internal_api", "prefix", "version",
                                             "architecture", "threading_layer", "num_threads",
                                             "filepath")})
    env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                      "MKL_NUM_THREADS") if k in os.environ}
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "load_average_1_5_15min": load,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "memory_gib": _memory_gib(),
        "openmp_enabled": bool(openmp_enabled()),
        "default_threads": effective_n_threads(None),
        "versions": versions,
        "threadpools": libs,
        "environment": env,
        "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
    }
