"""LogisticRegression 1.9's constructor on SoftmaxRegression: the same
parameters, and the same warnings and errors where scikit-learn gives them.

Each case runs both estimators on iris and compares what they say; cases
that fit compare the coefficients at a tight tolerance.
"""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from softmax_ext import SoftmaxRegression

X, Y = load_iris(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)


def _outcome(cls, params, y=Y):
    """(error type and text or None, [(category, text) of each warning], model)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = cls(**params).fit(X, y)
            error = None
        except ValueError as exc:
            model, error = None, (type(exc).__name__, str(exc).replace(cls.__name__, "EST"))
    said = [(w.category, str(w.message)) for w in caught
            if not issubclass(w.category, (DeprecationWarning,))
            and "ConvergenceWarning" not in w.category.__name__]
    return error, said, model


def test_constructor_is_logistic_regressions_plus_n_threads():
    ours = inspect.signature(SoftmaxRegression.__init__).parameters
    theirs = inspect.signature(LogisticRegression.__init__).parameters
    assert [p for p in ours if p != "n_threads"] == list(theirs)
    for name, param in theirs.items():
        if name not in ("self", "solver"):  # our default solver is "auto"
            assert ours[name].default == param.default, name
            assert ours[name].kind == param.kind, name
    assert ours["solver"].default == "auto"


SAME = [
    dict(random_state=0, max_iter=1000),
    dict(penalty="l2"),
    dict(penalty=None),
    dict(penalty=None, C=2.0),
    dict(n_jobs=2),
    dict(l1_ratio=None),
    dict(C=np.inf),
    dict(solver="lbfgs", l1_ratio=1.0),
    dict(solver="newton-cg", l1_ratio=0.5),
    dict(penalty="elasticnet", solver="lbfgs"),
    dict(dual=True, solver="lbfgs"),
    dict(intercept_scaling=0),
    dict(l1_ratio=1.5),
    dict(penalty="l3"),
    dict(n_jobs=1.5),
    dict(random_state="zero"),
    dict(solver="sag", tol=1e-10, max_iter=10_000),
    dict(solver="saga", tol=1e-10, max_iter=10_000),
    dict(solver="saga", l1_ratio=1.0, C=0.5),
    dict(solver="saga", l1_ratio=0.5, C=0.5),
    dict(solver="saga", penalty="l1", C=0.5),
    dict(solver="saga", penalty="elasticnet", l1_ratio=0.3),
    dict(solver="saga", penalty="l2", l1_ratio=0.3),
    dict(solver="sag", l1_ratio=1.0),
    dict(solver="newton-cholesky", penalty="l1"),
]


@pytest.mark.parametrize("params", SAME, ids=[str(p) for p in SAME])
def test_same_warnings_errors_and_coefficients(params):
    ours = _outcome(SoftmaxRegression, params)
    theirs = _outcome(LogisticRegression, params)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    if theirs[2] is not None:
        # the same optimum: both fitted far past the default tol (scikit-learn's
        # sag/saga are stochastic, so compare probabilities, not digits)
        tight = dict(params, tol=1e-10, max_iter=10_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = SoftmaxRegression(**tight).fit(X, Y)
            b = LogisticRegression(**tight).fit(X, Y)
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=2e-4)


@pytest.mark.parametrize("params", [dict(l1_ratio=0.5), dict(l1_ratio=1.0), dict(penalty="l1")])
def test_auto_fits_l1_penalties_as_saga_does(params):
    """"auto" (ours) takes every penalty, with saga's warnings and optimum."""
    ours = _outcome(SoftmaxRegression, dict(params, tol=1e-10, max_iter=1000))
    theirs = _outcome(LogisticRegression, dict(params, solver="saga", tol=1e-10,
                                               max_iter=100_000))
    assert ours[0] is None and ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2].predict_proba(X), theirs[2].predict_proba(X), atol=1e-5)


def test_random_state_and_n_jobs_change_nothing():
    base = SoftmaxRegression(tol=1e-8).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        other = SoftmaxRegression(tol=1e-8, random_state=3, n_jobs=2).fit(X, Y)
    np.testing.assert_array_equal(base.coef_, other.coef_)


def test_dual_needs_liblinear_whatever_the_solver():
    for solver in ("auto", "newton-cholesky", "saga"):
        error, _, _ = _outcome(SoftmaxRegression, dict(dual=True, solver=solver))
        assert error == ("ValueError", f"Solver {solver} supports only dual=False, got dual=True")


def test_no_penalty_ignores_l1_ratio_as_scikit_learn_does():
    """C=inf reads as penalty=None whatever l1_ratio (unpenalised iris is nearly
    separable, where saga does not converge: compare with our own L2-free fit)."""
    params = dict(solver="saga", l1_ratio=0.5, C=np.inf)
    ours = _outcome(SoftmaxRegression, params)
    theirs = _outcome(LogisticRegression, params)
    assert ours[0] == theirs[0] is None and ours[1] == theirs[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = SoftmaxRegression(C=np.inf).fit(X, Y)
    np.testing.assert_allclose(ours[2].coef_, plain.coef_)
