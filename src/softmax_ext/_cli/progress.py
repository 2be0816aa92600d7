"""Progress lines of the command line's commands."""

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Progress lines on a stream (stderr by default), with elapsed seconds.

    Parameters
    ----------
    stream : file-like, optional
        Where to write; None means ``sys.stderr`` at call time.
    quiet : bool, default False
        Print nothing.
    """

    def __init__(self, stream=None, quiet=False):
        self.stream = stream
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message):
        if self.quiet:
            return
        stream = self.stream if self.stream is not None else sys.stderr
        print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=stream, flush=True)
