"""L-BFGS (solvers/lbfgs.py): against scikit-learn, and float32 kept float32."""

import numpy as np

from softmax_ext import MultinomialLoss
from softmax_ext.solvers import solve
from solver_problems import make_data, make_problem


def test_multinomial_matches_sklearn_lbfgs():
    from sklearn.linear_model import LogisticRegression

    X, y = make_data(n=200, d=4, K=4, seed=5)
    obj = MultinomialLoss(X, y, l2=1.0 / len(y), n_threads=1)
    clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(X, y)
    ref = np.hstack([clf.coef_, clf.intercept_[:, None]])
    for solver in ("lbfgs", "newton-cholesky"):
        res = solve(obj, solver=solver, tol=1e-9)
        assert obj.loss(res.coef) <= obj.loss(ref) * (1 + 1e-10)
        np.testing.assert_allclose(res.coef, ref, atol=1e-6)


def test_float32_kept_and_passes_float32():
    obj = make_problem(dtype=np.float32)
    res = solve(obj, solver="lbfgs", tol=1e-5)
    assert res.coef.dtype == np.float32 and obj.X.dtype == np.float32

