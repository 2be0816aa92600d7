# Type stubs of the Cython bindings in _ext/check.pyx (whole-array input checks).
import numpy as np
from numpy.typing import NDArray

_I = np.int32 | np.int64

CSR_VALID: int
CSR_BAD_INDPTR: int
CSR_BAD_INDEX: int

def first_nonfinite(x: NDArray[np.float32 | np.float64], n_threads: int) -> int: ...
def check_csr(
    indices: NDArray[_I], indptr: NDArray[_I], n_features: int, n_threads: int,
) -> tuple[int, int, bool]: ...
