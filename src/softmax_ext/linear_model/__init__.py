"""Linear classifiers on the softmax objective: :class:`SoftmaxRegression`,
a drop-in replacement for scikit-learn's ``LogisticRegression``.

The class (``_softmax_regression``) validates, orchestrates and predicts;
what it delegates sits in one small module each: scikit-learn's penalty
parameters and the C -> l2 scaling (``_penalty_params``), sample and class
weights (``_sample_weight``), the coefficients between the estimator's
attributes and the objective's layout (``_coef``), and scikit-learn's fit
callbacks (``_callbacks``).  ``_path`` fits along a sequence of C values
(:func:`softmax_path`) and finds where an L1 path starts (:func:`l1_min_c`).
"""

from ._path import PathResult, l1_min_c, softmax_path
from ._softmax_regression import SoftmaxRegression
from ._softmax_regression_cv import SoftmaxRegressionCV

__all__ = ["SoftmaxRegression", "SoftmaxRegressionCV", "softmax_path", "l1_min_c", "PathResult"]
