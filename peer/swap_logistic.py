"""pytest plugin: run scikit-learn's own LogisticRegression tests on SoftmaxRegression.

Loaded by ``peer/run_sklearn_tests.py`` (``-p swap_logistic``).  After
collection every test module's global ``LogisticRegression`` is
``softmax_ext.SoftmaxRegression``, so the tests build ours where they name
scikit-learn's.  Tests that use ``LogisticRegressionCV`` are deselected (the
CV estimator is another issue); array-API tests skip themselves as they do
in scikit-learn without an array-API library.  The tests themselves are read
from the installed scikit-learn: nothing of theirs is kept in this repository.
"""

import inspect

from softmax_ext import SoftmaxRegression


def _uses_cv(item):
    try:
        return "LogisticRegressionCV" in inspect.getsource(item.function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(session, config, items):
    kept, dropped = [], []
    for item in items:
        (dropped if _uses_cv(item) else kept).append(item)
        module = getattr(item, "module", None)
        if module is not None and getattr(module, "LogisticRegression", None) is not None:
            module.LogisticRegression = SoftmaxRegression
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
