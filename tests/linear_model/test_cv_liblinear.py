"""solver='liblinear' in SoftmaxRegressionCV: liblinear's objective (the
intercept penalised through intercept_scaling) on every fold path, the
scores and choice of LogisticRegressionCV(solver='liblinear'), its refusals."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, load_iris
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

from softmax_ext import SoftmaxRegression, SoftmaxRegressionCV

X, Y = make_classification(300, 6, random_state=0, flip_y=0.1)
COMMON = dict(Cs=5, tol=1e-8, scoring="neg_log_loss", use_legacy_attributes=False)


def _fit(cls, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(solver="liblinear", **{**COMMON, **kwargs}).fit(X, Y)


@pytest.mark.parametrize("kwargs", [dict(l1_ratios=(0,)), dict(l1_ratios=(1,)),
                                    dict(l1_ratios=(0,), intercept_scaling=5.0)])
def test_scores_and_choice_match_liblinear(kwargs):
    ref, ours = _fit(LogisticRegressionCV, **kwargs), _fit(SoftmaxRegressionCV, **kwargs)
    assert ours.C_ == ref.C_
    # both at tol=1e-8 on the same objective; the L1 fits of liblinear stop
    # by a looser rule than its L2 ones (measured 1.1e-5 on this data)
    np.testing.assert_allclose(ours.scores_, ref.scores_, atol=1e-4)
    assert ours.coef_.dtype == np.float64


def test_refit_is_liblinears_objective_with_intercept_scaling():
    ours = _fit(SoftmaxRegressionCV, l1_ratios=(0,), intercept_scaling=5.0, Cs=[1.0])
    est = SoftmaxRegression(solver="liblinear", C=1.0, tol=1e-8, intercept_scaling=5.0).fit(X, Y)
    ref = LogisticRegression(solver="liblinear", C=1.0, tol=1e-10, intercept_scaling=5.0).fit(X, Y)
    np.testing.assert_allclose(ours.intercept_, est.intercept_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(l1_ratios=(0, 0.5)), "Only 'saga' solver supports elasticnet"),
    (dict(l1_ratios=(1,), dual=True), "penalty='l1', loss='logistic_regression', dual=True"),
])
def test_same_refusals(kwargs, match):
    for cls in (LogisticRegressionCV, SoftmaxRegressionCV):
        with pytest.raises(ValueError, match=match), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls(solver="liblinear", Cs=2, **kwargs).fit(X, Y)


def test_multiclass_refused_with_liblinears_message():
    Xi, yi = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="does not support multiclass classification"):
        SoftmaxRegressionCV(solver="liblinear", **{**COMMON, "l1_ratios": (0,)}).fit(Xi, yi)


def test_intercept_scaling_changes_the_objective():
    small = _fit(SoftmaxRegressionCV, l1_ratios=(0,), Cs=[0.01], intercept_scaling=0.1)
    large = _fit(SoftmaxRegressionCV, l1_ratios=(0,), Cs=[0.01], intercept_scaling=100.0)
    # a strongly penalised intercept (b / 0.1) is pulled to zero; b / 100 is nearly free
    assert abs(small.intercept_[0]) < 0.1 * abs(large.intercept_[0])
