"""pytest plugin: run scikit-learn's own LogisticRegressionCV tests on SoftmaxRegressionCV.

Loaded by ``peer/run_sklearn_cv_tests.py`` (``-p swap_logistic_cv``).  Only
the tests of the installed ``test_logistic.py`` whose source names
``LogisticRegressionCV`` are kept; after collection every test module's
global ``LogisticRegressionCV`` is ``softmax_ext.SoftmaxRegressionCV``.
``LogisticRegression`` stays scikit-learn's, so the tests that compare the
CV estimator with a plain fit compare ours with the reference.  The tests
themselves are read from the installed scikit-learn: nothing of theirs is
kept in this repository.
"""

import inspect

from softmax_ext import SoftmaxRegressionCV


def _uses_cv(item):
    try:
        return "LogisticRegressionCV" in inspect.getsource(item.function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(session, config, items):
    kept, dropped = [], []
    for item in items:
        (kept if _uses_cv(item) else dropped).append(item)
        module = getattr(item, "module", None)
        if module is not None and getattr(module, "LogisticRegressionCV", None) is not None:
            module.LogisticRegressionCV = SoftmaxRegressionCV
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
