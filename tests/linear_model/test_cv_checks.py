"""scikit-learn's estimator checks on SoftmaxRegressionCV.

The instance is the one scikit-learn's own test suite checks
LogisticRegressionCV with (``cv=3``, ``use_legacy_attributes=False``,
``scoring="neg_log_loss"``), with a 3-point grid to keep the run short: the
default instance fails ``check_sparsify_coefficients`` exactly as
``LogisticRegressionCV()`` does (its 5 stratified folds need 5 samples per
class and that check fits 12 samples of 3 classes), see
``test_the_default_instance_fails_only_where_scikit_learns_does``.
"""

import warnings

import pytest
from sklearn.utils.estimator_checks import check_sparsify_coefficients, parametrize_with_checks

from softmax_ext import SoftmaxRegressionCV


@parametrize_with_checks([SoftmaxRegressionCV(Cs=3, cv=3, l1_ratios=(0,),
                                              scoring="neg_log_loss",
                                              use_legacy_attributes=False)])
# check_class_weight_balanced_linear_classifier's data has 2 rows of one
# class for cv=3; scikit-learn's splitter says so, about the check's data
@pytest.mark.filterwarnings("ignore:The least populated class in y:UserWarning")
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_the_default_instance_fails_only_where_scikit_learns_does():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match="n_splits=5 cannot be greater"):
            check_sparsify_coefficients("SoftmaxRegressionCV", SoftmaxRegressionCV())
