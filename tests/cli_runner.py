"""Running the ``softmax-ext`` command line from tests (the cli and bench tests share it).

``run`` and ``run_error`` call ``cli.main(argv)`` in-process (exit status
returned, stdout/stderr captured by pytest's ``capsys``); ``run_cli`` runs
``python -m softmax_ext`` in a child process, for the real exit status.
A test module that imports ``one_blas_thread`` gets it as an autouse fixture.
"""

import os
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_limits

from softmax_ext import cli


@pytest.fixture(autouse=True)
def one_blas_thread():
    # The test machine is shared by several jobs on 2 cores; OpenBLAS threads
    # spinning on an oversubscribed machine make tiny scikit-learn fits tens of
    # times slower.  Only speed depends on this: every check below is about
    # what the commands produce, not how fast.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def run(argv, capsys):
    """Run the CLI in-process; return (status, stdout, stderr)."""
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def run_error(argv, capsys):
    """Run a command that must fail: non-zero status, one-line message, no traceback."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        status = exc.code
    out, err = capsys.readouterr()
    assert status not in (0, None), (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    return err


def run_cli(argv, timeout=300, **kwargs):
    """Run ``python -m softmax_ext ARGV`` in a child process; return CompletedProcess."""
    env = dict(os.environ)
    env.pop("SOFTMAX_EXT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "softmax_ext", *map(str, argv)],
                          capture_output=True, text=True, env=env, timeout=timeout, **kwargs)

