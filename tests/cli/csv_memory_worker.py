"""Child process for the CSV memory test: read one CSV with the CLI's reader, report peaks.

Run as ``python csv_memory_worker.py DATA.csv [TARGET]``.  Prints one JSON
object: the shape and ``nbytes`` of the feature array, the tracemalloc peak
of the read (allocations traced by Python, which include numpy's array data
and the parser's buffers), and how much the process's peak resident set grew
during the read (``ru_maxrss``, which also sees allocations tracemalloc does
not).  A child process, so that neither peak includes the test session's own
memory.
"""

import json
import resource
import sys
import tracemalloc

from softmax_ext import cli


def _maxrss_bytes():
    # ru_maxrss is in KiB on Linux (bytes on macOS, where this test does not run).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(path, target=None):
    before = _maxrss_bytes()
    tracemalloc.start()
    data = cli.load_data(path, target)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    X = data["X"]
    print(json.dumps({"shape": list(X.shape), "x_nbytes": X.nbytes,
                      "y_nbytes": None if data["y"] is None else data["y"].nbytes,
                      "traced_peak": traced_peak, "rss_growth": _maxrss_bytes() - before}))


if __name__ == "__main__":
    main(*sys.argv[1:])
