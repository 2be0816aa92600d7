"""Issue 16's speed matrix: our solvers and auto against scikit-learn's best and default.

The 8 cases (binary 100k x 100; dense 100k x 100, K=10 at tol 1e-6 and 1e-4;
its float32 variant at 1e-4; K=100, 50k x 50; tall 1M x 20, K=5; TF-IDF-like
CSR 100k x 50k, K=20, C=10; digits), each in its own process, every entry's
objective checked against the case's best, min/median/max of 3 fits, the load
average before and after each case.  The code is in
``softmax_ext.bench.speed_matrix`` (also ``softmax-ext bench --matrix``);
writes ``bench/results/matrix-<time>.md`` and ``.json``.  Not part of ``make
test``; about 10-15 minutes on 2 idle cores.

Run::

    make bench-matrix
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=src python bench/matrix.py \\
        [--cases tall,tfidf] [--rounds 3] [--no-peers]
"""

import sys

from softmax_ext.bench.speed_matrix import main

if __name__ == "__main__":
    sys.exit(main())
