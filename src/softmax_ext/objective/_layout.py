"""The coefficient layout's one checker (the layout itself: ``objective/__init__.py``)."""

import numpy as np

from .._design_matrix import check_finite


def check_coef(coef, shape, *, dtype=None, name="coef", finite=True):
    """``coef`` (or a vector of its layout) as a C-contiguous array of ``shape``.

    Parameters
    ----------
    coef : array-like
        Of ``shape``, or flat (any shape with its number of entries, as
        ``scipy.optimize`` passes vectors).
    shape : tuple of int
        ``coef_shape`` of the objective.
    dtype : dtype, optional
        Cast to it (no copy when it already is); None keeps coef's dtype.
    name : str, default "coef"
        Named in the errors.
    finite : bool, default True
        Check for NaN and infinity after the cast (1e39 is infinite in
        float32).  The kernels' own calls pass False: what reaches them was
        checked at the boundary.

    Returns
    -------
    ndarray of ``shape``, C-contiguous

    Raises
    ------
    TypeError
        For a dtype that is not real and numeric.
    ValueError
        For the wrong number of entries, or a NaN or infinity.
    """
    shape = tuple(shape)
    arr = np.asarray(coef)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}.")
    if arr.shape != shape:
        if arr.size != int(np.prod(shape)):
            raise ValueError(f"{name} has shape {arr.shape}, expected {shape}.")
        arr = arr.reshape(shape)
    if not finite:
        return np.ascontiguousarray(arr, dtype=dtype)
    # a float64 value beyond float32's range becomes inf in the cast; the
    # check that follows refuses it with a message naming the argument, so
    # numpy's RuntimeWarning about the cast would only repeat it less clearly
    with np.errstate(over="ignore"):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def like(template, arr, default_dtype):
    """``arr`` in the shape of ``template`` (a coef or v as the caller gave it),
    in its dtype when that is float32/float64, else in ``default_dtype``."""
    template = np.asarray(template)
    dtype = template.dtype if template.dtype in (np.float32, np.float64) else default_dtype
    return np.asarray(arr).astype(dtype, copy=False).reshape(template.shape)
