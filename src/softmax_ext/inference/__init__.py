"""Exact statistical inference for a fitted softmax (multinomial logistic) regression.

:func:`multinomial_inference` turns fitted coefficients into the quantities of
statsmodels' ``MNLogit`` results: parameters in the reference-class
parametrisation, their covariance, standard errors, Wald z statistics and
p-values, confidence intervals, log-likelihoods and information criteria.

Parametrisation
---------------
The model gives class k the score ``z_k = w_k . x + b_k``.  Adding one vector
to every class's coefficients changes no probability, so only differences are
identified.  Results are reported for the contrasts ::

    gamma_k = theta_k - theta_ref      for every class k != ref

(``ref`` is the index of the baseline class), exactly statsmodels' ``MNLogit``
parametrisation.  ``params`` has shape ``(n_features [+1], n_classes - 1)``:
features along rows (the intercept, when fitted, as the LAST row), the
non-reference classes in increasing order along columns.  Flattened vectors
(``cov_params()``) follow ``params.ravel(order="F")``: all coefficients of the
first non-reference class, then the next (statsmodels' order, which is also
the C order of the ``(n_classes - 1, n_features [+1])`` coefficient array used
by :class:`~softmax_ext.objective.FixedClassLoss`).

Covariance
----------
Everything is on the log-likelihood scale, with sample weights as frequency
weights (a weight of 3 is three identical rows; ``nobs`` is their sum).

- ``C = inf`` (no penalty): the classical maximum-likelihood covariance, the
  inverse of the observed information ``-d^2 llf / d gamma^2`` at the fitted
  coefficients.
- finite ``C``: the inverse of the penalised Hessian.  The L2 penalty of the
  fit, ``||W||^2 / (2 C)`` next to the summed negative log-likelihood (the
  intercepts are not penalised), is the negative log-density of a Gaussian
  prior ``W ~ N(0, C I)``; the inverse of the penalised Hessian is the
  Laplace approximation of the posterior covariance of the contrasts under
  that prior.  It is *not* a frequentist sampling covariance: the shrinkage
  bias of the estimate is ignored, and standard errors are smaller than the
  maximum-likelihood ones.  For a symmetric fit (all K classes penalised,
  K >= 3 in scikit-learn) the prior on the contrasts has covariance
  ``C (I + 1 1^T)`` (``gamma_k = theta_k - theta_ref`` with independent
  ``theta``), so the penalised Hessian of the contrasts is the observed
  information plus ``(1 / C) (I - 1 1^T / K)`` on every feature; for a binary
  fit in the reference form (scikit-learn's ``coef_`` of shape (1, d)) it is
  the information plus ``(1 / C) I``.  The contrasts at the symmetric optimum
  are exactly the optimum of that objective, so nothing is refitted.
- ``cov_type="HC0"``: the sandwich ``H^{-1} M H^{-1}`` with ``H`` as above and
  ``M = sum_i s_i g_i g_i^T`` (``g_i`` the score of sample i, ``s_i`` its
  frequency weight), as statsmodels' ``cov_type="HC0"``.

A singular information matrix (collinear features, a class never observed,
(quasi-)separated classes) gives an :class:`InferenceWarning` and NaN for the
standard errors, z values, p-values and covariances of the parameters that
are not identified; the others stay finite.

Memory: X is read in row blocks; no (n_samples, n_features) temporary is
made here (the Hessian comes from the objective's kernel).
"""

from ._multinomial import multinomial_inference
from ._results import InferenceResult, InferenceWarning, Summary  # noqa: F401 (as before)

__all__ = ["InferenceResult", "InferenceWarning", "multinomial_inference"]
