"""Coefficients between the estimator and the solvers: ``coef_`` / ``intercept_``
from coefficients in the objective's layout, and back for ``warm_start``.

The objective's layout is ``(n_rows, n_features [+1])``, the intercept as
the last column (:mod:`softmax_ext.objective`); ``n_rows`` is 1 for a binary
problem (``classes_[1]`` against ``classes_[0]``), else ``n_classes``.
"""

import numpy as np
import scipy.sparse as sp

from .._design_matrix import check_finite

__all__ = ["attributes_from", "warm_start_coef"]


def attributes_from(objective, coef, dtype, fit_intercept, *, l1=0.0):
    """``coef_`` and ``intercept_`` from coefficients in the objective's layout.

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
        The fit's objective.
    coef : array-like
        A solver's result or an iterate, in the objective's layout.
    dtype : numpy dtype
        X's dtype, that of the attributes.
    fit_intercept : bool
    l1 : float, default=0.0
        The fit's L1 strength.  With an L1 term only the intercepts are
        invariant to a shift common to all classes (the L1 norm is not), so
        only they are centred; without one, every invariant column is.

    Returns
    -------
    dict
        ``{"coef_": ndarray of shape (n_rows, n_features), "intercept_":
        ndarray of shape (n_rows,)}``, C-contiguous, the canonical
        multinomial representative, scikit-learn's shapes.
    """
    coef = np.asarray(coef, dtype=np.float64).ravel()
    if l1 == 0.0:
        coef = objective.center(coef)
    coef = np.array(coef, dtype=dtype).reshape(objective.coef_shape)
    if coef.shape[0] > 1 and l1 == 0.0:
        # The multinomial model is invariant to adding one vector to every
        # class's coefficients; the penalty (and scikit-learn's solvers, whose
        # iterates keep a zero sum over classes) pick the centred one.  The
        # intercepts are unpenalised, so centre them explicitly.
        coef -= coef.mean(axis=0, keepdims=True)
    elif coef.shape[0] > 1 and fit_intercept:
        coef[:, -1] -= coef[:, -1].mean()
    if fit_intercept:
        return {"coef_": np.ascontiguousarray(coef[:, :-1]),
                "intercept_": coef[:, -1].copy()}
    return {"coef_": coef, "intercept_": np.zeros(coef.shape[0], dtype=dtype)}


def warm_start_coef(est, n_classes, n_features):
    """A fitted estimator's coefficients in the objective's layout, or None.

    scikit-learn's rules: none before the first fit; the previous
    ``coef_`` (dense or sparsified) and ``intercept_`` must be numeric,
    finite and of the new problem's shape.

    Returns
    -------
    ndarray of shape (n_rows, n_features [+1]), float64, or None
    """
    coef = getattr(est, "coef_", None)
    if coef is None:
        return None
    if sp.issparse(coef):  # after sparsify()
        coef = coef.toarray()
    if est.fit_intercept:
        coef = np.concatenate([coef, np.asarray(est.intercept_)[:, None]], axis=1)
    coef = np.asarray(coef)
    if coef.dtype.kind not in "biuf":
        raise TypeError(f"coef_ must be numeric for warm_start=True, got dtype {coef.dtype}.")
    check_finite(coef.astype(np.float64),
                 "coef_ or intercept_ (reused by warm_start=True; set warm_start=False "
                 "to start from zero)")
    p = n_features + int(est.fit_intercept)
    if n_classes == 2:
        ok, expected = coef.shape == (1, p), f"({p},) or (1, {p})"
    else:
        ok, expected = coef.shape == (n_classes, p), f"{(n_classes, p)}"
    if not ok:
        # scikit-learn's message, then why and what to do.
        raise ValueError(
            f"Initialization coef is of shape {coef.shape}, expected shape {expected}. "
            "warm_start=True reuses coef_ and intercept_ of the previous fit, which "
            "had a different number of classes or features; set warm_start=False to "
            "start from zero."
        )
    return np.asarray(coef, dtype=np.float64)
