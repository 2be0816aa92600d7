"""newton-cholesky's factorisation at any size.

The one large factorisation (m = 18,000, 2.6 GB, the size at which OpenBLAS's
threaded dpotrf segfaulted) runs in a subprocess, so that a crash fails the
test instead of ending pytest.
"""

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from softmax_ext import MultinomialLoss
from softmax_ext import _cholesky
from softmax_ext.solvers.newton_cholesky import newton_direction


def _problem(n=200, d=5, K=3, l2=1e-2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = np.arange(n) % K
    return MultinomialLoss(X, y, l2=l2, n_threads=1)


# ------------------------------------------------------------ the factorisation

@pytest.mark.parametrize("m, nb", [(1, 4), (7, 4), (64, 16), (300, 64), (513, 128)])
def test_blocked_cholesky_matches_lapack_and_leaves_the_lower_triangle(rng, m, nb):
    A = rng.normal(size=(m, m + 3))
    H = A @ A.T / m + 0.1 * np.eye(m)
    F = np.asfortranarray(H.copy())
    # small max_flops: many trailing tiles per panel
    assert _cholesky.potrf_upper(F, nb=nb, max_flops=1e4) == 0
    R = np.linalg.cholesky(H).T
    np.testing.assert_allclose(np.triu(F), R, rtol=0, atol=1e-12 * np.abs(R).max() * m)
    np.testing.assert_array_equal(np.tril(F, -1), np.tril(H, -1))
    b = rng.normal(size=m)
    x = b.copy()
    _cholesky.potrs_upper(F, x)
    np.testing.assert_allclose(H @ x, b, rtol=0, atol=1e-9 * np.abs(b).max())


def test_blocked_cholesky_reports_the_first_non_positive_minor(rng):
    import scipy.linalg

    m = 200
    A = rng.normal(size=(m, m))
    H = A @ A.T / m
    H[130, 130] = -1.0
    _, info = scipy.linalg.lapack.dpotrf(H.copy())
    assert info == 131
    assert _cholesky.potrf_upper(np.asfortranarray(H), nb=32) == info


def test_newton_direction_works_inside_h(rng):
    """Positive definite, singular (pseudo-inverse) and indefinite (damped)
    Hessians give the same steps as dense solves on copies."""
    m = 40
    A = rng.normal(size=(m, m))
    g = rng.normal(size=m)
    H = A @ A.T / m + 1e-3 * np.eye(m)
    D, dec, how = newton_direction(np.asfortranarray(H.copy()), g)
    assert how == "cholesky"
    np.testing.assert_allclose(D, -np.linalg.solve(H, g), rtol=1e-9)
    # rank 30 with g in the range: the pseudo-inverse step, minimum norm
    B = rng.normal(size=(m, 30))
    Hs = B @ B.T
    gs = Hs @ rng.normal(size=m)
    D, dec, how = newton_direction(np.asfortranarray(Hs.copy()), gs, singular_pinv=True)
    assert how.startswith("pseudo-inverse")
    np.testing.assert_allclose(D, -np.linalg.pinv(Hs, rcond=1e-10) @ gs, rtol=1e-6,
                               atol=1e-8 * np.abs(D).max())


_LARGE_FACTOR = textwrap.dedent("""
    import time
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    from softmax_ext.solvers.newton_cholesky import newton_direction

    m, k = {m}, 64
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, k))
    # H = A A^T / k + I in Fortran order (its own transpose), 2.6 GB at m = 18,000
    H = np.asfortranarray(A @ A.T)
    H /= k
    H[np.diag_indices(m)] += 1.0
    g = rng.standard_normal(m)
    t = time.perf_counter()
    with threadpool_limits(limits=2, user_api="blas"):
        D, dec, how = newton_direction(H, g)
    seconds = time.perf_counter() - t
    del H
    res = A @ (A.T @ D) / k + D + g
    blas = [(i["version"], i["num_threads"]) for i in threadpool_info()
            if i["user_api"] == "blas"]
    print(how, float(np.max(np.abs(res))), f"{{seconds:.1f}}", blas, flush=True)
""")


def test_factorisation_at_m_18000_with_threaded_blas_does_not_crash():
    """OpenBLAS's threaded dpotrf segfaulted from m ~ 15,600 at two threads
    (see _cholesky.pyx); the blocked factorisation must run through."""
    m = 18_000
    proc = subprocess.run([sys.executable, "-c", _LARGE_FACTOR.format(m=m)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    how, residual, seconds, blas = proc.stdout.split(maxsplit=3)
    assert how == "cholesky"
    assert float(residual) < 1e-8, proc.stdout
