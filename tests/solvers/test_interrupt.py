"""Ctrl-C stops a fit of every solver promptly.

Each case runs a fit that would take well over 10 s in a subprocess, waits
until it is under way (the script prints "started" from the callback after
the first iteration, or just before the long step it wants to interrupt),
sends SIGINT and measures how long the process takes to end; it must end
with KeyboardInterrupt.  newton-cholesky has two cases: one where the
Hessian assembly alone takes several seconds (the C kernel polls a SIGINT
flag between row blocks) and one where the factorisation does (the blocked
factorisation checks for signals between BLAS calls).

Two bounds (see STOP_BOUND, EXIT_BOUND below): the fit must stop -- the
KeyboardInterrupt reach the script, which notes the time -- within 1 s of
the signal, the issue's target; the process must end within EXIT_BOUND,
which adds the interpreter's teardown (numpy/scipy/OpenBLAS threads:
~0.4 s for a process doing nothing but time.sleep on this shared, loaded
2-core machine).
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from child_signals import sigint_default

pytestmark = [pytest.mark.skipif(os.name != "posix", reason="SIGINT to a subprocess"),
              pytest.mark.slow]

# Measured 2026-12-03 on the shared machine (load average 3-5), 10 runs per
# case, seconds from SIGINT to the KeyboardInterrupt in the script (median /
# max) and to the end of the process (median / max):
#   lbfgs 0.012 / 0.036, 0.47 / 0.59     newton-cg 0.005 / 0.028, 0.47 / 0.59
#   gd 0.004 / 0.037, 0.52 / 0.73        auto 0.021 / 0.048, 0.60 / 0.79
#   newton-cholesky, Hessian 0.020 / 0.061, 0.86 / 1.46
#   newton-cholesky, factorisation 0.018 / 0.24, 0.63 / 1.00
# (the old code: 16 s and 14 s for the two newton-cholesky cases).  The
# issue's 1 s applies to stopping; the exit bound leaves the interpreter's
# teardown room on a loaded machine.
STOP_BOUND = 1.0
EXIT_BOUND = 2.5

_PRELUDE = textwrap.dedent("""
    import contextlib
    import sys
    import time
    import numpy as np
    from softmax_ext import MultinomialLoss
    from softmax_ext.solvers import solve
    from softmax_ext.solvers import newton_cholesky as nc

    def say(what):
        print(what, flush=True)

    @contextlib.contextmanager
    def caught():
        # when the KeyboardInterrupt reaches the script: the fit has stopped
        try:
            yield
        except KeyboardInterrupt:
            print("caught at %r" % time.time(), file=sys.stderr, flush=True)
            raise

    def data(n, d, K, seed=0):
        # separable classes and l2 = 0: the loss decreases without end, so
        # every solver keeps iterating (to max_iter) instead of converging
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        y = np.argmax(X @ rng.standard_normal((d, K)), axis=1)
        return X, y
""")

_GRADIENT = _PRELUDE + textwrap.dedent("""
    X, y = data(100_000, 100, 10)
    obj = MultinomialLoss(X, y, l2=0.0)
    started = []
    def callback(state):
        if not started:
            started.append(1)
            say("started")
    with caught():
        solve(obj, solver="{solver}", tol=0.0, max_iter=100_000, callback=callback)
    say("finished")
""")

# The Hessian assembly takes seconds: n = 30,000, p = 401, K = 10
# (2 n T nq = 2 * 30,000 * 80,601 * 45 ~ 2.2e11 flops); say "started" as it begins.
_HESSIAN = _PRELUDE + textwrap.dedent("""
    X, y = data(30_000, 400, 10)
    obj = MultinomialLoss(X, y, l2=1e-3)
    hessian = obj.hessian
    def loud_hessian(coef):
        say("started")
        return hessian(coef)
    obj.hessian = loud_hessian
    with caught():
        solve(obj, solver="newton-cholesky", tol=0.0, max_iter=1000)
    say("finished")
""")

# The factorisation takes seconds: m = 10 * 901 = 9,010 (m^3 / 3 ~ 2.4e11
# flops), the Hessian of 200 rows a fraction of a second.
_FACTOR = _PRELUDE + textwrap.dedent("""
    X, y = data(200, 900, 10)
    obj = MultinomialLoss(X, y, l2=1e-3)
    factor = nc._factor
    def loud_factor(H):
        say("started")
        return factor(H)
    nc._factor = loud_factor
    with caught():
        solve(obj, solver="newton-cholesky", tol=0.0, max_iter=1000)
    say("finished")
""")

# case: (script, seconds from "started" to the signal).  The delays put the
# signal well inside the long step: 2 s into the factorisation (6 s at the
# least here), past its finiteness check, which alone took 0.5 s on the
# loaded machine (the old code was caught there, in numpy, not in LAPACK).
CASES = {
    "lbfgs": (_GRADIENT.format(solver="lbfgs"), 0.5),
    "newton-cg": (_GRADIENT.format(solver="newton-cg"), 0.5),
    "gd": (_GRADIENT.format(solver="gd"), 0.5),
    "auto": (_GRADIENT.format(solver="auto"), 0.5),
    "newton-cholesky-hessian": (_HESSIAN, 1.0),
    "newton-cholesky-factor": (_FACTOR, 2.0),
}


def interrupt_latency(script, delay=0.5, timeout=120):
    """Run ``script``, SIGINT it ``delay`` s after it prints "started".

    Returns (seconds from the signal to the KeyboardInterrupt reaching the
    script (None if it did not), seconds to the end of the process,
    returncode, stderr).
    """
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "started", (line, proc.stderr.read() if proc.poll() else "")
        time.sleep(delay)
        assert proc.poll() is None, "the fit ended before the signal"
        t_wall, t = time.time(), time.perf_counter()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=timeout)
        ended = time.perf_counter() - t
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "finished" not in out
    found = re.search(r"caught at ([0-9.e+]+)", err)
    stopped = float(found.group(1)) - t_wall if found else None
    return stopped, ended, proc.returncode, err


@pytest.mark.parametrize("case", list(CASES))
def test_sigint_stops_the_fit_within_the_bound(case):
    script, delay = CASES[case]
    stopped, ended, rc, err = interrupt_latency(script, delay)
    assert rc != 0 and "KeyboardInterrupt" in err, (rc, err[-2000:])
    assert stopped is not None, err[-2000:]
    assert stopped < STOP_BOUND, f"{case}: stopped {stopped:.2f} s after SIGINT"
    assert ended < EXIT_BOUND, f"{case}: ended {ended:.2f} s after SIGINT"


_OWN_HANDLER = textwrap.dedent("""
    import os, signal, threading, time
    import numpy as np
    from softmax_ext import MultinomialLoss

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 200))
    obj = MultinomialLoss(X, rng.integers(0, 10, 20_000), l2=1e-3)
    coef = 0.01 * rng.standard_normal(obj.coef_shape)
    t = time.perf_counter()
    H0 = obj.hessian(coef)
    once = time.perf_counter() - t
    hits = []
    signal.signal(signal.SIGINT, lambda sig, frame: hits.append(sig))
    threading.Timer(min(0.3, once / 3), os.kill, (os.getpid(), signal.SIGINT)).start()
    H1 = obj.hessian(coef)
    print(len(hits), bool(np.array_equal(H0, H1)), flush=True)
""")


def test_a_handler_that_does_not_raise_gets_the_signal_and_a_complete_hessian():
    """SIGINT during the assembly with a Python handler that only records it:
    the handler runs once, and the interrupted assembly is run again, so the
    Hessian is the same as without the signal."""
    proc = subprocess.run([sys.executable, "-c", _OWN_HANDLER], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1", "True"]
