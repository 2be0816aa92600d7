"""Run scikit-learn's LogisticRegressionCV tests (``test_logistic.py``) against
SoftmaxRegressionCV: ``run_sklearn_tests.py --cv`` under its own name.

Usage: python peer/run_sklearn_cv_tests.py [extra pytest arguments]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_sklearn_tests import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], cv=True))
