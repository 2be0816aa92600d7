"""``multinomial_inference``: from fitted coefficients to an :class:`InferenceResult`.

The steps (each in the module named): the layout of labels, coefficients and
contrasts (``_layout``), the objective's log-likelihood, gradient and
Hessian at the contrasts plus the prior precision of a finite C
(``_covariance``), the inverse information and the HC0 sandwich
(``_covariance``), and the warnings on what makes part of the result
undefined or unreliable (``_diagnostics``).  See :mod:`softmax_ext.inference`
for the parametrisation and what the covariance means.
"""

import numbers
import warnings

import numpy as np

from .._design_matrix import check_design_matrix
from ..objective import FixedClassLoss, MultinomialLoss
from ._covariance import invert_information, parameter_covariance, prior_precision
from ._diagnostics import (information_problems, optimality_problems, separation_problems,
                           unobserved_classes)
from ._layout import (check_reference, class_layout, coef_rows, contrasts, encode_labels,
                      exog_names, free_classes)
from ._results import InferenceResult, InferenceWarning

__all__ = ["multinomial_inference"]


def multinomial_inference(X, y, coef, intercept=None, *, classes=None, sample_weight=None,
                          C=np.inf, fit_intercept=True, reference=0, cov_type="nonrobust",
                          n_threads=None, feature_names=None):
    """Standard errors, tests and likelihoods for fitted softmax-regression coefficients.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The training data the coefficients were fitted on (dense or CSR,
        float32 kept as float32; never copied beyond the objective's single
        layout conversion).
    y : array-like of shape (n_samples,)
        Integer class codes in ``[0, n_classes)``, or raw labels when
        ``classes`` is given.
    coef : array-like of shape (n_classes, n_features) or (n_classes - 1, n_features)
        Fitted weights.  ``n_classes`` rows: the symmetric multinomial
        parametrisation (every class penalised).  ``n_classes - 1`` rows: the
        reference form relative to class 0 (scikit-learn's binary ``coef_`` of
        shape (1, n_features), class 1 against class 0).  With ``classes``
        None a single row means two classes; otherwise ``n_classes`` is the
        number of rows.
    intercept : array-like of shape (coef.shape[0],), optional
        Fitted intercepts; required when ``fit_intercept``.
    classes : array-like of shape (n_classes,), optional
        Class labels in the order of the class codes (an estimator's
        ``classes_``); used to encode ``y`` and to label the results.
    sample_weight : array-like of shape (n_samples,), optional
        Frequency weights (non-negative); ``nobs`` is their sum.
    C : float, default inf
        Inverse penalty strength of the fit (scikit-learn's ``C``): the fit
        minimised ``sum_i s_i CE_i + ||W||^2 / (2 C)``.  ``inf`` gives the
        maximum-likelihood covariance; a finite C the inverse penalised
        Hessian (see the module documentation for what that means).
    fit_intercept : bool, default True
    reference : int, default 0
        Index (into ``classes``) of the baseline class.
    cov_type : {"nonrobust", "HC0"}, default "nonrobust"
        Inverse (penalised) information, or the HC0 sandwich.
    n_threads : int, optional
        Threads for the objective's kernels; None means all usable cores.
    feature_names : sequence of str, optional
        Row labels; default ``x0, x1, ...`` and ``intercept`` for the last
        row when fitted.

    Returns
    -------
    InferenceResult
        ``params`` etc. of shape (n_features [+1], n_classes - 1), float64.

    Warns
    -----
    InferenceWarning
        When the information matrix is singular (NaN standard errors for the
        parameters that are not identified) or ill-conditioned, when a class
        has no observations, when the classes are perfectly predicted, and
        when the coefficients are visibly not at the optimum of the objective
        (one Newton step would move a parameter by more than 1% of its
        standard error).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext.inference import multinomial_inference
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = (X[:, 0] + rng.logistic(size=200) > 0).astype(int)
    >>> # coefficients of class 1 against class 0 (from any fit)
    >>> from softmax_ext import SoftmaxRegression
    >>> clf = SoftmaxRegression(C=np.inf, tol=1e-10).fit(X, y)
    >>> res = multinomial_inference(X, y, clf.coef_, clf.intercept_)
    >>> res.params.shape, res.bse.shape
    ((3, 1), (3, 1))
    >>> bool(res.pvalues[0, 0] < 1e-6)
    True
    """
    cov_type = _check_options(cov_type, C)
    fit_intercept = bool(fit_intercept)
    Xv = check_design_matrix(X)
    n, d = Xv.shape
    full_rows = coef_rows(coef, intercept, fit_intercept, d)
    names = exog_names(feature_names, d, fit_intercept)
    classes, K, reference_form = class_layout(classes, full_rows.shape[0])
    reference = check_reference(reference, K)
    codes = encode_labels(y, classes, K)
    if codes.shape[0] != n:
        raise ValueError(f"y has {codes.shape[0]} rows but X has {n}.")
    labels = classes if classes is not None else np.arange(K)

    base = MultinomialLoss(Xv, codes, sample_weight=sample_weight, l2=0.0,
                           fit_intercept=fit_intercept, n_classes=K, n_threads=n_threads)
    S, sw, p = base.weight_sum, base.sample_weight, base.coef_shape[1]
    fixed = FixedClassLoss(base, fixed=reference)
    gamma = contrasts(full_rows, K, reference, reference_form)
    precision = prior_precision(K, reference, reference_form, fit_intercept, C, p)
    llf, grad_total, H = _penalised_derivatives(base, fixed, gamma, precision)
    counts = np.bincount(codes, weights=sw, minlength=K).astype(np.float64)

    cov_n, undefined, cond = invert_information(H)
    meat = None
    if cov_type == "HC0":
        meat = base.score_outer(fixed.full(gamma), free_classes(K, reference))
    cov = parameter_covariance(cov_n, undefined, meat)
    problems = (unobserved_classes(counts, labels)
                + information_problems(undefined, cond, H.shape[0])
                + separation_problems(llf, S, C)
                + optimality_problems(cov_n, grad_total, undefined))
    for msg in problems:
        warnings.warn(msg[0].upper() + msg[1:] + ".", InferenceWarning, stacklevel=2)

    # statsmodels counts parameters by rank([X, 1]).  A rank-deficient design
    # makes the information singular, so a non-singular one means full rank and
    # the (slower) QR over X is only needed in the singular case.
    rank = p if not undefined.any() else base.design_rank()
    J = K - 1
    return InferenceResult(
        params=np.ascontiguousarray(gamma.T), cov=cov, llf=llf,
        llnull=_null_log_likelihood(counts, S), nobs=S, k_params=rank * J, classes=labels,
        reference=reference, exog_names=names, cov_type=cov_type, C=C,
        not_identified=undefined.reshape(J, p).T.copy(), condition_number=cond)


def _check_options(cov_type, C):
    """``cov_type`` in its canonical spelling, after checking it and ``C``."""
    # case as statsmodels reads it ("hc0" is "HC0")
    names = {"nonrobust": "nonrobust", "hc0": "HC0"}
    if not isinstance(cov_type, str) or cov_type.lower() not in names:
        raise ValueError(f"cov_type must be 'nonrobust' or 'HC0', got {cov_type!r}.")
    if isinstance(C, bool) or not isinstance(C, numbers.Real) or not C > 0:
        raise ValueError(f"C must be a positive number (inf for no penalty), got {C!r}.")
    return names[cov_type.lower()]


def _penalised_derivatives(base, fixed, gamma, precision):
    """At the contrasts ``gamma``: the log-likelihood, and the gradient and
    Hessian of the penalised negative log-likelihood, on the summed scale
    (the objective's mean times ``base.weight_sum``), float64, flattened in
    the C order of ``gamma``."""
    S = base.weight_sum
    gamma_x = gamma.astype(base.dtype)
    loss, grad = fixed.loss_gradient(gamma_x)
    llf = -loss * S
    grad_total = np.asarray(grad, dtype=np.float64).ravel() * S + precision @ gamma.ravel()
    H = np.asarray(fixed.hessian(gamma_x), dtype=np.float64) * S + precision
    return llf, grad_total, H


def _null_log_likelihood(counts, nobs):
    """Log-likelihood of the intercept-only model: the class frequencies."""
    pos = counts > 0
    return float(np.sum(counts[pos] * np.log(counts[pos] / nobs)))
