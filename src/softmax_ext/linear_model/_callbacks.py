"""scikit-learn 1.9's fit callbacks (``set_callbacks``, ``ProgressBar``,
``ScoringMonitor``) over our solvers.

The tasks are those of ``LogisticRegression(solver="lbfgs")``: a root task
for the fit, and under it one subtask per solver iteration.  Subtask ``i``
begins from the coefficients after ``i`` iterations and ends with those
after ``i + 1``; the solver's per-iteration callback ends one subtask and
begins the next, so the last one begun is ended empty when the solver
returns (scikit-learn counts it too).  Each hook that asks for a
``fitted_estimator`` gets a copy of the estimator with the iterate's
``coef_`` and ``intercept_``, post-processed exactly as the fit's result, so
that it predicts as ``max_iter=i`` would.
"""

__all__ = ["FitTasks"]


class FitTasks:
    """The callback tasks of one ``fit``.

    Parameters
    ----------
    estimator : SoftmaxRegression
        Has ``_init_callback_context`` (scikit-learn's CallbackSupportMixin)
        and ``classes_`` set.
    X, y : the validated training data, as passed to the hooks.
    sample_weight : ndarray or None
    max_iter : int
    attributes : callable
        ``attributes(coef) -> {"coef_": ..., "intercept_": ...}`` from a
        solver iterate in the objective's layout.
    """

    def __init__(self, estimator, X, y, sample_weight, max_iter, attributes):
        self._estimator, self._X, self._y = estimator, X, y
        self._metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self._attributes = attributes
        # iterations, plus the empty subtask begun after the last one
        self._root = estimator._init_callback_context(max_subtasks=max(int(max_iter), 1) + 1)
        self._root.call_on_fit_task_begin(estimator=estimator, X=X, y=y,
                                          metadata=self._metadata)
        self._iteration = None

    def _hook_args(self, coef):
        args = dict(estimator=self._estimator, X=self._X, y=self._y, metadata=self._metadata)
        if coef is not None:
            args["reconstruction_attributes"] = self._attributes(coef)
        return args

    def start(self, coef0):
        """Begin the first iteration's subtask from the starting coefficients."""
        self._coef0 = coef0
        self._ended = 0
        self._iteration = self._root.subcontext(task_name="iter")
        self._iteration.call_on_fit_task_begin(**self._hook_args(coef0))

    def _next(self, coef):
        stop = self._iteration.call_on_fit_task_end(**self._hook_args(coef))
        self._ended += 1
        self._iteration = self._root.subcontext(task_name="iter")
        self._iteration.call_on_fit_task_begin(**self._hook_args(coef))
        return bool(stop)

    def __call__(self, state):
        """The solver's per-iteration callback: end this subtask, begin the next.

        Returns True when a callback asks to stop early (the solver then stops).
        """
        return self._next(state.coef)

    def finish(self):
        """End the subtask no iteration ran, then the root task.

        A fit of no iteration (``max_iter=0``, or a start already optimal)
        still ends one iteration subtask, at the starting point, as
        scikit-learn's lbfgs does."""
        if self._iteration is not None:
            if self._ended == 0:
                self._next(self._coef0)
            self._iteration.call_on_fit_task_end(estimator=self._estimator)
        self._root.call_on_fit_task_end(estimator=self._estimator, X=self._X, y=self._y,
                                        metadata=self._metadata, reconstruction_attributes={})
