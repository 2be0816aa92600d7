"""pytest plugin: run scikit-learn's own logistic tests on SoftmaxRegression or SoftmaxRegressionCV.

Loaded by ``peer/run_sklearn_tests.py`` (``-p swap_logistic --swap=...``).
``--swap=LogisticRegression`` (the default): the tests whose source names
``LogisticRegressionCV`` are deselected (the CV estimator has its own run)
and every test module's global ``LogisticRegression`` becomes
``softmax_ext.SoftmaxRegression``.  ``--swap=LogisticRegressionCV``: only
those tests are kept and ``LogisticRegressionCV`` becomes
``softmax_ext.SoftmaxRegressionCV``; ``LogisticRegression`` stays
scikit-learn's, so the tests that compare the CV estimator with a plain fit
compare ours with the reference.  Array-API tests skip themselves as they do
in scikit-learn without an array-API library.  The tests are read from the
installed scikit-learn: nothing of theirs is kept in this repository.
"""

import inspect

import softmax_ext

# scikit-learn's class name -> ours
SWAPS = {"LogisticRegression": "SoftmaxRegression",
         "LogisticRegressionCV": "SoftmaxRegressionCV"}


def pytest_addoption(parser):
    parser.addoption("--swap", choices=sorted(SWAPS), default="LogisticRegression",
                     help="the scikit-learn class whose tests run on ours")


def _uses_cv(item):
    try:
        return "LogisticRegressionCV" in inspect.getsource(item.function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(session, config, items):
    name = config.getoption("swap")
    ours = getattr(softmax_ext, SWAPS[name])
    want_cv = name == "LogisticRegressionCV"
    kept, dropped = [], []
    for item in items:
        (kept if _uses_cv(item) == want_cv else dropped).append(item)
        module = getattr(item, "module", None)
        if module is not None and getattr(module, name, None) is not None:
            setattr(module, name, ours)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
