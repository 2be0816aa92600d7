"""``verbose`` and the fit callbacks come from one per-iteration event (issue 17).

For every solver the verbose table's rows and a counting callback (set with
``set_callbacks``, or the solvers' own ``callback``) see the same
iterations, the same count and the same stop; the verbose listener adds no
hook or task to what a user callback sees; and a fit with neither builds
no event at all.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.callback.tests._utils import RecordingCallback
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from softmax_ext import MultinomialLoss, SoftmaxRegression
from softmax_ext.linear_model import _softmax_regression
from softmax_ext.solvers import _base, solve

# (case, estimator parameters, classes): every solver, prox-newton as every
# L1 / elastic-net fit reaches it, liblinear through its alias (binary only)
CASES = [
    ("lbfgs", dict(solver="lbfgs"), 3),
    ("newton-cg", dict(solver="newton-cg"), 3),
    ("newton-cholesky", dict(solver="newton-cholesky"), 3),
    ("gd", dict(solver="gd"), 3),
    ("prox-newton", dict(solver="saga", l1_ratio=0.5), 3),
    ("liblinear", dict(solver="liblinear"), 2),
]
IDS = [c[0] for c in CASES]

ROW = re.compile(r"^\[([\w-]+)\]\s+(\d+)\s+(\S+)\s")
STOP = re.compile(r"^\[([\w-]+)\] stop after (\d+) iterations: (.*) \(loss")


def _data(n_classes):
    return make_classification(n_samples=200, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, random_state=0)


def _table(text):
    """The verbose rows ``[(iteration, loss)]`` and the stop lines ``[(n_iter, why)]``."""
    lines = text.splitlines()
    rows = [(int(m[2]), float(m[3])) for m in map(ROW.match, lines) if m]
    stops = [(int(m[2]), m[3]) for m in map(STOP.match, lines) if m]
    return rows, stops


class _Counter:
    """A user callback that notes each iteration the protocol reports, and can stop.

    Iteration subtask ``i >= 1`` begins from the coefficients after ``i``
    iterations (``linear_model/_callbacks.py``): its begin is "iteration i".
    """

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.iterations = []
        self.hooks = []

    def setup(self, estimator, context):
        self.hooks.append(("setup", context.task_name, context.task_id))

    def teardown(self, estimator, context):
        self.hooks.append(("teardown", context.task_name, context.task_id))

    def on_fit_task_begin(self, estimator, context):
        self.hooks.append(("begin", context.task_name, context.task_id))
        if context.task_name == "iter" and context.task_id >= 1:
            self.iterations.append(context.task_id)

    def on_fit_task_end(self, estimator, context):
        self.hooks.append(("end", context.task_name, context.task_id))
        return (self.stop_after is not None and context.task_name == "iter"
                and context.task_id == self.stop_after - 1)


def _fit(params, n_classes, callback=None, **more):
    X, y = _data(n_classes)
    est = SoftmaxRegression(**params, **more)
    if callback is not None:
        est.set_callbacks(callback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("case, params, n_classes", CASES, ids=IDS)
def test_verbose_rows_and_a_callback_see_the_same_iterations(capsys, case, params, n_classes):
    counter = _Counter()
    model = _fit(params, n_classes, counter, verbose=1, tol=1e-10, max_iter=12)
    rows, stops = _table(capsys.readouterr().out)
    n_iter = int(model.n_iter_[0])
    assert n_iter >= 2  # the comparison below is about real iterations
    assert [i for i, _ in rows] == list(range(n_iter + 1))  # the start, then each iteration
    assert counter.iterations == [i for i, _ in rows if i > 0]
    assert [n for n, _ in stops] == [n_iter]  # one stop line, after the same count


@pytest.mark.parametrize("case, params, n_classes", CASES, ids=IDS)
def test_a_callbacks_stop_is_the_stop_the_verbose_table_reports(capsys, case, params,
                                                               n_classes):
    model = _fit(params, n_classes, _Counter(stop_after=2), verbose=1, tol=1e-14, max_iter=50)
    rows, stops = _table(capsys.readouterr().out)
    assert model.n_iter_[0] == 2
    assert [i for i, _ in rows] == [0, 1, 2]
    assert stops == [(2, "stopped by callback")]


@pytest.mark.parametrize("case, params, n_classes", CASES, ids=IDS)
def test_verbose_adds_no_hook_or_task_to_user_callbacks(capsys, case, params, n_classes):
    quiet, loud = RecordingCallback(), RecordingCallback()
    _fit(params, n_classes, quiet, verbose=0, tol=1e-10, max_iter=8)
    _fit(params, n_classes, loud, verbose=1, tol=1e-10, max_iter=8)
    assert capsys.readouterr().out  # the second fit did print its table

    def hooks(cb):
        return [(r["name"], r["context"].task_name, r["context"].task_id) for r in cb.record]

    assert hooks(loud) == hooks(quiet)
    assert loud.count_hooks("setup") == loud.count_hooks("teardown") == 1


def test_a_fit_without_verbose_or_callbacks_builds_no_event(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("an event or a callback task was built")

    monkeypatch.setattr(_base, "IterationEvent", refuse)
    monkeypatch.setattr(_base, "StopEvent", refuse)
    monkeypatch.setattr(_softmax_regression, "FitTasks", refuse)
    for _, params, n_classes in CASES:
        _fit(params, n_classes, tol=1e-10, max_iter=8)
    assert capsys.readouterr().out == ""
    with pytest.raises(AssertionError, match="event"):  # the guard does guard
        _fit(CASES[0][1], 3, verbose=1, max_iter=8)


SOLVER_CASES = [("lbfgs", {}), ("newton-cg", {}), ("newton-cholesky", {}), ("gd", {}),
                ("prox-newton", dict(l1=1e-2))]


@pytest.mark.parametrize("solver, options", SOLVER_CASES, ids=[c[0] for c in SOLVER_CASES])
def test_solve_prints_each_iteration_the_callback_gets(capsys, solver, options):
    X, y = _data(3)
    obj = MultinomialLoss(X, y, l2=1e-3, n_classes=3, n_threads=1)
    seen = []

    def callback(state):
        seen.append((state.iteration, state.loss))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(obj, solver=solver, tol=1e-10, max_iter=12, verbose=1, callback=callback,
                    **options)
    rows, stops = _table(capsys.readouterr().out)
    assert res.n_iter >= 2
    assert [i for i, _ in seen] == [i for i, _ in rows if i > 0] == list(range(1, res.n_iter + 1))
    # the loss of each row is the loss the callback got, to the 16 digits printed
    np.testing.assert_allclose([f for _, f in rows[1:]], [f for _, f in seen], rtol=1e-14)
    assert stops == [(res.n_iter, res.message)]
