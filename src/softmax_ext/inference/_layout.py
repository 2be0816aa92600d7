"""The layouts inference works in: labels as class codes, fitted coefficients
as the rows of theta, their contrasts against the reference class.

See :mod:`softmax_ext.inference` for the parametrisation: ``params`` is
``(p, J)`` with ``p = n_features [+1]`` (intercept last) and
``J = n_classes - 1``; flattened vectors follow the C order of the
``(J, p)`` contrasts ``gamma``.
"""

import numbers
import warnings

import numpy as np

__all__ = ["encode_labels", "coef_rows", "exog_names", "class_layout", "check_reference",
           "free_classes", "contrasts"]


def encode_labels(y, classes, n_classes):
    """Integer codes in [0, n_classes) for y; classes are labels or None."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if classes is None:
        if y.dtype.kind == "f":
            ok = np.isfinite(y) & (y == np.round(y))
            if not ok.all():
                raise ValueError(f"y must hold integer class codes when classes is None, "
                                 f"got {y[~ok][0]!r}.")
        elif y.dtype.kind not in "iub":
            raise TypeError(f"y holds labels of dtype {y.dtype}: pass classes= to encode them, "
                            "or integer codes in [0, n_classes).")
        codes = y.astype(np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= n_classes):
            bad = codes.min() if codes.min() < 0 else codes.max()
            raise ValueError(f"y holds label {bad}, outside [0, {n_classes}) for "
                             f"{n_classes} classes.")
        return codes
    order = np.argsort(classes, kind="stable")
    sorted_classes = classes[order]
    pos = np.searchsorted(sorted_classes, y)
    pos = np.clip(pos, 0, len(classes) - 1)
    # Labels that cannot compare with the classes (int codes against str
    # classes) match nothing: numpy 2 says so elementwise, numpy < 2 returns
    # one scalar False with a FutureWarning, hence the broadcast.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        found = np.broadcast_to(sorted_classes[pos] == y, y.shape)
    if not np.all(found):
        raise ValueError(f"y contains label {y[~found][0]!r} that is not in classes "
                         f"{list(classes)!r}.")
    return order[pos].astype(np.int64)


def coef_rows(coef, intercept, fit_intercept, n_features_X):
    """Fitted coefficients and intercepts as one checked (rows, p) float64 array
    (intercept as the last column when fitted)."""
    coef = np.asarray(coef)
    if coef.dtype.kind not in "biuf":
        raise TypeError(f"coef must be numeric, got dtype {coef.dtype}.")
    if coef.ndim == 1:
        coef = coef.reshape(1, -1)
    if coef.ndim != 2:
        raise ValueError(f"coef must be 2-D (n_classes, n_features), got shape {coef.shape}.")
    if coef.shape[1] != n_features_X:
        raise ValueError(f"X has {n_features_X} features, but coef has {coef.shape[1]}.")
    coef = coef.astype(np.float64)
    rows = coef.shape[0]
    if intercept is None:
        if fit_intercept:
            raise ValueError("intercept is required when fit_intercept=True.")
        b = np.zeros(rows)
    else:
        b = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        if b.shape != (rows,):
            raise ValueError(f"intercept has shape {b.shape}, expected ({rows},) to match coef.")
        if not fit_intercept and np.any(b != 0):
            raise ValueError("intercept must be None or zeros when fit_intercept=False.")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(b))):
        raise ValueError("coef and intercept must be finite.")
    full = np.hstack([coef, b[:, None]]) if fit_intercept else coef
    return np.ascontiguousarray(full)


def exog_names(feature_names, n_features, fit_intercept):
    """Row labels of ``params``: ``feature_names`` (default ``x0, x1, ...``),
    then ``intercept`` when fitted."""
    if feature_names is None:
        names = [f"x{j}" for j in range(n_features)]
    else:
        names = [str(f) for f in feature_names]
        if len(names) != n_features:
            raise ValueError(f"feature_names has {len(names)} names, X has {n_features} "
                             "features.")
    if fit_intercept:
        names.append("intercept")
    return names


def class_layout(classes, rows):
    """The classes, their number K and the form of coefficients with ``rows`` rows.

    Returns
    -------
    classes : ndarray of shape (K,) or None
    K : int
    reference_form : bool
        True when the rows are relative to class 0 (``K - 1`` rows, class 0
        fixed at zero), False for the symmetric form (K rows).
    """
    if classes is not None:
        classes = np.asarray(classes)
        if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
            raise ValueError("classes must be a 1-D array of distinct labels.")
        K = len(classes)
        if rows == K:
            reference_form = False
        elif rows == K - 1:
            reference_form = True
        else:
            raise ValueError(f"coef has {rows} rows, expected {K} (symmetric) or {K - 1} "
                             f"(relative to class 0) for {K} classes.")
    else:
        reference_form = rows == 1
        K = 2 if reference_form else rows
    if K < 2:
        raise ValueError("Inference needs at least two classes.")
    return classes, K, reference_form


def check_reference(reference, n_classes):
    """The baseline class index, checked to be an integer in [0, n_classes)."""
    if isinstance(reference, bool) or not isinstance(reference, numbers.Integral) \
            or not 0 <= reference < n_classes:
        raise ValueError(f"reference must be a class index in [0, {n_classes}), got "
                         f"{reference!r}.")
    return int(reference)


def free_classes(n_classes, reference):
    """The non-reference classes, in increasing order: the columns of ``params``."""
    return np.array([k for k in range(n_classes) if k != reference])


def contrasts(full_rows, n_classes, reference, reference_form):
    """``gamma_k = theta_k - theta_ref`` of every non-reference class k.

    Parameters
    ----------
    full_rows : ndarray of shape (rows, p), float64
        The fitted coefficients with the intercept column (``coef_rows``).

    Returns
    -------
    ndarray of shape (n_classes - 1, p), float64
    """
    theta = np.zeros((n_classes, full_rows.shape[1]))
    if reference_form:
        theta[1:] = full_rows
    else:
        theta[:] = full_rows
    return theta[free_classes(n_classes, reference)] - theta[reference]
