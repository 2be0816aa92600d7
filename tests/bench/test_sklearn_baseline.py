"""scikit-learn as the baseline: its thread setting and its passes over X."""

import functools

import pytest
from threadpoolctl import threadpool_limits

from softmax_ext.bench.fits import sklearn_min_passes
from softmax_ext.bench.timing import sklearn_blas_limit


def count_passes(monkeypatch):
    """Count scikit-learn's passes over X from here on, by wrapping ``LinearModelLoss``.

    The test's oracle for :func:`sklearn_min_passes` (the benchmarks never
    patch scikit-learn): one per product ``X @ W`` and per ``G^T @ X``, two per
    Hessian-vector product, ``1 + K (K + 1) / 2 + K`` for a gradient with the full Hessian.
    Returns a one-element list whose item is the running count.
    """
    from sklearn.linear_model._linear_loss import LinearModelLoss

    counter = [0]

    def wrap(name, cost):
        original = getattr(LinearModelLoss, name)

        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            counter[0] += cost(self)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(LinearModelLoss, name, wrapper)

    def hessian_cost(self):
        K = self.base_loss.n_classes if self.base_loss.is_multiclass else 1
        return 1 + K * (K + 1) // 2 + (K if self.fit_intercept else 0)

    wrap("weight_intercept_raw", lambda self: 1)   # X @ W (forward)
    wrap("loss_gradient", lambda self: 1)          # G^T X (backward)
    wrap("gradient", lambda self: 1)
    wrap("gradient_hessian", hessian_cost)
    original_ghp = LinearModelLoss.gradient_hessian_product

    @functools.wraps(original_ghp)
    def ghp(self, *args, **kwargs):
        counter[0] += 1
        grad, hessp = original_ghp(self, *args, **kwargs)

        def counted_hessp(s):
            counter[0] += 2                         # X @ s and (.)^T X
            return hessp(s)

        return grad, counted_hessp

    monkeypatch.setattr(LinearModelLoss, "gradient_hessian_product", ghp)
    return counter


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky"])
def test_sklearn_min_passes_is_a_lower_bound(monkeypatch, rng, solver, n_classes):
    from sklearn.linear_model import LogisticRegression

    X = rng.standard_normal((60, 3))
    y = rng.integers(0, n_classes, size=60)
    counter = count_passes(monkeypatch)
    est = LogisticRegression(solver=solver).fit(X, y)
    n_iter = int(est.n_iter_[0])
    assert counter[0] >= 2 * n_iter
    bound = sklearn_min_passes(solver, n_iter, est.coef_.shape[0], est.fit_intercept)
    assert 2 * n_iter <= bound <= counter[0]


def test_sklearn_min_passes_knows_only_sklearn_solvers():
    with pytest.raises(ValueError, match="no pass count"):
        sklearn_min_passes("gd", 3, 3)


def test_sklearn_blas_limit_limits_and_restores():
    from threadpoolctl import threadpool_info

    def scipy_blas_threads():
        return [lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and "scipy.libs" in lib["filepath"]]

    with threadpool_limits(limits=2, user_api="blas"):
        before = scipy_blas_threads()
        assert before, "scipy's own OpenBLAS should be loaded"
        with sklearn_blas_limit():
            assert all(t == 1 for t in scipy_blas_threads())
        assert scipy_blas_threads() == before

