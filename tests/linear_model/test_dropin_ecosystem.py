"""SoftmaxRegression where LogisticRegression is used with the rest of scikit-learn (issue 17).

Each case runs the same code with LogisticRegression (newton-cg at a tight
tol, the reference optimum) and with SoftmaxRegression, and compares what
a user sees: predictions, probabilities and scores.  Tolerances: both fits
stop at max|grad| <= 1e-10 on the same objective, so probabilities agree to
~1e-6; scores computed from them are compared at 1e-6.
"""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.callback import ProgressBar
from sklearn.datasets import load_wine
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from softmax_ext import SoftmaxRegression

TOL = 1e-10


def _pair(**params):
    return (SoftmaxRegression(tol=TOL, max_iter=1000, **params),
            LogisticRegression(tol=TOL, max_iter=1000, solver="newton-cg", **params))


@pytest.fixture
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_clone_and_pickle_keep_parameters_and_predictions(wine):
    X, y = wine
    est = SoftmaxRegression(C=0.5, random_state=0, max_iter=500, n_threads=1).fit(X, y)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "coef_")
    back = pickle.loads(pickle.dumps(est))
    assert_array_equal(back.coef_, est.coef_)
    assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_gridsearch_n_jobs_2_like_logistic_regression(wine):
    X, y = wine
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = []
    for est in _pair():
        gs = GridSearchCV(est, {"C": [0.01, 1.0]}, cv=cv, n_jobs=2,
                          scoring="neg_log_loss").fit(X, y)
        scores.append(gs.cv_results_["mean_test_score"])
    assert_allclose(scores[0], scores[1], rtol=1e-6)


def test_calibrated_classifier_like_logistic_regression(wine):
    X, y = wine
    probas = [CalibratedClassifierCV(est, cv=3).fit(X, y).predict_proba(X) for est in _pair()]
    assert_allclose(probas[0], probas[1], atol=1e-6)


def test_select_from_model_like_logistic_regression(wine):
    X, y = wine
    masks = [SelectFromModel(est).fit(X, y).get_support() for est in _pair(C=0.1)]
    assert_array_equal(masks[0], masks[1])
    assert 0 < masks[0].sum() < X.shape[1]


def test_metadata_routing_sample_weight_in_pipeline_and_cross_validate(wine):
    X, y = wine
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    results = []
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=False)
        for est in _pair():
            pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                                 est.set_fit_request(sample_weight=True))
            results.append(cross_validate(pipe, X, y, cv=cv, scoring=scorer,
                                          params={"sample_weight": w})["test_score"])
        unweighted = cross_validate(make_pipeline(StandardScaler(), _pair()[0]), X, y,
                                    cv=cv, scoring="neg_log_loss")["test_score"]
    assert_allclose(results[0], results[1], rtol=1e-6)
    # the weights reached the fit: the weighted scores differ from the unweighted ones
    assert np.max(np.abs(results[0] - unweighted)) > 1e-4


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "liblinear"])
def test_progress_bar_callback_fits_like_without(wine, solver):
    # ProgressBar draws with rich, an optional dependency of scikit-learn that
    # the test environment may not have; without it the bar cannot be built
    pytest.importorskip("rich", reason="sklearn.callback.ProgressBar needs rich")
    X, y = wine
    y = (y == 0).astype(int) if solver == "liblinear" else y
    plain = SoftmaxRegression(solver=solver, tol=1e-8).fit(X, y)
    with_bar = SoftmaxRegression(solver=solver, tol=1e-8).set_callbacks(ProgressBar())
    with_bar.fit(X, y)
    assert_array_equal(with_bar.coef_, plain.coef_)
