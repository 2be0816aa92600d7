"""Fits beyond memory: the objective as a sum over row blocks.

:class:`BlockedLoss` is the multinomial objective over X held in row blocks
(``LocalBlocks``: a memory-mapped X or a folder of ``.npy`` blocks on this
machine; ``softmax_ext.dask.DaskBlocks``: chunks on Dask workers), with the
interface every smooth solver uses.  :func:`blocked_objective` builds it for
an estimator.  Design and measurements: ``docs/scale.md``.
"""

from ._blocked import BlockedLoss
from ._local import (DEFAULT_BLOCK_BYTES, LocalBlocks, is_memory_mapped, load_npy_blocks,
                     out_of_core_objective)
from ._scores import LinearScores

__all__ = ["BlockedLoss", "LinearScores", "LocalBlocks", "is_memory_mapped", "load_npy_blocks",
           "out_of_core_objective", "DEFAULT_BLOCK_BYTES"]
