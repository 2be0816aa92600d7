"""L1 / elastic-net terms on objectives over row blocks: OWL-QN (solvers/owlqn.py).

The oracles: the reference loss and gradient (reference.py), whose minimum-norm
subgradient must vanish at the result, and proximal Newton on the in-memory
objective over the same data (its own tests compare it with scikit-learn).
"""

import numpy as np
import pytest

from softmax_ext import reference
from softmax_ext.solvers import solve
from softmax_ext.solvers.owlqn import owlqn
from softmax_ext.solvers.prox_newton import min_norm_subgradient

from scale_cases import fit_rtol, objectives, problem


def _reference_subgradient(X, y, sw, coef, l2, l1, K):
    """max |min-norm subgradient| of the composite objective at ``coef`` (float64 oracle)."""
    full = np.asarray(coef, dtype=np.float64)
    if K == 2:                                   # class 0 fixed at zero
        full = np.vstack([np.zeros_like(full), full])
    _, G = reference.multinomial_loss_gradient(X.astype(np.float64), y, full, sw, l2=l2)
    G = G[1:] if K == 2 else G
    lam = np.full(coef.shape, l1)
    lam[:, -1] = 0.0                             # intercepts unpenalised
    return np.abs(min_norm_subgradient(np.ravel(coef), G.ravel(), lam.ravel())).max()


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("l2, l1", [(0.01, 0.01), (0.001, 0.04), (0.0, 0.02)])
def test_blocked_l1_runs_owlqn_to_the_prox_newton_optimum(rng, K, dtype, l2, l1):
    X, y, sw = problem(rng, n=900, d=8, K=K, dtype=dtype)
    mem, blk = objectives(X, y, sw, K, l2=l2, block_bytes=200 * 8 * X.itemsize)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    a = solve(mem, tol=tol, max_iter=500, l1=l1)
    b = solve(blk, tol=tol, max_iter=3000, l1=l1)
    assert (a.solver, b.solver) == ("prox-newton", "owlqn")
    assert b.converged and b.coef.dtype == dtype
    # float32: the loss is rounded to ~1e-7 relative, so is the optimum's value
    assert b.loss == pytest.approx(a.loss, rel=1e-12 if dtype == np.float64 else 1e-6)
    assert _reference_subgradient(X, y, sw, b.coef, l2, l1, K) <= \
        (1e-9 if dtype == np.float64 else 1e-4)
    if l2 > 0 or K == 2 or K % 2:
        # unique optimum (an L2 term, or an odd number of classes; with an even K
        # and no L2 each feature's class coefficients may shift along a flat
        # stretch of the L1 term: only the value is unique)
        scale = np.abs(a.coef).max()
        np.testing.assert_allclose(b.coef, a.coef, rtol=0, atol=fit_rtol(dtype) * scale * 10)
        np.testing.assert_array_equal(b.coef != 0, a.coef != 0)


def test_owlqn_warm_start_groups_and_errors(rng):
    X, y, sw = problem(rng, n=400, d=6, K=3)
    _, blk = objectives(X, y, sw, 3, l2=0.01, block_bytes=100 * 6 * 8)
    first = solve(blk, tol=1e-9, max_iter=2000, l1=0.02)
    again = solve(blk, first.coef, tol=1e-9, max_iter=2000, l1=0.02)
    assert again.n_iter == 0 and again.converged
    assert np.any(first.coef[:, :-1] == 0)       # some weights exactly zero
    with pytest.raises(ValueError, match="penalty='group'.*row blocks"):
        solve(blk, l1=0.02, penalty="group")
    with pytest.raises(ValueError, match="smooth objectives only"):
        solve(blk, solver="lbfgs", l1=0.02)
    # a callback's stop is the run's stop; max_iter gives a ConvergenceWarning
    seen = []
    res = owlqn(blk, tol=1e-12, max_iter=50, l1=0.02,
                callback=lambda state: seen.append(state.iteration) or len(seen) == 3)
    assert res.n_iter == 3 and not res.converged and seen == [1, 2, 3]
    with pytest.warns(Warning, match="owlqn failed to converge after 2 iterations"):
        owlqn(blk, tol=1e-12, max_iter=2, l1=0.02)
