"""Run scikit-learn's ``test_logistic.py`` against SoftmaxRegression(CV); print the tally.

The test file comes from the installed scikit-learn at run time (its own
conftest and fixtures included); the ``swap_logistic.py`` plugin puts
SoftmaxRegression where the tests name LogisticRegression and leaves out the
LogisticRegressionCV tests, or, with ``--cv``, keeps only those and puts
SoftmaxRegressionCV in their place.  Prints passed / failed / skipped and,
for each failure, the test and the first line of its error, grouped by that
line; failures listed in ``expected_failures.txt`` (``expected_failures_cv.txt``
with ``--cv``; test id | reason) are printed apart as known, with their
reason (docs/dropin.md explains each).

Usage: python peer/run_sklearn_tests.py [--cv] [extra pytest arguments]
       (``make peer`` runs it in the project's virtual environment;
       ``peer/run_sklearn_cv_tests.py`` is the same as ``--cv``)
"""

import collections
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import sklearn

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected_failures.txt"
# what the runner swaps: scikit-learn's class, ours, the known failures
RUNS = {
    False: ("LogisticRegression", "SoftmaxRegression", EXPECTED),
    True: ("LogisticRegressionCV", "SoftmaxRegressionCV", HERE / "expected_failures_cv.txt"),
}


def expected_failures(path=EXPECTED):
    """``{test id: reason}`` from ``expected_failures.txt`` (``id | reason`` lines)."""
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition("|")
                known[name.strip()] = reason.strip()
    return known


def print_tally(reasons, passed_names, tally, subject="SoftmaxRegression", expected=EXPECTED):
    """The unknown failures grouped by first line, then the known ones (listed in
    ``expected``) with their reason."""
    known = expected_failures(expected)
    unknown = {r: [n for n in names if n not in known] for r, names in reasons.items()}
    unknown = {r: names for r, names in unknown.items() if names}
    for reason, names in sorted(unknown.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(names):4d}  {reason}")
        for name in names[:6]:
            print(f"        {name}")
        if len(names) > 6:
            print(f"        ... and {len(names) - 6} more")
    failed = {n for names in reasons.values() for n in names}
    n_known = 0
    for name, reason in known.items():
        if name in failed:
            n_known += 1
            print(f"   known  {name}: {reason}")
        elif name in passed_names:
            print(f"   now passes (remove from expected_failures.txt)  {name}")
    print(f"scikit-learn {sklearn.__version__} test_logistic.py on {subject}: "
          f"{tally['passed']} passed, {tally['failed']} failed ({n_known} known, "
          f"{tally['failed'] - n_known} unknown), {tally['skipped']} skipped")


def main(argv, cv=None):
    """Run the peer suite; ``--cv`` in ``argv`` (or ``cv=True``) for the CV estimator."""
    if cv is None:
        cv = "--cv" in argv
    argv = [a for a in argv if a != "--cv"]
    swapped, subject, expected = RUNS[bool(cv)]
    target = Path(sklearn.__file__).parent / "linear_model" / "tests" / "test_logistic.py"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(HERE), os.environ.get("PYTHONPATH", "")]))
        cmd = [sys.executable, "-m", "pytest", str(target), "-p", "swap_logistic",
               f"--swap={swapped}", "-q",
               "-p", "no:cacheprovider", f"--junitxml={report}", "-o", "addopts=",
               "--rootdir", str(target.parents[3]), *argv]
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
        if not report.exists():
            print("pytest produced no report; run the command by hand:", " ".join(cmd))
            return 1
        root = ET.parse(report).getroot()
    tally = collections.Counter()
    reasons = collections.defaultdict(list)
    passed_names = set()
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            tally["failed"] += 1
            first = (failure.get("message") or "").strip().splitlines()
            reasons[first[0][:160] if first else "(no message)"].append(case.get("name"))
        elif case.find("skipped") is not None:
            tally["skipped"] += 1
        else:
            tally["passed"] += 1
            passed_names.add(case.get("name"))
    print_tally(reasons, passed_names, tally, subject, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
