# Type stubs of the Cython bindings in _ext/hessian.pyx (probabilities, Hessian assembly).
import numpy as np
from numpy.typing import NDArray

_F = np.float32 | np.float64
_I = np.int32 | np.int64

def x_reads(n_features: int, fit_intercept: bool) -> float: ...
def probs_dense(
    X: NDArray[_F], coef: NDArray[_F], fit_intercept: bool, P: NDArray[_F], n_threads: int,
) -> None: ...
def hessian_dense(
    X: NDArray[_F], sw: NDArray[_F] | None, coef: NDArray[_F], fit_intercept: bool,
    H: NDArray[np.float64], n_threads: int,
) -> None: ...
def probs_csr(
    data: NDArray[_F], indices: NDArray[_I], indptr: NDArray[_I], n: int, d: int,
    coef: NDArray[_F], fit_intercept: bool, P: NDArray[_F], n_threads: int,
) -> None: ...
def hessian_csr(
    data: NDArray[_F], indices: NDArray[_I], indptr: NDArray[_I], n: int, d: int,
    sw: NDArray[_F] | None, coef: NDArray[_F], fit_intercept: bool, H: NDArray[np.float64],
    n_threads: int,
) -> None: ...
