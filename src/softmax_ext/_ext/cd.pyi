# Type stubs of the Cython binding in _ext/cd.pyx (coordinate descent on an
# L1-penalised quadratic model).
import numpy as np
from numpy.typing import NDArray

def cd_l1(
    H: NDArray[np.float64], g: NDArray[np.float64], w: NDArray[np.float64],
    lam: NDArray[np.float64], coords: NDArray[np.int64], d: NDArray[np.float64],
    Hd: NDArray[np.float64], max_sweeps: int, tol: float,
) -> tuple[int, float]: ...
def cd_group(
    H: NDArray[np.float64], g: NDArray[np.float64], w: NDArray[np.float64],
    groups: NDArray[np.int64], glam: NDArray[np.float64], lipschitz: NDArray[np.float64],
    free: NDArray[np.int64], d: NDArray[np.float64], Hd: NDArray[np.float64],
    max_sweeps: int, tol: float,
) -> tuple[int, float]: ...
def cd_l1_scores(
    data: NDArray[np.float64], indices: NDArray[np.int64], indptr: NDArray[np.int64],
    s: NDArray[np.float64], P: NDArray[np.float64], cls: NDArray[np.int64],
    g: NDArray[np.float64], w: NDArray[np.float64], lam: NDArray[np.float64],
    c: NDArray[np.float64], coords: NDArray[np.int64], d: NDArray[np.float64],
    U: NDArray[np.float64], T: NDArray[np.float64], intercept: bool, max_sweeps: int,
    tol: float,
) -> tuple[int, float]: ...
def scores_blocks(
    data: NDArray[np.float64], indices: NDArray[np.int64], indptr: NDArray[np.int64],
    s: NDArray[np.float64], Pc: NDArray[np.float64], c: NDArray[np.float64], intercept: bool,
) -> NDArray[np.float64]: ...
def cd_l1_scores_blocks(
    data: NDArray[np.float64], indices: NDArray[np.int64], indptr: NDArray[np.int64],
    s: NDArray[np.float64], Pc: NDArray[np.float64], B: NDArray[np.float64],
    g: NDArray[np.float64], w: NDArray[np.float64], lam: NDArray[np.float64],
    c: NDArray[np.float64], d: NDArray[np.float64], U: NDArray[np.float64],
    T: NDArray[np.float64], intercept: bool, max_sweeps: int, tol: float,
) -> tuple[int, float]: ...
