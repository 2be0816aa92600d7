"""The in-memory objective of a fit with ``n_classes`` classes: one place decides it."""

from ._binary import BinaryLoss
from ._multinomial import MultinomialLoss


def build_objective(X, y, *, n_classes, sample_weight=None, l2=0.0, fit_intercept=True,
                    n_threads=None):
    """The objective the estimator and the paths minimise on in-memory X.

    The binary logistic model (:class:`BinaryLoss`, class 0 fixed at zero, on
    the binary kernels) for two classes, the symmetric
    :class:`MultinomialLoss` for more.  ``y`` holds class codes in
    ``[0, n_classes)``.
    """
    base = MultinomialLoss(X, y, sample_weight=sample_weight, l2=l2,
                           fit_intercept=fit_intercept, n_classes=n_classes,
                           n_threads=n_threads)
    return BinaryLoss(base) if n_classes == 2 else base
