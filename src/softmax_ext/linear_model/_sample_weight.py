"""Sample weights of a fit: class weights folded in as ``LogisticRegression``
does, and the checks of their sum (the penalty is scaled by it)."""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight

__all__ = ["fit_sample_weight", "weight_sum"]


def fit_sample_weight(sample_weight, class_weight, X, y, y_enc, classes):
    """The sample weights a fit uses: ``sample_weight`` times the class weights.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
    class_weight : dict, "balanced" or None
        The estimator's ``class_weight``.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The validated training data (its dtype is the weights' dtype).
    y : ndarray of shape (n_samples,)
        The labels; ``y_enc`` their codes into ``classes``.

    Returns
    -------
    ndarray of shape (n_samples,), X's dtype, or None
        A new array (the caller's is never modified); None when neither
        weights nor class weights are given.
    """
    if sample_weight is not None or class_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, copy=True, ensure_non_negative=True
        )
    if class_weight is not None:
        class_weight_ = compute_class_weight(
            class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
        class_weight_ = np.asarray(class_weight_, dtype=np.float64)
        if not np.all(np.isfinite(class_weight_)) or np.any(class_weight_ < 0):
            raise ValueError(
                "class_weight must hold finite non-negative weights, got "
                f"{dict(zip(classes.tolist(), class_weight_.tolist()))}."
            )
        sample_weight *= class_weight_[y_enc].astype(X.dtype)
    return sample_weight


def weight_sum(sample_weight, n_samples):
    """``sum(sample_weight)`` (``n_samples`` when None), checked positive and finite."""
    with np.errstate(over="ignore"):  # an overflowing sum is reported below
        sw_sum = n_samples if sample_weight is None else float(
            np.sum(sample_weight, dtype=np.float64))
    if not sw_sum > 0:
        raise ValueError(
            "The sample weights (times the class weights) sum to zero: there is "
            "nothing to fit."
        )
    if not np.isfinite(sw_sum):
        raise ValueError(
            f"The sample weights sum to {sw_sum}: rescale them (only their ratios and "
            "C * sum(sample_weight) matter)."
        )
    return sw_sum
