"""Child processes that a test interrupts with SIGINT.

A shell starts background jobs (``make test &``, nohup, some CI runners)
with SIGINT ignored, children inherit the disposition, and Python installs
its KeyboardInterrupt handler only when SIGINT is at its default: in such a
child a SIGINT does nothing and the test would wait for a fit that never
stops.  ``sigint_default`` (a ``preexec_fn``) puts SIGINT back to its
default in the child before Python starts, as an interactive shell would.
"""

import signal


def sigint_default():
    """Reset SIGINT to SIG_DFL in a child process (``subprocess`` preexec_fn)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
