"""SoftmaxRegressionCV against scikit-learn's LogisticRegressionCV (1.9): the same
folds, grid, scores, choice and attributes; n_jobs changes nothing."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from softmax_ext import SoftmaxRegression, SoftmaxRegressionCV


def _data(n_classes, n=240, d=6, seed=0):
    # overlapping classes (flip_y): no C on the grid separates them, so every
    # fit has a finite optimum both libraries reach to tight tolerances
    X, y = make_classification(n, d, n_informative=4, n_redundant=0, n_classes=n_classes,
                               flip_y=0.15, class_sep=0.7, random_state=seed)
    return StandardScaler().fit_transform(X), y


X3, Y3 = _data(3)
X2, Y2 = _data(2, seed=1)
CS = [0.003, 0.03, 0.3, 3.0]
QUIET = dict(scoring="accuracy")


def _both(X, y, sk_kwargs=None, fit_kwargs=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = LogisticRegressionCV(**kwargs, **(sk_kwargs or {})).fit(X, y, **(fit_kwargs or {}))
        ours = SoftmaxRegressionCV(**kwargs).fit(X, y, **(fit_kwargs or {}))
    return ref, ours


def _assert_same_cv(ref, ours, coef_atol):
    """Same grid, scores within 1e-4, same choice, same layouts, close coefficients."""
    np.testing.assert_array_equal(ours.Cs_, ref.Cs_)
    assert type(ours.C_) is type(ref.C_) and np.shape(ours.C_) == np.shape(ref.C_)
    np.testing.assert_allclose(ours.C_, ref.C_, rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(ours.l1_ratio_), np.asarray(ref.l1_ratio_))
    np.testing.assert_array_equal(ours.l1_ratios_, ref.l1_ratios_)
    if isinstance(ref.scores_, dict):
        assert list(ours.scores_) == list(ref.scores_)
        assert list(ours.coefs_paths_) == list(ref.coefs_paths_)
        pairs = [(ours.scores_[k], ref.scores_[k], ours.coefs_paths_[k], ref.coefs_paths_[k])
                 for k in ref.scores_]
    else:
        pairs = [(ours.scores_, ref.scores_, ours.coefs_paths_, ref.coefs_paths_)]
    for s, rs, p, rp in pairs:
        assert s.shape == rs.shape and p.shape == rp.shape
        np.testing.assert_allclose(s, rs, atol=1e-4)
        np.testing.assert_allclose(p, rp, atol=coef_atol)
    assert np.shape(ours.n_iter_) == np.shape(ref.n_iter_)
    assert ours.coef_.shape == ref.coef_.shape and ours.intercept_.shape == ref.intercept_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=coef_atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=coef_atol)


# each of the layouts (legacy with and without the l1_ratio axis, new), binary
# and multinomial, refit and not: five cases cover every branch
@pytest.mark.parametrize("binary, legacy, l1_ratios, refit", [
    (False, True, "warn", True), (True, True, "warn", False), (False, True, (0,), False),
    (True, False, (0,), True), (False, False, "warn", False),
])
def test_l2_grid_matches_lbfgs(binary, legacy, l1_ratios, refit):
    X, y = (X2, Y2) if binary else (X3, Y3)
    # both stop at max|grad| <= 1e-9: the coefficients agree to ~1e-7 (the
    # objectives are identical and strictly convex); 1e-6 leaves room
    ref, ours = _both(X, y, Cs=CS, l1_ratios=l1_ratios, refit=refit, tol=1e-9, max_iter=2000,
                      use_legacy_attributes=legacy, **QUIET)
    _assert_same_cv(ref, ours, coef_atol=1e-6)


@pytest.mark.parametrize("binary", [False, True])
def test_elastic_net_grid_matches_saga(binary):
    X, y = (X2, Y2) if binary else (X3, Y3)
    X, y = X[:150], y[:150]
    # saga stops on the relative change of its iterate; at tol=1e-9 it is
    # within ~1e-6 of the optimum on this well-conditioned problem (saga at a
    # grid point whose optimum is all-zero weights stops before its intercepts
    # converge, so the grid starts well above l1_min_c)
    ref, ours = _both(X, y, sk_kwargs=dict(solver="saga", random_state=0), Cs=[0.5, 3.0],
                      l1_ratios=(0.0, 0.5, 1.0), tol=1e-9, max_iter=100000,
                      use_legacy_attributes=False, **QUIET)
    _assert_same_cv(ref, ours, coef_atol=1e-5)


def test_refit_false_averages_each_folds_best():
    ours = SoftmaxRegressionCV(Cs=CS, l1_ratios=(0.0, 0.5), refit=False, tol=1e-8,
                               use_legacy_attributes=False, **QUIET).fit(X3, Y3)
    best = [np.unravel_index(np.argmax(s.T), s.T.shape) for s in ours.scores_]  # (C, l1)
    expected = np.mean([ours.coefs_paths_[f, li, ci] for f, (ci, li) in enumerate(best)],
                       axis=0)
    np.testing.assert_allclose(ours.coef_, expected[:, :-1], rtol=1e-12)
    np.testing.assert_allclose(ours.intercept_, expected[:, -1], rtol=1e-12)
    assert ours.C_ == pytest.approx(np.mean([CS[ci] for ci, _ in best]))
    assert ours.l1_ratio_ == pytest.approx(np.mean([(0.0, 0.5)[li] for _, li in best]))


def test_refit_is_the_fit_at_the_chosen_C():
    cv = SoftmaxRegressionCV(Cs=CS, l1_ratios=(0.0, 1.0), tol=1e-10, max_iter=500,
                             use_legacy_attributes=False, **QUIET).fit(X3, Y3)
    alone = SoftmaxRegression(C=cv.C_, l1_ratio=cv.l1_ratio_, tol=1e-10, max_iter=500)
    alone.fit(X3, Y3)
    np.testing.assert_allclose(cv.coef_, alone.coef_, atol=1e-7)
    np.testing.assert_array_equal(cv.predict(X3), alone.predict(X3))


@pytest.mark.parametrize("l1_ratios", [(0.0,), (0.0, 0.7)])
def test_results_identical_for_any_n_jobs(l1_ratios):
    kw = dict(Cs=CS, l1_ratios=l1_ratios, use_legacy_attributes=False, n_threads=2, **QUIET)
    one = SoftmaxRegressionCV(n_jobs=1, **kw).fit(X3, Y3)
    two = SoftmaxRegressionCV(n_jobs=2, **kw).fit(X3, Y3)
    for name in ("coefs_paths_", "scores_", "n_iter_", "coef_", "intercept_"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)
    assert one.C_ == two.C_ and one.l1_ratio_ == two.l1_ratio_


def test_weights_and_balanced_class_weight_match_lbfgs():
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(Y3))
    ref, ours = _both(X3, Y3, fit_kwargs=dict(sample_weight=sw), Cs=CS, l1_ratios=(0,),
                      class_weight="balanced", tol=1e-9, max_iter=2000,
                      use_legacy_attributes=False, **QUIET)
    _assert_same_cv(ref, ours, coef_atol=1e-6)


def test_groups_and_scorers_with_labels_match():
    # 1.9 routes groups to the splitter only with metadata routing on, as here
    groups = np.arange(len(Y3)) % 6
    with sklearn.config_context(enable_metadata_routing=True):
        ref, ours = _both(X3, Y3, fit_kwargs=dict(groups=groups), Cs=CS, l1_ratios=(0,),
                          cv=GroupKFold(3), scoring="neg_log_loss", tol=1e-9,
                          max_iter=2000, use_legacy_attributes=False)
    _assert_same_cv(ref, ours, coef_atol=1e-6)
    assert ours.score(X3, Y3) == pytest.approx(ref.score(X3, Y3), abs=1e-6)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        SoftmaxRegressionCV(cv=GroupKFold(3), **QUIET).fit(X3, Y3, groups=groups)


def test_float32_and_sparse_are_kept_and_agree():
    dense = SoftmaxRegressionCV(Cs=CS, l1_ratios=(0,), tol=1e-8, use_legacy_attributes=False,
                                **QUIET).fit(X3, Y3)
    csr = SoftmaxRegressionCV(Cs=CS, l1_ratios=(0,), tol=1e-8, use_legacy_attributes=False,
                              **QUIET).fit(sp.csr_matrix(X3), Y3)
    np.testing.assert_allclose(csr.coefs_paths_, dense.coefs_paths_, atol=1e-6)
    f32 = SoftmaxRegressionCV(Cs=CS, l1_ratios=(0,), use_legacy_attributes=False,
                              **QUIET).fit(X3.astype(np.float32), Y3)
    assert f32.coef_.dtype == np.float32 and f32.coefs_paths_.dtype == np.float32
    # float32 data: the fits stop at tol=1e-4 on a float32 objective, so the
    # coefficients agree to ~1e-3, not to float64's rounding
    np.testing.assert_allclose(f32.coefs_paths_, dense.coefs_paths_, atol=2e-3)


def _warnings_of(cls, **kwargs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        cls(Cs=2, **kwargs).fit(X2, Y2)
    # convergence warnings are the solvers' own (their iterations differ)
    # messages name the class: compare them with the name taken out
    return sorted((w.category.__name__, str(w.message).replace(cls.__name__, "*"))
                  for w in rec
                  if not issubclass(w.category, ConvergenceWarning))


@pytest.mark.parametrize("kwargs", [
    {}, dict(penalty="l2"), dict(l1_ratios=None), dict(penalty="l2", l1_ratios=(0.5,)),
    dict(scoring=None, use_legacy_attributes=True, l1_ratios=(0,)),
])
def test_same_warnings_as_scikit_learn(kwargs):
    assert _warnings_of(SoftmaxRegressionCV, **kwargs) == _warnings_of(
        LogisticRegressionCV, **kwargs)


@pytest.mark.parametrize("kwargs, fit_y, match", [
    (dict(l1_ratios=(1,), solver="lbfgs"), None, "supports only 'l2' or None penalties"),
    (dict(l1_ratios=(0.5,), solver="newton-cg"), None, "supports only 'l2'"),
    (dict(penalty="elasticnet", l1_ratios=(0.5, 2)), None, "l1_ratios must be an array-like"),
    (dict(dual=True), None, "supports only dual=False"),
    (dict(class_weight={7: 1.0}), None, "class_weight dict must have the class labels"),
    (dict(), "single", "at least 2 classes"),
    (dict(Cs=[1.0, -1.0]), None, "Cs must be"),
    (dict(Cs=0), None, "Cs"),
    (dict(scoring="not-a-scorer"), None, "scoring"),
])
def test_same_errors(kwargs, fit_y, match):
    y = np.zeros_like(Y2) if fit_y == "single" else Y2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=match):
            SoftmaxRegressionCV(use_legacy_attributes=False, **kwargs).fit(X2, y)


def test_inference_is_refused_with_a_reason():
    cv = SoftmaxRegressionCV(Cs=2, l1_ratios=(0,), use_legacy_attributes=False,
                             **QUIET).fit(X2, Y2)
    with pytest.raises(AttributeError, match="chosen by cross-validation"):
        cv.inference(X2, Y2)


@pytest.mark.parametrize("form", ["dense", "float32", "csr", "binary", "no intercept"])
def test_fold_model_scores_its_test_rows_as_the_estimator_does(form):
    from softmax_ext.linear_model._softmax_regression_cv import _FoldModel

    X, y = (X2, Y2) if form == "binary" else (X3, Y3)
    X = X.astype(np.float32) if form == "float32" else X
    X = sp.csr_matrix(np.where(np.abs(X) > 0.7, X, 0.0)) if form == "csr" else X
    fitted = SoftmaxRegression(fit_intercept=form != "no intercept").fit(X, y)
    fold = _FoldModel()
    fold.classes_, fold.coef_, fold.intercept_ = fitted.classes_, fitted.coef_, fitted.intercept_
    rows = fold.hold_test_rows(X[::3])
    # float32 scores: sums of 6 float32 products, rounded apart at ~1e-6
    rtol = 1e-5 if form == "float32" else 1e-12
    for method in ("decision_function", "predict_proba"):
        ours, theirs = getattr(fold, method)(rows), getattr(fitted, method)(X[::3])
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(fold.predict(rows), fitted.predict(X[::3]))
    # any other X goes the estimator's way (validated first)
    np.testing.assert_allclose(fold.decision_function(X[1::3]),
                               fitted.decision_function(X[1::3]), rtol=rtol, atol=rtol)
