"""Run scikit-learn's LogisticRegressionCV tests (``test_logistic.py``) against
SoftmaxRegressionCV; print the tally and the failures grouped by their first line.

The runner of ``run_sklearn_tests.py`` with the ``swap_logistic_cv.py``
plugin, which keeps the LogisticRegressionCV tests and puts
SoftmaxRegressionCV in their place.

Usage: python peer/run_sklearn_cv_tests.py [extra pytest arguments]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_sklearn_tests import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], plugin="swap_logistic_cv", subject="SoftmaxRegressionCV",
                  expected=Path(__file__).resolve().parent / "expected_failures_cv.txt"))
