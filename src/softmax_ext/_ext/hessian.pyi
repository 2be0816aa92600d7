# Type stubs of the Cython bindings in _ext/hessian.pyx (probabilities, Hessian assembly).
# Every argument of probabilities/hessian is keyword-only; X is dense (X) or CSR
# (data, indices, indptr, n_features).
import numpy as np
from numpy.typing import NDArray

_F = np.float32 | np.float64
_I = np.int32 | np.int64

def x_reads(n_features: int, fit_intercept: bool) -> float: ...
def probabilities(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, coef: NDArray[_F], fit_intercept: bool, out: NDArray[_F],
    n_threads: int,
) -> None: ...
def hessian(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, sample_weight: NDArray[_F] | None = None, coef: NDArray[_F],
    fit_intercept: bool, H: NDArray[np.float64], n_threads: int,
) -> None: ...
