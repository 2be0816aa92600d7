"""Row blocks of an X on this machine: a ``numpy.memmap`` or a folder of ``.npy`` files.

``LocalBlocks`` cuts X into row blocks of about ``block_bytes`` (views: a
memory-mapped X stays on disk and in the page cache, file-backed; only the
block the kernels are reading is touched) and runs each task block after
block, the kernels' OpenMP threads inside the block.  Anonymous memory: the
kernels' per-thread scratch, the task's O(d K) result (O((d K)^2) for the
Hessian) and y / sample_weight (O(n), as given).
"""

import glob
import os

import numpy as np

from .._memory import available_bytes, scores_bytes
from .._threads import effective_n_threads
from .._validation import as_float_array, check_sample_weight
from . import _tasks

__all__ = ["LocalBlocks", "is_memory_mapped", "load_npy_blocks", "out_of_core_objective",
           "DEFAULT_BLOCK_BYTES"]

DEFAULT_BLOCK_BYTES = 1 << 26   # 64 MiB of X per block


def is_memory_mapped(X):
    """Whether the dense array X (or the array it is a view of) is a ``numpy.memmap``."""
    while isinstance(X, np.ndarray):
        if isinstance(X, np.memmap):
            return True
        X = X.base
    return False


def load_npy_blocks(folder):
    """The ``.npy`` files of ``folder`` in name order, memory-mapped read-only."""
    paths = sorted(glob.glob(os.path.join(os.fspath(folder), "*.npy")))
    if not paths:
        raise ValueError(f"{folder!s} holds no .npy file.")
    return [np.load(p, mmap_mode="r") for p in paths]


def _block_rows(n_features, itemsize, block_bytes):
    if not (isinstance(block_bytes, (int, np.integer)) and block_bytes > 0):
        raise ValueError(f"block_bytes must be a positive int, got {block_bytes!r}.")
    return max(1, int(block_bytes) // max(1, n_features * itemsize))


class LocalBlocks:
    """Row blocks of X with their labels and weights, evaluated in this process.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or list of them
        float32 or float64, C-contiguous (a ``numpy.memmap`` is used in place);
        a list gives the blocks (e.g. :func:`load_npy_blocks`), each cut
        further to ``block_bytes``.
    y : array-like of shape (n_samples,)
        Labels encoded in ``[0, n_classes)``.
    sample_weight : array-like of shape (n_samples,), optional
    n_classes : int
    fit_intercept : bool, default True
    n_threads : int, optional
    block_bytes : int, default 64 MiB
        Bytes of X per block.
    """

    def __init__(self, X, y, sample_weight=None, *, n_classes, fit_intercept=True,
                 n_threads=None, block_bytes=DEFAULT_BLOCK_BYTES):
        parts = list(X) if isinstance(X, (list, tuple)) else [X]
        parts = [as_float_array(p, "X", order="C") for p in parts]
        if any(p.ndim != 2 for p in parts):
            raise ValueError("X must be 2-D (n_samples, n_features), or a list of 2-D blocks.")
        dtypes = {p.dtype for p in parts}
        widths = {p.shape[1] for p in parts}
        if len(dtypes) != 1 or len(widths) != 1:
            raise ValueError(f"The blocks of X differ in dtype {sorted(map(str, dtypes))} or "
                             f"width {sorted(widths)}: they must share both.")
        self.dtype, self.n_features = dtypes.pop(), widths.pop()
        self.n_samples = sum(p.shape[0] for p in parts)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != self.n_samples:
            raise ValueError(f"y has shape {y.shape} but X has {self.n_samples} rows.")
        sw = check_sample_weight(sample_weight, self.n_samples, self.dtype)
        self.weight_sum = float(self.n_samples if sw is None else np.sum(sw, dtype=np.float64))
        self.n_threads = effective_n_threads(n_threads)
        rows = _block_rows(self.n_features, self.dtype.itemsize, block_bytes)
        self.blocks, start = [], 0
        for part in parts:
            for i0 in range(0, part.shape[0], rows):
                i1, s = min(part.shape[0], i0 + rows), start + i0
                e = s + (i1 - i0)
                self.blocks.append(_tasks.block_objective(
                    part[i0:i1], y[s:e], None if sw is None else sw[s:e], n_classes=n_classes,
                    fit_intercept=fit_intercept, n_threads=self.n_threads, row_offset=s))
            start += part.shape[0]

    @property
    def n_blocks(self):
        return len(self.blocks)

    @property
    def max_block_rows(self):
        """Rows of the largest block: the n x K arrays of a block task hold this many
        rows, one block at a time in this process (``_memory`` counts them)."""
        return max((b.n_samples for b in self.blocks), default=0)

    def map_reduce(self, task, *args):
        """``sum_b task(block_b, *args)``, block after block."""
        total = None
        for block in self.blocks:
            total = _tasks.add(total, task(block, *args))
        return total


def out_of_core_objective(X, y, sample_weight, *, l2, n_classes, fit_intercept, n_threads,
                          l1=False, block_bytes=DEFAULT_BLOCK_BYTES):
    """A :class:`BlockedLoss` over a memory-mapped dense X, or None for any other X.

    What :class:`~softmax_ext.SoftmaxRegression` fits on a ``numpy.memmap``:
    the solver's memory is then O(d K) plus a block, not O(n K).  With
    ``l1`` (an L1 term or solver="prox-newton"), None when proximal Newton
    fits in the available memory (:func:`l1_fits`: it then runs on the
    in-memory objective over the same memmap, in few passes), else the
    blocked objective, on which the L1 term runs OWL-QN
    (``solvers/owlqn.py``: more passes, bounded memory).
    """
    import scipy.sparse as sp

    from ._blocked import BlockedLoss
    if sp.issparse(X) or not is_memory_mapped(X):
        return None
    if l1 and l1_fits(X, n_classes):
        return None
    blocks = LocalBlocks(X, y, sample_weight, n_classes=n_classes, fit_intercept=fit_intercept,
                         n_threads=n_threads, block_bytes=block_bytes)
    return BlockedLoss(blocks, n_classes=n_classes, l2=l2, fit_intercept=fit_intercept)


def l1_bytes(n_samples, n_features, n_classes, itemsize, max_features):
    """Anonymous bytes an L1 fit (proximal Newton) holds over a memory-mapped X.

    Proximal Newton is not blocked (docs/scale.md, "L1 on a memmap"): it keeps
    ~6 float64 n x K score arrays (its line search runs in score space) and
    each working set's objective holds those columns of X in memory,
    ``n x min(d, max_features)`` values at most.
    """
    return scores_bytes(n_samples, n_classes) + n_samples * min(n_features, max_features) * itemsize


def l1_fits(X, n_classes, available=None):
    """Whether proximal Newton's estimate (:func:`l1_bytes`) over the memory-mapped
    ``X`` fits in ``available`` (default :func:`softmax_ext._memory.available_bytes`;
    unknown: True)."""
    from ..solvers import prox_newton
    available = available_bytes() if available is None else available
    K = max(int(n_classes), 2)
    max_features = prox_newton.working_set_limit(K, fit_intercept=False)
    need = l1_bytes(X.shape[0], X.shape[1], K, X.dtype.itemsize, max_features)
    return available is None or need <= available
