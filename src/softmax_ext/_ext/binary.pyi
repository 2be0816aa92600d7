# Type stubs of the Cython bindings in _ext/binary.pyx (binary logistic kernels, one
# function per mode).  Every argument is keyword-only; X is dense (X) or CSR
# (data, indices, indptr, n_features).
import numpy as np
from numpy.typing import NDArray

_F = np.float32 | np.float64
_I = np.int32 | np.int64

def loss_gradient(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, y: NDArray[np.int64], sample_weight: NDArray[_F] | None = None,
    coef: NDArray[_F], fit_intercept: bool, G: NDArray[np.float64] | None = None, n_threads: int,
) -> float: ...
def loss_gradient_from_scores(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, y: NDArray[np.int64], sample_weight: NDArray[_F] | None = None,
    z: NDArray[_F], fit_intercept: bool, G: NDArray[np.float64] | None = None, n_threads: int,
) -> float: ...
def scores(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, coef: NDArray[_F], fit_intercept: bool, out: NDArray[_F],
    n_threads: int,
) -> None: ...
def hessp(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, h: NDArray[np.float64], v: NDArray[_F], fit_intercept: bool,
    G: NDArray[np.float64], n_threads: int,
) -> None: ...
def hessian(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, h: NDArray[np.float64], fit_intercept: bool,
    H: NDArray[np.float64], n_threads: int,
) -> None: ...
