"""Diagnostics of an inference: what makes part of it undefined or unreliable
(unobserved classes, a singular or ill-conditioned information matrix,
separated classes, coefficients away from the optimum), each as the text of
an :class:`~softmax_ext.inference.InferenceWarning` (the rank of the design,
which statsmodels counts parameters by, comes from
:meth:`MultinomialLoss.design_rank`).
"""

import numpy as np


__all__ = ["unobserved_classes", "information_problems",
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
