"""Diagnostics of an inference: what makes part of it undefined or unreliable
(unobserved classes, a singular or ill-conditioned information matrix,
separated classes, coefficients away from the optimum), each as the text of
an :class:`~softmax_ext.inference.InferenceWarning`, and the rank of the
design that statsmodels counts parameters by.
"""

import numpy as np
import scipy.linalg

from ._layout import dense_block, row_blocks

__all__ = ["design_rank", "unobserved_classes", "information_problems",
           "separation_problems", "optimality_problems"]

# Condition number above which a warning says standard errors lose digits.
_ILL_CONDITIONED = 1e8
# Warn when one Newton step from the given coefficients would move some
# parameter by more than this many standard errors.
_OPTIMALITY_SE = 1e-2
# Mean log-likelihood per observation above which (C = inf) the fit is
# reported as near-perfect prediction: every sample's class predicted with
# probability ~0.9999 on average, the signature of (near-)separation.
_SEPARATION_MEAN_LLF = -1e-4


def design_rank(X, sample_weight, fit_intercept):
    """Numerical rank of diag(sqrt(s)) [X, 1], by a QR over row blocks.

    Same tolerance as ``numpy.linalg.matrix_rank`` on the full matrix:
    singular values above ``sigma_max * max(n, p) * eps`` count.
    """
    n = X.shape[0]
    p = X.shape[1] + int(fit_intercept)
    R = np.zeros((0, p))
    n_rows = 0
    for start, stop in row_blocks(n, p):
        B = dense_block(X, start, stop, fit_intercept)
        if sample_weight is not None:
            sw = np.asarray(sample_weight[start:stop], dtype=np.float64)
            keep = sw > 0
            B = B[keep] * np.sqrt(sw[keep])[:, None]
        n_rows += B.shape[0]
        R = scipy.linalg.qr(np.vstack([R, B]), mode="r", check_finite=False)[0][:p]
    if n_rows == 0:
        return 0
    s = scipy.linalg.svdvals(R, check_finite=False)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.sum(s > s[0] * max(n_rows, p) * np.finfo(np.float64).eps))


def unobserved_classes(counts, labels):
    """The warning on classes of zero total weight, if any (a list of 0 or 1 texts)."""
    missing = [labels[k] for k in np.flatnonzero(~(counts > 0))]
    if not missing:
        return []
    return [f"class(es) {missing!r} have no observations (zero total weight)"]


def information_problems(undefined, cond, m):
    """The warning on a singular or ill-conditioned information matrix of size m, if any."""
    if undefined.any() or not np.isfinite(cond):
        return [
            f"the information matrix is singular: {int(undefined.sum())} of {m} "
            "parameters are not identified (collinear features, a constant feature together "
            "with the intercept, an unobserved class, or (quasi-)separated classes); their "
            "standard errors, z values and p-values are NaN"]
    if cond > _ILL_CONDITIONED:
        return [
            f"the information matrix is ill-conditioned (condition number {cond:.2g} after "
            "scaling to unit diagonal): standard errors may have few correct digits "
            "(near-collinear features or near-separated classes)"]
    return []


def separation_problems(llf, nobs, C):
    """The warning on (near-)perfect prediction of an unpenalised fit, if any."""
    if np.isinf(C) and llf > _SEPARATION_MEAN_LLF * nobs:
        return [
            f"the samples are predicted almost perfectly (mean log-likelihood "
            f"{llf / nobs:.2g}): the classes look (nearly) separated, the maximum-likelihood "
            "estimate may not exist, and the coefficients and standard errors grow with the "
            "solver's iterations; use a finite C"]
    return []


def optimality_problems(cov_n, grad, undefined):
    """The warning when one Newton step ``cov_n @ grad`` would move an identified
    parameter by more than ``_OPTIMALITY_SE`` standard errors, if any."""
    se_n = np.sqrt(np.where(undefined, np.nan, np.diag(cov_n)))
    step = cov_n @ grad
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.abs(step) / se_n
    moved = moved[np.isfinite(moved)]
    if moved.size and moved.max() > _OPTIMALITY_SE:
        return [
            f"the coefficients are not at the optimum of the objective: one Newton step "
            f"would move a parameter by {moved.max():.3g} standard errors; the covariance "
            "assumes an optimum (refit with a smaller tol or more max_iter)"]
    return []
