"""BlockedLoss over row blocks: the same objective as MultinomialLoss and the oracles."""

import numpy as np
import pytest

from softmax_ext import reference
from softmax_ext.scale import BlockedLoss, LinearScores, LocalBlocks, load_npy_blocks
from softmax_ext.solvers import solve

from scale_cases import SMOOTH_SOLVERS, fit_rtol, objectives, problem


def _tols(dtype):
    # as tests/objective/objective_cases.tols: float32 kernels round the scores
    eps = np.finfo(dtype).eps
    return 256 * eps if dtype == np.float64 else 2000 * eps


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("block_rows", [1, 37, 400, 10_000])
def test_derivatives_match_the_oracles(rng, dtype, weighted, block_rows):
    X, y, sw = problem(rng, dtype=dtype, weighted=weighted)
    K, d = 4, X.shape[1]
    _, blk = objectives(X, y, sw, K, l2=0.05, block_bytes=block_rows * d * X.itemsize)
    coef = rng.normal(size=blk.coef_shape)
    V = rng.normal(size=blk.coef_shape)
    Xr = X.astype(np.float64)
    c32 = coef.astype(dtype).astype(np.float64)   # the kernels see coef in X's dtype
    loss, grad = reference.multinomial_loss_gradient(Xr, y, c32, sw, l2=0.05)
    tol = _tols(dtype)
    f, g = blk.loss_gradient(coef)
    np.testing.assert_allclose(f, loss, rtol=tol)
    np.testing.assert_allclose(g, grad, rtol=tol, atol=tol)
    H = reference.multinomial_hessian(Xr, y, c32, sw, l2=0.05)
    np.testing.assert_allclose(blk.hessian(coef), H, rtol=tol, atol=tol)
    HV = reference.multinomial_hessp(Xr, y, c32, V.astype(dtype).astype(np.float64), sw, l2=0.05)
    np.testing.assert_allclose(blk.hessp(coef)(V), HV, rtol=tol, atol=tol)


def test_blocks_of_zero_weight_and_the_pass_counter(rng):
    X, y, sw = problem(rng, n=90)
    sw[30:60] = 0.0          # the middle block contributes nothing and is skipped
    mem, blk = objectives(X, y, sw, 4, l2=0.1, block_bytes=30 * 6 * 8)
    assert blk.blocks.blocks[1] is None
    coef = rng.normal(size=mem.coef_shape)
    np.testing.assert_allclose(blk.loss_gradient(coef)[1], mem.loss_gradient(coef)[1],
                               rtol=1e-12, atol=1e-14)
    passes = blk.n_passes_over_X
    blk.loss_gradient(coef)   # cached: the same point again costs no pass
    assert blk.n_passes_over_X == passes
    blk.loss(coef)
    assert blk.n_passes_over_X == passes + 1


def test_line_slope_against_finite_differences(rng):
    X, y, sw = problem(rng)
    _, blk = objectives(X, y, sw, 4, l2=0.1, block_bytes=50 * 6 * 8)
    coef, D = rng.normal(size=(2,) + blk.coef_shape)
    Z, XD = blk.scores(coef), blk.scores(D)
    f, slope = blk.loss_slope_scores(Z, XD, 0.3, coef, D)
    h = 1e-6
    fd = (blk.loss(coef + (0.3 + h) * D) - blk.loss(coef + (0.3 - h) * D)) / (2 * h)
    np.testing.assert_allclose(f, blk.loss(coef + 0.3 * D), rtol=1e-12)
    np.testing.assert_allclose(slope, fd, rtol=1e-6)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", SMOOTH_SOLVERS)
def test_every_solver_finds_the_in_memory_optimum(rng, K, dtype, solver):
    X, y, sw = problem(rng, K=K, dtype=dtype)
    mem, blk = objectives(X, y, sw, K, l2=1e-3, block_bytes=64 * 6 * X.itemsize)
    tol = 1e-11 if dtype == np.float64 else 1e-5
    a = solve(mem, solver=solver, tol=tol, max_iter=5000)
    b = solve(blk, solver=solver, tol=tol, max_iter=5000)
    assert a.converged and b.converged
    scale = np.abs(a.coef).max()
    np.testing.assert_allclose(b.coef, a.coef, rtol=0, atol=fit_rtol(dtype) * scale)


def test_warm_start_from_the_optimum_takes_no_step(rng):
    X, y, sw = problem(rng)
    mem, blk = objectives(X, y, sw, 4, l2=1e-2, block_bytes=64 * 6 * 8)
    a = solve(mem, solver="lbfgs", tol=1e-10)
    b = solve(blk, a.coef, solver="lbfgs", tol=1e-8)
    assert b.n_iter == 0
    np.testing.assert_allclose(b.coef, a.coef, rtol=1e-12, atol=1e-14)


def test_npy_folder_equals_one_array(rng, tmp_path):
    X, y, sw = problem(rng, n=250)
    for i, i0 in enumerate(range(0, 250, 100)):
        np.save(tmp_path / f"part{i:03d}.npy", X[i0:i0 + 100])
    parts = load_npy_blocks(tmp_path)
    assert [p.shape[0] for p in parts] == [100, 100, 50]
    one = BlockedLoss(LocalBlocks(X, y, sw, n_classes=4), n_classes=4, l2=0.1)
    many = BlockedLoss(LocalBlocks(parts, y, sw, n_classes=4, block_bytes=30 * 6 * 8),
                       n_classes=4, l2=0.1)
    coef = rng.normal(size=one.coef_shape)
    np.testing.assert_allclose(many.loss_gradient(coef)[1], one.loss_gradient(coef)[1],
                               rtol=1e-12, atol=1e-14)


def test_bad_input_names_the_argument(rng, tmp_path):
    X, y, sw = problem(rng, n=50)
    with pytest.raises(ValueError, match="y has shape"):
        LocalBlocks(X, y[:-1], n_classes=4)
    with pytest.raises(ValueError, match="block_bytes"):
        LocalBlocks(X, y, n_classes=4, block_bytes=0)
    with pytest.raises(ValueError, match="width"):
        LocalBlocks([X, X[:, :3]], np.r_[y, y], n_classes=4)
    with pytest.raises(ValueError, match="sample_weight"):
        LocalBlocks(X, y, sw[:3], n_classes=4)
    with pytest.raises(ValueError, match="no .npy"):
        load_npy_blocks(tmp_path)
    with pytest.raises(ValueError, match="sum to zero"):
        BlockedLoss(LocalBlocks(X, y, np.zeros(50), n_classes=4), n_classes=4)
    with pytest.raises(ValueError, match="l2"):
        BlockedLoss(LocalBlocks(X, y, n_classes=4), n_classes=4, l2=-1.0)


def test_scores_combine_only_within_one_objective(rng):
    X, y, _ = problem(rng, n=50)
    a = BlockedLoss(LocalBlocks(X, y, n_classes=4), n_classes=4)
    b = BlockedLoss(LocalBlocks(X, y, n_classes=4), n_classes=4)
    Za, Zb = a.scores(a.init_coef()), b.scores(b.init_coef())
    assert isinstance(np.float64(2.0) * Za, LinearScores)  # numpy defers to LinearScores
    with pytest.raises(TypeError, match="same objective"):
        Za + Zb
    with pytest.raises(TypeError, match="LinearScores"):
        a.loss_gradient_scores(np.zeros(Za.shape), a.init_coef())
