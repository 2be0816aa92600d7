"""scikit-learn 1.9's fit callbacks (set_callbacks) on every solver.

The tasks are LogisticRegression(solver="lbfgs")'s: one root, one subtask
per iteration (at least one) and a last empty one; the fitted_estimator
handed to a hook at the start of iteration i predicts as a fit with
max_iter=i does.  scikit-learn's ``RecordingCallback`` (shipped with its
test utilities) records the hooks.
"""

import warnings

import numpy as np
import pytest
from sklearn.callback import ScoringMonitor
from sklearn.callback.tests._utils import RecordingCallback
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import SoftmaxRegression

SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky", "gd", "auto"]


def _data(n_classes):
    return make_classification(n_samples=200, n_features=5, n_informative=4, n_redundant=0,
                               n_classes=n_classes, random_state=0)


def _fit(**params):
    X, y = _data(params.pop("n_classes", 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SoftmaxRegression(**params).fit(X, y)


@pytest.mark.parametrize("max_iter", [0, 1, 7, 100])
@pytest.mark.parametrize("solver", SOLVERS)
def test_hook_counts(solver, max_iter):
    cb = RecordingCallback()
    X, y = _data(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SoftmaxRegression(solver=solver, max_iter=max_iter).set_callbacks(cb).fit(X, y)
    n_iter = int(model.n_iter_[0])
    assert cb.count_hooks("setup") == 1
    assert cb.count_hooks("teardown") == 1
    assert cb.count_hooks("on_fit_task_begin") == 1 + max(n_iter, 1) + 1
    assert cb.count_hooks("on_fit_task_end") == 1 + max(n_iter, 1) + 1


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", SOLVERS)
def test_fitted_estimator_is_the_fit_stopped_there(solver, n_classes, fit_intercept):
    cb = RecordingCallback()
    params = dict(solver=solver, fit_intercept=fit_intercept, tol=1e-10, max_iter=6)
    X, y = _data(n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SoftmaxRegression(**params).set_callbacks(cb).fit(X, y)
    begins = [r for r in cb.record if r["name"] == "on_fit_task_begin"
              and r["context"].task_name == "iter"]
    assert [r["context"].task_id for r in begins] == list(range(len(begins)))
    for i, record in enumerate(begins[1:-1], start=1):
        est = record["kwargs"]["fitted_estimator"]
        ref = _fit(**dict(params, max_iter=i), n_classes=n_classes)
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(est.predict(X), ref.predict(X))


@pytest.mark.parametrize("solver", SOLVERS)
def test_scoring_monitor_records_every_iteration(solver):
    monitor = ScoringMonitor(scoring="accuracy")
    model = _fit(solver=solver, max_iter=5, tol=1e-12).set_callbacks(monitor)
    X, y = _data(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    frame = monitor.get_logs().data_as_pandas
    assert len(frame) >= int(model.n_iter_[0])
    assert frame["accuracy"].between(0, 1).all()
    assert frame["accuracy"].iloc[-1] == pytest.approx(model.score(X, y))


class _StopAfter:
    """A callback asking the fit to stop at the end of iteration ``k``."""

    def __init__(self, k):
        self.k = k

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        return context.task_name == "iter" and context.task_id == self.k - 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_callback_can_stop_the_fit(solver):
    model = _fit(solver=solver, max_iter=50, tol=1e-14)
    X, y = _data(3)
    stopped = SoftmaxRegression(solver=solver, max_iter=50, tol=1e-14).set_callbacks(
        _StopAfter(2)).fit(X, y)
    assert stopped.n_iter_[0] == 2 < model.n_iter_[0]
