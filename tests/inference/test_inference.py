"""multinomial_inference against statsmodels' MNLogit, and its behaviour on hard cases.

Tolerances: statsmodels' Newton and ours both stop with gradients ~1e-10, so
parameters and everything derived from them agree to ~1e-8 relative; the
issue asks for 1e-5, which is what the comparisons use (RTOL).  Covariances
are compared at the same parameters, where only rounding separates them
(1e-9).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose

from softmax_ext import FixedClassLoss, MultinomialLoss
from softmax_ext.inference import InferenceResult, InferenceWarning, multinomial_inference
from softmax_ext.reference import fit_reference_form

RTOL = 1e-5


def make_problem(rng, n=400, d=3, K=3, scale=0.8):
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(K, d)) * scale
    b = rng.normal(size=K) * 0.3
    Z = X @ W.T + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = (P.cumsum(axis=1) > rng.uniform(size=(n, 1))).argmax(axis=1)
    return X, y


def sm_fit(X, y, fit_intercept=True, reference=0, cov_type="nonrobust"):
    """statsmodels MNLogit with the constant LAST and class ``reference`` as baseline."""
    exog = sm.add_constant(X, prepend=False, has_constant="add") if fit_intercept else X
    K = int(y.max()) + 1
    # statsmodels takes the lowest code as baseline: move `reference` to code 0 and
    # keep the other classes in increasing order (our column order).
    recode = np.empty(K, dtype=int)
    recode[reference] = 0
    recode[[k for k in range(K) if k != reference]] = np.arange(1, K)
    model = sm.MNLogit(recode[y], exog)
    return model.fit(method="newton", disp=0, tol=1e-12, maxiter=100, cov_type=cov_type)


def symmetric_coef(X, y, K, fit_intercept=True, rng=None, sample_weight=None):
    """Tightly converged ML coefficients as a symmetric (K, d+1) array, shifted at random.

    At C = inf any common shift of all rows is an optimum; the shift checks
    that inference only uses the contrasts.
    """
    gamma = fit_reference_form(X, y, n_classes=K, fit_intercept=fit_intercept,
                               sample_weight=sample_weight)
    theta = np.vstack([np.zeros(gamma.shape[1]), gamma])
    if rng is not None:
        theta += rng.normal(size=gamma.shape[1])
    if fit_intercept:
        return theta[:, :-1], theta[:, -1]
    return theta, None


def assert_matches_statsmodels(res, smr, rtol=RTOL):
    assert_allclose(res.params, smr.params, rtol=rtol, atol=rtol * np.abs(smr.params).max())
    assert_allclose(res.bse, smr.bse, rtol=rtol)
    assert_allclose(res.zvalues, smr.tvalues, rtol=rtol, atol=rtol)
    assert_allclose(res.pvalues, smr.pvalues, rtol=rtol, atol=1e-12)
    assert_allclose(res.cov_params(), smr.cov_params(), rtol=rtol,
                    atol=rtol * np.abs(np.diag(smr.cov_params())).max())
    assert_allclose(res.conf_int(), smr.conf_int(), rtol=rtol,
                    atol=rtol * np.abs(smr.conf_int()).max())
    for name in ("llf", "llnull", "aic", "bic", "prsquared", "llr", "llr_pvalue"):
        assert_allclose(getattr(res, name), getattr(smr, name), rtol=rtol, err_msg=name)
    for name in ("nobs", "df_model", "df_resid"):
        assert getattr(res, name) == getattr(smr, name), name


@pytest.mark.parametrize("K", [3, 5])
@pytest.mark.parametrize("reference", ["first", "last"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_generated_against_statsmodels(K, reference, fit_intercept):
    rng = np.random.default_rng(K + 10 * fit_intercept)
    X, y = make_problem(rng, K=K)
    ref = 0 if reference == "first" else K - 1
    coef, intercept = symmetric_coef(X, y, K, fit_intercept, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        res = multinomial_inference(X, y, coef, intercept, fit_intercept=fit_intercept,
                                    reference=ref)
    assert isinstance(res, InferenceResult)
    p = X.shape[1] + fit_intercept
    assert res.params.shape == res.bse.shape == res.pvalues.shape == (p, K - 1)
    assert res.cov_params().shape == (p * (K - 1), p * (K - 1))
    assert all(a.dtype == np.float64 for a in (res.params, res.bse, res.zvalues, res.pvalues))
    assert_matches_statsmodels(res, sm_fit(X, y, fit_intercept, ref))


def test_anes96_example():
    """statsmodels' own MNLogit example (anes96, 7 party-identification classes)."""
    data = sm.datasets.anes96.load()
    X = np.asarray(data.exog, dtype=np.float64)
    y = np.asarray(data.endog).astype(int)
    smr = sm.MNLogit(y, sm.add_constant(X, prepend=False)).fit(method="newton", disp=0,
                                                                 tol=1e-12, maxiter=100)
    # our parameters from our own fit, as symmetric coefficients
    coef, intercept = symmetric_coef(X, y, 7)
    res = multinomial_inference(X, y, coef, intercept, feature_names=list(data.exog.columns))
    assert_matches_statsmodels(res, smr)
    assert res.exog_names[-1] == "intercept" and res.exog_names[0] == "logpopul"
    # also at statsmodels' parameters: only the covariance computation differs
    g = np.asarray(smr.params).T
    res2 = multinomial_inference(X, y, np.vstack([np.zeros(5), g[:, :-1]]),
                                 np.r_[0.0, g[:, -1]])
    assert_allclose(res2.cov_params(), smr.cov_params(), rtol=1e-9, atol=1e-14)
    assert_allclose(res2.llf, smr.llf, rtol=1e-12)


def test_binary_reference_form_and_logit():
    """scikit-learn's binary coef_ (1, d): class 1 against class 0."""
    rng = np.random.default_rng(3)
    X, y = make_problem(rng, K=2)
    gamma = fit_reference_form(X, y, n_classes=2)
    res = multinomial_inference(X, y, gamma[:, :-1], gamma[:, -1])
    assert_matches_statsmodels(res, sm_fit(X, y))
    logit = sm.Logit(y, sm.add_constant(X, prepend=False)).fit(method="newton", disp=0, tol=1e-12)
    assert_allclose(res.bse[:, 0], logit.bse, rtol=RTOL)
    # reference=1 flips the signs and keeps the standard errors
    res1 = multinomial_inference(X, y, gamma[:, :-1], gamma[:, -1], reference=1)
    assert_allclose(res1.params, -res.params, rtol=1e-14)
    assert_allclose(res1.bse, res.bse, rtol=1e-10)
    assert_matches_statsmodels(res1, sm_fit(X, y, reference=1))


def test_hc0_against_statsmodels():
    rng = np.random.default_rng(4)
    X, y = make_problem(rng, K=4)
    coef, intercept = symmetric_coef(X, y, 4)
    res = multinomial_inference(X, y, coef, intercept, cov_type="HC0", reference=2)
    smr = sm_fit(X, y, reference=2, cov_type="HC0")
    assert res.cov_type == "HC0"
    assert_matches_statsmodels(res, smr)
    # statsmodels reads cov_type case-insensitively ("hc0")
    lower = multinomial_inference(X, y, coef, intercept, cov_type="hc0", reference=2)
    assert lower.cov_type == "HC0"
    assert_allclose(lower.bse, res.bse, rtol=1e-14)
    # the sandwich differs from the model-based covariance (a failing HC0 would not)
    nonrobust = multinomial_inference(X, y, coef, intercept, reference=2)
    assert np.abs(res.bse / nonrobust.bse - 1).max() > 1e-3


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_frequency_weights_are_repeated_rows(cov_type):
    rng = np.random.default_rng(5)
    X, y = make_problem(rng, n=250, K=3)
    w = rng.integers(0, 4, size=len(y))
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(y, w)
    coef, intercept = symmetric_coef(X, y, 3, sample_weight=w.astype(float))
    res = multinomial_inference(X, y, coef, intercept, sample_weight=w, cov_type=cov_type)
    assert res.nobs == w.sum()
    assert_matches_statsmodels(res, sm_fit(Xr, yr, cov_type=cov_type))


def test_sparse_and_float32_inputs():
    rng = np.random.default_rng(6)
    X, y = make_problem(rng, K=3, d=4)
    X[rng.uniform(size=X.shape) < 0.5] = 0.0
    coef, intercept = symmetric_coef(X, y, 3)
    dense = multinomial_inference(X, y, coef, intercept, cov_type="HC0")
    sparse = multinomial_inference(sp.csr_matrix(X), y, coef, intercept, cov_type="HC0")
    for name in ("params", "bse", "pvalues", "llf", "aic"):
        assert_allclose(getattr(sparse, name), getattr(dense, name), rtol=1e-10)
    # float32 X: scores and probabilities in single precision (eps 1.2e-7), so the
    # standard errors agree to a few hundred float32 ulps only.  The float32
    # rounding of X moves the optimum too, hence no optimality check here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        single = multinomial_inference(X.astype(np.float32), y, coef, intercept)
    nonrobust = multinomial_inference(X, y, coef, intercept)
    assert single.bse.dtype == np.float64
    assert_allclose(single.bse, nonrobust.bse, rtol=1e-4)
    assert_allclose(single.llf, dense.llf, rtol=1e-5)


def test_raw_labels_with_classes_and_tables():
    rng = np.random.default_rng(7)
    X, y = make_problem(rng, K=3)
    classes = np.array(["apple", "banana", "cherry"])
    coef, intercept = symmetric_coef(X, y, 3)
    by_code = multinomial_inference(X, y, coef, intercept, reference=1)
    by_label = multinomial_inference(X, classes[y], coef, intercept, classes=classes,
                                     reference=1)
    assert_allclose(by_label.bse, by_code.bse, rtol=1e-14)
    assert by_label.reference_class == "banana"
    text = by_label.summary()
    assert "class=apple" in text and "class=cherry" in text and "banana" in text
    # statsmodels' Summary methods, for code written against MNLogit
    assert text.as_text() == str(text) == str(by_label)
    assert "class=apple" in text.as_html() and text.as_html().startswith("<")
    assert f"{by_label.llf:.6g}" in text
    frame = by_label.to_frame()
    assert list(frame.index.get_level_values(0).unique()) == ["apple", "cherry"]
    assert_allclose(frame.loc[("cherry", "x1"), "std err"], by_label.bse[1, 1])
    assert_allclose(frame["P>|z|"].to_numpy(), by_label.pvalues.T.ravel())
    ci = by_label.conf_int(alpha=0.1)
    assert_allclose(ci[1, 2], by_label.params[2, 1] + np.array([-1, 1]) * 1.6448536269514722
                    * by_label.bse[2, 1], rtol=1e-12)


def test_scores_of_1e3_stay_finite():
    """Far-out points predicted with scores ~1e3: statsmodels overflows, we do not.

    Those points are classified with margins >= 50, so they change the
    likelihood, its gradient and Hessian by ~exp(-50): the results must equal
    statsmodels' on the data without them.
    """
    rng = np.random.default_rng(8)
    X, y = make_problem(rng, n=300, K=3, d=2, scale=1.5)
    gamma = fit_reference_form(X, y, n_classes=3)
    full = np.vstack([np.zeros(3), gamma])
    dirs = rng.normal(size=(30, 2))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    Zd = dirs @ full[:, :2].T
    t = 1e3 / np.abs(Zd).max(axis=1)
    X_out = dirs * t[:, None]
    Z_out = X_out @ full[:, :2].T + full[:, 2]
    top2 = np.sort(Z_out, axis=1)[:, -2:]
    keep = top2[:, 1] - top2[:, 0] > 50
    assert keep.sum() >= 10 and np.abs(Z_out).max() > 900
    X_big = np.vstack([X, X_out[keep]])
    y_big = np.r_[y, Z_out[keep].argmax(axis=1)]
    res = multinomial_inference(X_big, y_big, full[:, :2], full[:, 2])
    for name in ("params", "bse", "pvalues", "llf", "aic"):
        assert np.all(np.isfinite(getattr(res, name))), name
    smr = sm_fit(X, y)
    assert_allclose(res.bse, smr.bse, rtol=RTOL)
    assert_allclose(res.llf, smr.llf, rtol=RTOL)
    # statsmodels at the same parameters on the same data: exp overflows to NaN
    model = sm.MNLogit(y_big, sm.add_constant(X_big, prepend=False))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not np.isfinite(model.loglike(gamma.T))


def test_collinear_features_warn_and_nan():
    rng = np.random.default_rng(9)
    X, y = make_problem(rng, K=3, d=2)
    Xc = np.column_stack([X[:, 0], X[:, 0], X[:, 1]])  # duplicated column
    gamma = fit_reference_form(X, y, n_classes=3)
    # split x0's coefficient between the two copies: same model
    g3 = np.column_stack([0.5 * gamma[:, 0], 0.5 * gamma[:, 0], gamma[:, 1:]])
    with pytest.warns(InferenceWarning, match="singular"):
        res = multinomial_inference(Xc, y, np.vstack([np.zeros(3), g3[:, :-1]]),
                                    np.r_[0.0, g3[:, -1]])
    assert np.all(np.isnan(res.bse[:2])) and np.all(np.isnan(res.pvalues[:2]))
    assert res.not_identified[:2].all() and not res.not_identified[2:].any()
    smr = sm_fit(X, y)  # the identified parameters equal the reduced model's
    assert_allclose(res.bse[2:], smr.bse[1:], rtol=RTOL)
    assert_allclose(res.params[2:], smr.params[1:], rtol=RTOL)
    assert_allclose(res.aic, smr.aic, rtol=RTOL)  # rank-based parameter count
    assert "not identified" in res.summary()


def test_separable_data_warn_without_crash():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(120, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # ordered in x0: linearly separable
    # A solver stopped early (coefficients still growing) and one run until the
    # probabilities are 1 to rounding (singular information).
    for max_iter in (20, 60):
        gamma = fit_reference_form(X, y, n_classes=3, max_iter=max_iter)
        with pytest.warns(InferenceWarning) as record:
            res = multinomial_inference(X, y, np.vstack([np.zeros(2), gamma[:, :-1]]),
                                        np.r_[0.0, gamma[:, -1]])
        text = " ".join(str(w.message) for w in record)
        assert "separated" in text
        assert np.isfinite(res.llf) and np.all(np.isfinite(res.params))
        assert np.all(np.isnan(res.bse) | (res.bse > 0))
    # Probabilities 1 to rounding: the information is singular or nearly so
    # (which one depends on how the Hessian kernel rounds p (1 - p) near 0), so
    # the standard errors are NaN or enormous.
    assert np.all(np.isnan(res.bse) | (res.bse > 1e4))


def test_unobserved_class_warns():
    rng = np.random.default_rng(11)
    X, y = make_problem(rng, K=3)
    y[y == 2] = 0
    coef = np.zeros((3, 3))  # not the optimum either: that warning is not the subject here
    with warnings.catch_warnings(), pytest.warns(InferenceWarning, match="no observations"):
        warnings.filterwarnings("ignore", "The coefficients are not at the optimum")
        res = multinomial_inference(X, y, coef, np.zeros(3))
    assert np.isfinite(res.llnull)


def test_not_at_optimum_warns():
    rng = np.random.default_rng(12)
    X, y = make_problem(rng, K=3)
    coef, intercept = symmetric_coef(X, y, 3)
    res = multinomial_inference(X, y, coef, intercept)
    coef2 = coef.copy()
    coef2[1, 0] += 0.5 * res.bse[0, 0]
    with pytest.warns(InferenceWarning, match="not at the optimum"):
        multinomial_inference(X, y, coef2, intercept)


def _symmetric_penalised_fit(X, y, K, C, sample_weight=None):
    """Newton on the symmetric penalised objective (singular in the intercepts: lstsq)."""
    S = len(y) if sample_weight is None else sample_weight.sum()
    obj = MultinomialLoss(X, y, sample_weight=sample_weight, l2=1.0 / (C * S), n_classes=K)
    coef = obj.init_coef()
    for _ in range(50):
        g = obj.gradient(coef).ravel()
        if np.abs(g).max() < 1e-13:
            break
        coef = coef - np.linalg.lstsq(obj.hessian(coef), g, rcond=1e-12)[0].reshape(coef.shape)
    return obj, coef


@pytest.mark.parametrize("weighted", [False, True])
def test_finite_C_symmetric_is_inverse_penalised_hessian(weighted):
    """The contrasts' covariance is A pinv(H_sym) A^T, H_sym the symmetric penalised Hessian."""
    rng = np.random.default_rng(13)
    K, C = 4, 0.05
    X, y = make_problem(rng, K=K, n=200)
    sw = rng.uniform(0.5, 2.0, size=len(y)) if weighted else None
    obj, theta = _symmetric_penalised_fit(X, y, K, C, sw)
    ref = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)  # at the optimum: no warning
        res = multinomial_inference(X, y, theta[:, :-1], theta[:, -1], C=C, reference=ref,
                                    sample_weight=sw)
    p = theta.shape[1]
    H_sym = obj.hessian(theta) * obj.weight_sum
    free = [k for k in range(K) if k != ref]
    A = np.zeros(((K - 1) * p, K * p))
    for j, k in enumerate(free):
        A[j * p:(j + 1) * p, k * p:(k + 1) * p] = np.eye(p)
        A[j * p:(j + 1) * p, ref * p:(ref + 1) * p] = -np.eye(p)
    expected = A @ np.linalg.pinv(H_sym, rcond=1e-12, hermitian=True) @ A.T
    assert_allclose(res.cov_params(), expected, rtol=1e-7, atol=1e-12)
    assert_allclose(res.params, (theta[free] - theta[ref]).T, rtol=1e-14)
    # penalised standard errors are smaller than the maximum-likelihood ones
    info = FixedClassLoss(MultinomialLoss(X, y, sample_weight=sw, n_classes=K), fixed=ref)
    ml_cov = np.linalg.inv(info.hessian(theta[free] - theta[ref]) * obj.weight_sum)
    assert np.all(np.diag(res.cov_params()) < np.diag(ml_cov))
    assert "penalised" in res.summary()


def test_finite_C_binary_reference_form():
    rng = np.random.default_rng(14)
    X, y = make_problem(rng, K=2)
    C = 0.1
    gamma = fit_reference_form(X, y, n_classes=2, C=C)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InferenceWarning)
        res = multinomial_inference(X, y, gamma[:, :-1], gamma[:, -1], C=C)
    obj = FixedClassLoss(MultinomialLoss(X, y, l2=1.0 / (C * len(y))), fixed=0)
    expected = np.linalg.inv(obj.hessian(gamma) * len(y))
    assert_allclose(res.cov_params(), expected, rtol=1e-9)
    # scikit-learn's binary fit has the same optimum
    from sklearn.linear_model import LogisticRegression
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=1000).fit(X, y)
    assert_allclose(res.params[:-1, 0], sk.coef_[0], rtol=1e-5)


def test_inputs_not_modified():
    rng = np.random.default_rng(15)
    X, y = make_problem(rng, K=3)
    coef, intercept = symmetric_coef(X, y, 3)
    sw = rng.uniform(0.5, 2, size=len(y))
    copies = [a.copy() for a in (X, y, coef, intercept, sw)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InferenceWarning)
        multinomial_inference(X, y, coef, intercept, sample_weight=sw, cov_type="HC0")
    for a, b in zip((X, y, coef, intercept, sw), copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(cov_type="HC3"), ValueError, "cov_type"),
    (dict(C=0.0), ValueError, "C must be"),
    (dict(C="1"), ValueError, "C must be"),
    (dict(reference=3), ValueError, "reference"),
    (dict(intercept=None), ValueError, "intercept is required"),
    (dict(intercept=np.zeros(2)), ValueError, "intercept has shape"),
    (dict(coef=np.zeros((3, 5))), ValueError, "features"),
    (dict(classes=["a", "b", "c", "d", "e"]), ValueError, "rows"),
    (dict(classes=["a", "b", "c"]), ValueError, "not in classes"),
    (dict(y=np.array(["a"] * 50)), TypeError, "pass classes="),
    (dict(y=np.full(50, 7)), ValueError, "outside"),
    (dict(y=np.zeros(49, dtype=int)), ValueError, "rows"),
    (dict(sample_weight=-np.ones(50)), ValueError, "non-negative"),
    (dict(fit_intercept=False), ValueError, "zeros when fit_intercept=False"),
    (dict(coef=np.full((3, 2), np.nan)), ValueError, "finite"),
    (dict(feature_names=["a"]), ValueError, "feature_names"),
])
def test_bad_input(kwargs, exc, match):
    rng = np.random.default_rng(16)
    args = dict(X=rng.normal(size=(50, 2)), y=rng.integers(0, 3, 50), coef=np.zeros((3, 2)),
                intercept=np.ones(3))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        multinomial_inference(args.pop("X"), args.pop("y"), args.pop("coef"),
                              args.pop("intercept"), **args)


def test_raw_labels_not_in_classes():
    rng = np.random.default_rng(17)
    X = rng.normal(size=(20, 2))
    y = np.array(["a", "b", "z"] * 6 + ["a", "b"])
    with pytest.raises(ValueError, match="'z'"):
        multinomial_inference(X, y, np.zeros((3, 2)), np.zeros(3), classes=["a", "b", "c"])


def test_estimator_inference_matches_statsmodels():
    """SoftmaxRegression(C=inf).inference is MNLogit's fit, through the estimator."""
    import statsmodels.api as sm

    from softmax_ext import SoftmaxRegression

    rng = np.random.default_rng(7)
    X = rng.normal(size=(600, 3))
    logits = X @ rng.normal(size=(3, 3))
    y = np.array(["a", "b", "c"])[np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)]
    model = SoftmaxRegression(C=np.inf, tol=1e-10, max_iter=500).fit(X, y)
    res = model.inference(X, y, reference=0)
    sm_res = sm.MNLogit(np.searchsorted(model.classes_, y), sm.add_constant(X, prepend=False)).fit(
        method="newton", disp=0, tol=1e-12, maxiter=100)
    assert res.params.shape == (4, 2)
    np.testing.assert_allclose(res.params, sm_res.params, rtol=1e-5)
    np.testing.assert_allclose(res.bse, sm_res.bse, rtol=1e-5)
    np.testing.assert_allclose(res.pvalues, sm_res.pvalues, rtol=1e-5, atol=1e-300)
    np.testing.assert_allclose(res.llf, sm_res.llf, rtol=1e-10)
    with pytest.raises(ValueError, match="features"):
        model.inference(X[:, :2], y)
