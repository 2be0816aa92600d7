"""Memory before work (_memory.py), and newton-cholesky's factorisation at any size.

The MemoryError paths are tested without allocating: a Hessian larger than
any machine, or the available-memory function patched to a small value.  The
one large factorisation (m = 18,000, 2.6 GB, the size at which OpenBLAS's
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

from softmax_ext import FixedClassLoss, MultinomialLoss, _memory
from softmax_ext._ext import cholesky as _cholesky
from softmax_ext.solvers import solve
from softmax_ext.solvers._choice import choose
from softmax_ext.solvers.newton_cholesky import newton_direction


def _problem(n=200, d=5, K=3, l2=1e-2, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = np.arange(n) % K
    return MultinomialLoss(X, y, l2=l2, n_threads=1)


# ------------------------------------------------------------ available memory

def test_available_bytes_is_positive_and_at_most_physical_memory():
    avail = _memory.available_bytes()
    if avail is None:
        pytest.skip("no way to read the available memory on this system")
    assert isinstance(avail, int) and avail > 0
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert avail <= total


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_limit_is_the_smallest_over_the_ancestors(tmp_path):
    # /a has 1 GiB with 0.25 used, /a/b 4 GiB with 3.5 used (+ 0.25 GiB reclaimable)
    gib = 1 << 30
    _write(tmp_path / "a" / "memory.max", f"{gib}\n")
    _write(tmp_path / "a" / "memory.current", f"{gib // 4}\n")
    _write(tmp_path / "a" / "b" / "memory.max", f"{4 * gib}\n")
    _write(tmp_path / "a" / "b" / "memory.current", f"{7 * gib // 2}\n")
    _write(tmp_path / "a" / "b" / "memory.stat", f"anon 1\ninactive_file {gib // 4}\n")
    _write(tmp_path / "memory.max", "max\n")
    assert _memory._cgroup_v2_available(str(tmp_path), "/a/b") == 3 * gib // 4
    # raise the inner group's usage: it becomes the tighter one
    _write(tmp_path / "a" / "b" / "memory.current", f"{4 * gib - 100}\n")
    assert _memory._cgroup_v2_available(str(tmp_path), "/a/b") == 100 + gib // 4
    # no limit anywhere: None
    assert _memory._cgroup_v2_available(str(tmp_path), "/") is None


def test_cgroup_v1_limit_and_unlimited(tmp_path):
    gib = 1 << 30
    _write(tmp_path / "memory.limit_in_bytes", f"{2 * gib}\n")
    _write(tmp_path / "memory.usage_in_bytes", f"{gib}\n")
    _write(tmp_path / "memory.stat", f"cache 5\ntotal_inactive_file {gib // 2}\n")
    # the group's own directory is absent (mounted as the root): the root is read
    assert _memory._cgroup_v1_available(str(tmp_path), "/docker/abc") == gib + gib // 2
    _write(tmp_path / "memory.limit_in_bytes", "9223372036854771712\n")
    assert _memory._cgroup_v1_available(str(tmp_path), "/") is None


def test_format_bytes():
    assert _memory.format_bytes(512) == "512 B"
    assert _memory.format_bytes(3 * 2**30) == "3.0 GiB"
    assert _memory.format_bytes(7 * 2**40) == "7.0 TiB"


# ------------------------------------------------------------ estimates

def test_newton_cholesky_estimate_counts_the_m_by_m_arrays():
    pen = _problem(l2=1e-2)
    unpen = _problem(l2=0.0)
    m = int(np.prod(pen.coef_shape))
    nk = pen.n_samples * pen.n_classes
    small = 6 * 8 * nk + _memory.hessian_kernel_bytes(pen.n_samples, pen.n_features,
                                                      pen.n_classes, True, 1, 8)
    assert _memory.newton_cholesky_bytes(pen) == 8 * m * m + small
    # l2 == 0: the eigenvectors of the pseudo-inverse step as well
    assert _memory.newton_cholesky_bytes(unpen) == 2 * 8 * m * m + small
    # FixedClassLoss: the full parametrisation's Hessian is built first
    fixed = FixedClassLoss(pen)
    mf = int(np.prod(fixed.coef_shape))
    assert _memory.newton_cholesky_bytes(fixed) == 8 * mf * mf + 8 * m * m + small
    # the gradient methods need no m x m array
    for solver in ("lbfgs", "newton-cg", "gd"):
        assert _memory.solver_bytes(pen, solver) < 8 * m * m + small


def test_hessian_kernel_partials_are_counted():
    """Few features and many classes: the kernel splits the rows into 8
    groups, each with a T x nq partial -- more than H itself."""
    n, d, K = 10_000, 2, 200
    m = K * (d + 1)
    part = 8 * 8 * (3 * 4 // 2) * (K * (K - 1) // 2)
    got = _memory.hessian_kernel_bytes(n, d, K, True, 1, 8)
    assert part > 8 * m * m
    # plus the probabilities and one thread's row-block weights (512 x nq)
    assert part < got < part + 8 * n * K + 8 * 512 * (K * (K - 1) // 2 + 20)
    # many features: one row group, no partials; per thread a chunk x nq accumulator
    one = _memory.hessian_kernel_bytes(n, 500, 10, True, 1, 8)
    two = _memory.hessian_kernel_bytes(n, 500, 10, True, 2, 8)
    assert 8 * n * 10 < one < 8 * n * 10 + 10 * 2**20
    assert two - one == one - 8 * n * 10


# ------------------------------------------------------------ MemoryError

def test_hessian_larger_than_any_machine_raises_at_once():
    # d = 60,000 features and 10 classes: m = 600,010, an 2.6 TiB Hessian
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 60_000)).astype(np.float32)
    obj = MultinomialLoss(X, np.arange(10), l2=1.0, n_threads=1)
    t = time.perf_counter()
    with pytest.raises(MemoryError) as info:
        solve(obj, solver="newton-cholesky")
    assert time.perf_counter() - t < 2.0   # nothing was computed or allocated
    text = str(info.value)
    assert "600,010 x 600,010 Hessian" in text
    assert "TiB" in text and "lbfgs" in text and "newton-cg" in text
    assert obj.n_passes_over_X == 0


def test_memory_error_names_the_size_with_little_memory(monkeypatch):
    obj = _problem()
    need = _memory.solver_bytes(obj, "newton-cholesky")
    monkeypatch.setattr(_memory, "available_bytes", lambda: need - 1)
    with pytest.raises(MemoryError, match=_memory.format_bytes(need).replace(".", r"\.")):
        solve(obj, solver="newton-cholesky")
    assert obj.n_passes_over_X == 0
    # one byte more and it runs
    monkeypatch.setattr(_memory, "available_bytes", lambda: need)
    assert solve(obj, solver="newton-cholesky").converged


def test_unknown_available_memory_refuses_nothing(monkeypatch):
    obj = _problem()
    monkeypatch.setattr(_memory, "available_bytes", lambda: None)
    assert solve(obj, solver="newton-cholesky").converged


def test_auto_skips_a_solver_whose_memory_does_not_fit(monkeypatch):
    obj = _problem()
    assert choose(obj, 1e-6) == "newton-cholesky"
    chol = _memory.solver_bytes(obj, "newton-cholesky")
    ncg = _memory.solver_bytes(obj, "newton-cg")
    assert ncg < chol
    monkeypatch.setattr(_memory, "available_bytes", lambda: ncg)
    assert choose(obj, 1e-6) == "newton-cg"
    res = solve(obj, solver="auto", tol=1e-8)
    assert res.solver == "newton-cg" and res.converged
    # below every solver's estimate: the shape's pick, which names the size
    monkeypatch.setattr(_memory, "available_bytes", lambda: 1000)
    with pytest.raises(MemoryError, match="newton-cholesky solver needs about"):
        solve(obj, solver="auto")


def test_gradient_solvers_check_their_scores_too(monkeypatch):
    obj = _problem()
    monkeypatch.setattr(_memory, "available_bytes", lambda: 1000)
    with pytest.raises(MemoryError, match=r"200 x 3 scores"):
        solve(obj, solver="lbfgs")


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


@pytest.mark.slow
def test_factorisation_at_m_18000_with_threaded_blas_does_not_crash():
    """OpenBLAS's threaded dpotrf segfaulted from m ~ 15,600 at two threads
    (see _ext/cholesky.pyx); the blocked factorisation must run through."""
    m = 18_000
    need = 8 * m * m + 8 * m * 64 * 3
    avail = _memory.available_bytes()
    if avail is not None and avail < 1.5 * need:
        pytest.skip(f"needs {need / 2**30:.1f} GiB, {avail / 2**30:.1f} GiB available")
    proc = subprocess.run([sys.executable, "-c", _LARGE_FACTOR.format(m=m)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    how, residual, seconds, blas = proc.stdout.split(maxsplit=3)
    assert how == "cholesky"
    assert float(residual) < 1e-8, proc.stdout
