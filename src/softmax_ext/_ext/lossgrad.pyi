# Type stubs of the Cython bindings in _ext/lossgrad.pyx (fused one-pass kernels,
# one function per mode).  Every argument is keyword-only; X is dense (X) or CSR
# (data, indices, indptr, n_features).
import numpy as np
from numpy.typing import NDArray

_F = np.float32 | np.float64
_I = np.int32 | np.int64

def loss(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, y: NDArray[np.int64], sample_weight: NDArray[_F] | None = None,
    coef: NDArray[_F], fit_intercept: bool, n_threads: int,
) -> float: ...
def loss_gradient(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, y: NDArray[np.int64], sample_weight: NDArray[_F] | None = None,
    coef: NDArray[_F], fit_intercept: bool, G: NDArray[np.float64], n_threads: int,
) -> float: ...
def loss_gradient_from_scores(
    *, X: NDArray[_F] | None = None, data: NDArray[_F] | None = None,
    indices: NDArray[_I] | None = None, indptr: NDArray[_I] | None = None,
    n_features: int | None = None, y: NDArray[np.int64], sample_weight: NDArray[_F] | None = None,
    Z: NDArray[_F], fit_intercept: bool, G: NDArray[np.float64], n_threads: int,
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
    n_features: int | None = None, sample_weight: NDArray[_F] | None = None, P: NDArray[_F],
    V: NDArray[_F], fit_intercept: bool, G: NDArray[np.float64], n_threads: int,
) -> None: ...
