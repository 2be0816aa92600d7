"""What validating X costs, next to one loss+gradient on the same X.

``check_design_matrix`` runs once where an objective (or a predict call)
binds X: for CSR X it scans the structure (indptr order and ends, every
column index, sorted rows without duplicates) and the values (finite).  The
issue's bound is 5% of one ``MultinomialLoss.loss_gradient`` on the CSR
benchmark problem of test_bench_objective.py; bench/ratios.py prints the
fraction ("validation / ours") and the target line.  The dense case is here
for the record (its only scan is finiteness).

Run: cd bench && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=../src \
     python -m pytest -q test_bench_validation.py --benchmark-only \
     --benchmark-json=/tmp/validation/run.json && python ratios.py /tmp/validation
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from softmax_ext import MultinomialLoss
from softmax_ext._design_matrix import check_design_matrix

from test_bench_objective import data, group

THREADS = [1, 2]
CASES = [("csr", np.float64), ("dense", np.float64)]
IDS = ["csr-float64", "dense-float64"]


def _group(kind, dtype):
    return "validation vs " + group(kind, dtype)


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_loss_gradient(benchmark, kind, dtype, threads):
    X, y, coef = data(kind, dtype)
    obj = MultinomialLoss(X, y, l2=1e-3, n_threads=threads)
    benchmark.group = _group(kind, dtype)
    benchmark.extra_info.update(role="ours", threads=threads)
    with threadpool_limits(limits=threads, user_api="blas"):
        benchmark.pedantic(lambda: obj.loss_gradient(coef), rounds=15, iterations=1,
                           warmup_rounds=1)


@pytest.mark.parametrize("kind,dtype", CASES, ids=IDS)
def test_validation(benchmark, kind, dtype):
    X, _, _ = data(kind, dtype)
    assert check_design_matrix(X) is X  # valid input: checked, never copied
    benchmark.group = _group(kind, dtype)
    benchmark.extra_info.update(role="validation")
    benchmark.pedantic(lambda: check_design_matrix(X), rounds=31, iterations=1,
                       warmup_rounds=2)
