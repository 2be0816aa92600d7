"""Fuzz test: hundreds of random malformed inputs never crash the interpreter.

``tests/fuzz_worker.py`` runs in a child process (so that a segfault or an
abort in a C kernel cannot take the test session down with it, and shows up
as a negative return code).  It calls fit / predict / predict_proba /
predict_log_proba / decision_function / score on random malformed and extreme
inputs, accepting only ValueError and TypeError; any other exception exits
with code 1, a signal with a negative code.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import softmax_ext

HERE = Path(__file__).resolve().parent
# The folder holding the softmax_ext this test imported (the installed
# package under `make test`, the source tree under PYTHONPATH=src): the
# child process must test the same build.
SRC = str(Path(softmax_ext.__file__).resolve().parents[1])


@pytest.mark.parametrize("seed", [0])
def test_random_malformed_inputs_never_crash(seed):
    n_cases = 400
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, str(HERE / "fuzz_worker.py"), str(seed), str(n_cases)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode >= 0, (
        f"fuzz worker killed by signal {-proc.returncode}; stderr:\n{proc.stderr[-4000:]}")
    assert proc.returncode == 0, f"fuzz worker failed:\n{proc.stderr[-4000:]}"
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"fuzz ok: {n_cases} cases"), proc.stdout[-2000:]
    # The run must have exercised the fitting paths, not only rejected input.
    fits = int(last.split(", ")[1].split()[0])
    assert fits >= n_cases // 10, last
