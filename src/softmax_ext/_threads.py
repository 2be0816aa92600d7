"""How many threads a kernel call may use.

``n_threads=None`` means every usable core: ``omp_get_max_threads()`` (which
honours ``OMP_NUM_THREADS`` and threadpoolctl limits on the OpenMP runtime),
capped by the CPUs this process may run on.  A negative value counts back from
that (-1: all, -2: all but one, never fewer than one), as scikit-learn's
``n_jobs`` does.  A positive value is used as given up to the CPUs this
process may run on, and capped there: more threads than cores only wait on
each other.  0, booleans, floats and other types are rejected.
"""

import numbers
import os
import threading

from ._ext.softmax import omp_max_threads, openmp_enabled


def usable_cpus():
    """CPUs this process may run on (affinity mask when the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def effective_n_threads(n_threads=None, work=None, min_work_per_thread=1):
    """Resolve a user's ``n_threads`` to a positive thread count.

    Parameters
    ----------
    n_threads : int or None
        None for all usable cores, a positive count (capped at the CPUs
        this process may run on), or a negative count back from all (-1 is
        all).
    work : int, optional
        Size of one kernel call (multiply-adds or elements).  When
        ``n_threads`` is None, at most ``work // min_work_per_thread``
        threads are used: on small problems a second thread saves less
        than it costs, and idle OpenMP threads spin-waiting between calls
        compete for the cores (20x slower small fits were seen on a busy
        machine).  An explicit ``n_threads`` is used as given (capped).
    min_work_per_thread : int, default 1

    Returns
    -------
    int
        At least 1; 1 when the kernels were built without OpenMP.
    """
    if n_threads is not None and (
        isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral)
    ):
        raise TypeError(
            f"n_threads must be an int or None, got {type(n_threads).__name__}."
        )
    if n_threads == 0:
        raise ValueError("n_threads == 0 is invalid: use None or an int >= 1 (or < 0).")
    if not openmp_enabled():
        return 1
    cpus = usable_cpus()
    max_threads = max(1, min(omp_max_threads(), cpus))
    if n_threads is None:
        if work is not None:
            return int(max(1, min(max_threads, work // max(1, min_work_per_thread))))
        return max_threads
    if n_threads < 0:
        return int(max(1, max_threads + 1 + max(int(n_threads), -max_threads - 1)))
    return int(min(int(n_threads), max(1, cpus)))


# Below these sizes a kernel call runs on one thread unless asked otherwise.
# Objective kernels: 2^20 multiply-adds per pass (~0.3 ms of one core).
# Standardized digits (1797 x 64, K=10: 1.2M per pass, so one thread) fit by
# newton-cg, medians of 15: 1 thread 25 ms, 2 threads 17 ms on a quiet
# machine; with the other core busy 27 and 39 ms, and with the load average
# near 3 the 2-thread fits took 0.35-2.4 s (a descheduled thread holds every
# barrier; OMP_WAIT_POLICY=passive brought them back to 24-37 ms).  So the
# second thread starts where a call is long enough to absorb that.
MIN_MULADDS_PER_THREAD = 1 << 20   # objective kernels: multiply-adds per pass over X
MIN_ELEMENTS_PER_THREAD = 1 << 16  # row-wise softmax kernels: elements of Z


def pass_threads(n_threads, nnz, n_rows, n_classes):
    """Threads for the objective kernels' passes over an X of ``nnz`` values
    (n d when dense) and ``n_rows`` rows with ``n_classes`` score columns:
    :func:`effective_n_threads` with a pass's ``(nnz + n_rows) * n_classes``
    multiply-adds as its work."""
    return effective_n_threads(n_threads, work=(nnz + n_rows) * n_classes,
                               min_work_per_thread=MIN_MULADDS_PER_THREAD)


class _SingleThreadedBlas:
    """One process-wide, reference-counted "BLAS on one thread" limit.

    threadpoolctl limits are process-wide, and setting and restoring them
    costs ~30 us (it walks every loaded library).  A solver holds the limit for
    its whole run and calls kernels that ask for it again hundreds of times:
    only the outermost entry (from any Python thread) sets the limit and only
    the last exit restores it, so nested entries cost a lock, not a walk.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._limit = None
        self._controller = None

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                if self._controller is None:
                    # built on first use, after the kernel modules have
                    # loaded scipy's BLAS
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()
                self._limit = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                limit, self._limit = self._limit, None
                limit.restore_original_limits()
        return False


_single_threaded_blas = _SingleThreadedBlas()


def single_threaded_blas():
    """Context manager limiting every loaded BLAS to one thread.

    Kernels that call BLAS from OpenMP threads run inside it, so that BLAS
    threads never run inside OpenMP threads (oversubscription).  Re-entrant
    and cheap when already inside (see ``_SingleThreadedBlas``).
    """
    return _single_threaded_blas
