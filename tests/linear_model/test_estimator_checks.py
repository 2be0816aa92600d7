"""scikit-learn's estimator checks on SoftmaxRegression: all of them, none skipped or xfailed.

Run on the default estimator and on one instance per explicit solver.

``check_array_api_input`` (NumPy namespace with array-API dispatch on) needs
the environment variable ``SCIPY_ARRAY_API=1`` to be set *before* scipy is
imported, otherwise scikit-learn skips it.  Setting it for the whole test
session would change scipy's behaviour for every other test, so that check
runs in a fresh interpreter with the variable set: one child process runs it
for every instance (a child costs seconds of imports), and each test reports
its own instance's outcome.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import softmax_ext
from softmax_ext.linear_model import SoftmaxRegression

# The folder holding the softmax_ext this test imported (the installed
# package under `make test`, the source tree under PYTHONPATH=src): the
# child process must test the same build.
SRC = str(Path(softmax_ext.__file__).resolve().parents[1])

ESTIMATORS = [SoftmaxRegression()] + [
    SoftmaxRegression(solver=s) for s in ("lbfgs", "newton-cholesky", "newton-cg", "gd")
]

_CHILD = """
import sys, traceback
from sklearn.utils.estimator_checks import {name} as check
import softmax_ext
from softmax_ext.linear_model import SoftmaxRegression
for i, est in enumerate([{estimators}]):
    try:
        check("SoftmaxRegression", est, **{kwargs!r})
        print(f"RESULT {{i}} ok", flush=True)
    except BaseException:
        print(f"RESULT {{i}} FAILED", flush=True)
        traceback.print_exc()
        sys.stderr.write(f"END {{i}}\\n")
"""

_child_results = {}


def _check_name(check):
    return getattr(check, "func", check).__name__


def _run_in_subprocess_with_array_api(estimator, check):
    """Run ``check`` with SCIPY_ARRAY_API=1 in a child interpreter (once for all
    instances, cached) and fail if it failed (or was skipped) for ``estimator``."""
    key = (_check_name(check), repr(sorted(check.keywords.items())))
    if key not in _child_results:
        code = _CHILD.format(name=key[0], kwargs=dict(check.keywords),
                             estimators=", ".join(repr(e) for e in ESTIMATORS))
        env = dict(os.environ, SCIPY_ARRAY_API="1")
        env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=600)
        _child_results[key] = proc
    proc = _child_results[key]
    index = next(i for i, e in enumerate(ESTIMATORS) if repr(e) == repr(estimator))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert f"RESULT {index} ok" in proc.stdout.splitlines(), (
        f"{key[0]} failed for {estimator!r}:\n{proc.stderr[-4000:]}")


# scikit-learn's checks fit with the default max_iter=100, which plain gradient
# descent does not always reach tol in; no check is about that warning.
@pytest.mark.filterwarnings("ignore:gd failed to converge:sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    if _check_name(check).startswith("check_array_api") and "SCIPY_ARRAY_API" not in os.environ:
        _run_in_subprocess_with_array_api(estimator, check)
    else:
        check(estimator)
