"""Fuzz tests: thousands of random malformed inputs never crash the interpreter.

The workers run in a child process (so that a segfault or an abort in a C
kernel cannot take the test session down with it, and shows up as a negative
return code).  ``tests/kernels/fuzz_worker.py`` calls fit / predict / predict_proba /
predict_log_proba / decision_function / score on random malformed and extreme
inputs (shapes, dtypes, labels, weights, parameters), accepting only
ValueError and TypeError.  ``tests/kernels/fuzz_csr_worker.py`` builds malformed CSR
structures (indices out of range, broken indptr, mismatched lengths, index
dtypes, lying sortedness/canonical flags, arrays replaced or mutated after
construction) and runs every public path on them: a ValueError or TypeError,
or the result of the canonical equivalent when the matrix is valid in
disguise.  Any other exception exits with code 1, a signal with a negative
code, a hang ends the worker through faulthandler.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import softmax_ext

# Cases of the CSR fuzz: every (kind, path) pair of the worker comes up once
# in each len(KINDS) * len(PATHS) = 567 cases; 8 rounds, about 20 s.
N_CSR_CASES = 4536

HERE = Path(__file__).resolve().parent
# The folder holding the softmax_ext this test imported (the installed
# package under `make test`, the source tree under PYTHONPATH=src): the
# child process must test the same build.
SRC = str(Path(softmax_ext.__file__).resolve().parents[1])


def _run_worker(worker, seed, n_cases, timeout=600):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(HERE / worker), str(seed), str(n_cases)],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.mark.parametrize("seed", [0])
def test_random_malformed_inputs_never_crash(seed):
    n_cases = 400
    proc = _run_worker("fuzz_worker.py", seed, n_cases)
    assert proc.returncode >= 0, (
        f"fuzz worker killed by signal {-proc.returncode}; stderr:\n{proc.stderr[-4000:]}")
    assert proc.returncode == 0, f"fuzz worker failed:\n{proc.stderr[-4000:]}"
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"fuzz ok: {n_cases} cases"), proc.stdout[-2000:]
    # The run must have exercised the fitting paths, not only rejected input.
    fits = int(last.split(", ")[1].split()[0])
    assert fits >= n_cases // 10, last


@pytest.mark.parametrize("seed", [0])
def test_malformed_csr_structures_are_rejected_or_read_correctly(seed):
    n_cases = N_CSR_CASES
    proc = _run_worker("fuzz_csr_worker.py", seed, n_cases)
    tail = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode >= 0, f"csr fuzz worker killed by signal {-proc.returncode}:\n{tail}"
    assert proc.returncode == 0, f"csr fuzz worker failed:\n{tail}"
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(f"csr fuzz ok: {n_cases} cases"), tail
    # Both answers must have come up often: the broken structures were
    # rejected, and the valid ones in disguise were computed on.
    rejected = int(last.split(", ")[1].split()[0])
    equal = int(last.split(", ")[2].split()[0])
    assert rejected >= n_cases // 4 and equal >= n_cases // 4, last
