# Type stubs of the Cython bindings in _ext/lossgrad.pyx (fused one-pass kernels:
# loss and gradient, scores, Hessian-vector products; modes in its docstring).
import numpy as np
from numpy.typing import NDArray

_F = np.float32 | np.float64
_I = np.int32 | np.int64

def n_groups(n_blocks: int, buffer_doubles: int) -> int: ...
def dense(
    X: NDArray[_F], y: NDArray[np.int64], sw: NDArray[_F] | None, coef: NDArray[_F] | None,
    fit_intercept: bool, n_classes: int, Zin: NDArray[_F] | None, Zout: NDArray[_F] | None,
    G: NDArray[np.float64] | None, n_threads: int, P: NDArray[_F] | None = None,
) -> float: ...
def csr(
    data: NDArray[_F], indices: NDArray[_I], indptr: NDArray[_I], n_features: int,
    y: NDArray[np.int64], sw: NDArray[_F] | None, coef: NDArray[_F] | None,
    fit_intercept: bool, n_classes: int, Zin: NDArray[_F] | None, Zout: NDArray[_F] | None,
    G: NDArray[np.float64] | None, n_threads: int, P: NDArray[_F] | None = None,
) -> float: ...
