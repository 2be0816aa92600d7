"""scikit-learn's estimator checks on SoftmaxRegression: all of them, none skipped or xfailed.

``check_array_api_input`` (NumPy namespace with array-API dispatch on) needs
the environment variable ``SCIPY_ARRAY_API=1`` to be set *before* scipy is
imported, otherwise scikit-learn skips it.  Setting it for the whole test
session would change scipy's behaviour for every other test, so that one
check runs in a fresh interpreter with the variable set.
"""

import os
import subprocess
import sys
from pathlib import Path

from sklearn.utils.estimator_checks import parametrize_with_checks

from softmax_ext.estimator import SoftmaxRegression

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _check_name(check):
    return getattr(check, "func", check).__name__


def _run_in_subprocess_with_array_api(estimator, check):
    """Run ``check`` in a child interpreter with SCIPY_ARRAY_API=1; fail on its failure."""
    kwargs = dict(check.keywords)
    code = (
        "import numpy as np\n"
        f"from sklearn.utils.estimator_checks import {_check_name(check)} as check\n"
        "from softmax_ext.estimator import SoftmaxRegression\n"
        f"check('SoftmaxRegression', {estimator!r}, **{kwargs!r})\n"
    )
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]


@parametrize_with_checks([SoftmaxRegression()])
def test_sklearn_estimator_checks(estimator, check):
    if _check_name(check).startswith("check_array_api") and "SCIPY_ARRAY_API" not in os.environ:
        _run_in_subprocess_with_array_api(estimator, check)
    else:
        check(estimator)
