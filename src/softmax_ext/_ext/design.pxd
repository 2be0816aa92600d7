# The checks every binding over X makes before a C call, shared by
# _ext/lossgrad.pyx and _ext/hessian.pyx:
# `from softmax_ext._ext.design cimport design_shape, check_shape, check_rows`.
#
# A binding takes dense X (`X`, C-contiguous) or CSR X (`data`, `indices`,
# `indptr`, `n_features`) as keyword arguments; design_shape says which form
# was given and checks the O(1) part of the CSR invariants
# (softmax_ext._design_matrix checks the rest, once, when X is bound).


cdef inline tuple design_shape(X, data, indices, indptr, n_features):
    """``(n_samples, n_features, sparse)`` of dense ``X`` or of the CSR parts."""
    cdef int n_given = ((data is not None) + (indices is not None) + (indptr is not None)
                        + (n_features is not None))
    if X is not None:
        if n_given:
            raise ValueError("give dense X or the CSR parts (data, indices, indptr, "
                             "n_features), not both")
        return X.shape[0], X.shape[1], False
    if n_given != 4:
        raise ValueError("give dense X or all of the CSR parts (data, indices, indptr, "
                         "n_features)")
    n, d = indptr.shape[0] - 1, n_features
    if n < 0:
        raise ValueError("indptr must have n_samples + 1 entries")
    if d < 0:
        raise ValueError(f"n_features must be >= 0, got {d}")
    if indices.shape[0] != data.shape[0]:
        raise ValueError(f"indices has {indices.shape[0]} entries but data has {data.shape[0]}")
    if indptr[0] != 0 or indptr[n] != data.shape[0]:
        raise ValueError(f"indptr must run from 0 to nnz={data.shape[0]}, "
                         f"got {indptr[0]} .. {indptr[n]}")
    return n, d, True


cdef inline void check_shape(str name, arr, rows, cols) except *:
    """``arr`` is 2-D of shape (rows, cols); None for either means any size
    (the size a mode reads its number of classes from)."""
    if arr is None:
        raise TypeError(f"{name} is required in this mode, got None")
    shape = tuple(arr.shape)
    if (len(shape) != 2 or (rows is not None and shape[0] != rows)
            or (cols is not None and shape[1] != cols)):
        want = ("n_classes" if rows is None else rows, "n_classes" if cols is None else cols)
        raise ValueError(f"{name} has shape {shape}, expected ({want[0]}, {want[1]})")


cdef inline void check_rows(str name, arr, n) except *:
    """``arr`` has n rows (one per sample)."""
    if arr is None:
        raise TypeError(f"{name} is required in this mode, got None")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows but X has {n}")
