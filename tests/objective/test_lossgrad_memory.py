"""The fused loss/gradient never copies X and allocates nothing of X's size.

tracemalloc sees NumPy's array allocations (NumPy reports them to it), so a
float64 copy of X, a densified CSR matrix or an (n, d) temporary would show
up in the traced peak.  The C kernels' own scratch (row blocks, per-group
gradient buffers of K x (d + 1) doubles) is malloc'ed in C and not traced; it
is bounded by construction (see csrc/smx_lossgrad.c).
"""

import tracemalloc

import numpy as np
import scipy.sparse as sp

from softmax_ext import MultinomialLoss
from softmax_ext.objective import _kernels as kernels


def _peak_extra(fn):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def test_float32_dense_no_copy_of_X():
    rng = np.random.default_rng(0)
    n, d, K = 100_000, 50, 10
    X = rng.standard_normal((n, d), dtype=np.float32)
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y, n_threads=2)
    assert obj.X is X  # float32 C-contiguous X is used as given
    coef = rng.standard_normal(obj.coef_shape).astype(np.float32)
    obj.loss_gradient(coef)  # warm up (lazy imports, threadpool controller)
    peak = _peak_extra(lambda: obj.loss_gradient(coef))
    # X is 20 MB; a float64 copy would be 40 MB and the scores (n, K) alone
    # 4 MB.  The call itself needs only the (K, d + 1) gradient.
    assert peak < X.nbytes / 50, f"peak extra memory {peak} bytes vs X {X.nbytes} bytes"
    # scores are (n, K) by definition, but nothing of X's size.
    peak = _peak_extra(lambda: kernels.scores(obj, coef=coef))
    assert peak < n * K * 4 + X.nbytes / 50


def test_csr_not_densified():
    rng = np.random.default_rng(1)
    n, d, K = 20_000, 5_000, 5
    X = sp.random(n, d, density=0.002, format="csr", dtype=np.float32, random_state=rng)
    y = rng.integers(0, K, size=n)
    obj = MultinomialLoss(X, y, n_threads=2)
    coef = rng.standard_normal(obj.coef_shape).astype(np.float32)
    obj.loss_gradient(coef)
    peak = _peak_extra(lambda: obj.loss_gradient(coef))
    # Dense X would be 400 MB; the gradient is 25,005 doubles (200 KB) and
    # its float32 cast half that.
    assert peak < 2 * K * (d + 1) * 8 + 100_000, f"peak extra memory {peak} bytes"
