"""The results of :func:`~softmax_ext.inference.multinomial_inference`:
:class:`InferenceResult` (statsmodels' ``MNLogitResults`` layout), its text
:class:`Summary`, and the :class:`InferenceWarning` the inference gives."""

import numbers

import numpy as np
from scipy import stats

__all__ = ["InferenceResult", "InferenceWarning", "Summary"]


class InferenceWarning(UserWarning):
    """Something makes part of the inference undefined or unreliable."""


class Summary(str):
    """The text of :meth:`InferenceResult.summary`: a ``str`` that also answers
    statsmodels' ``Summary`` methods ``as_text()`` and ``as_html()``."""

    def as_text(self):
        return str(self)

    def as_html(self):
        import html

        return f"<pre>{html.escape(str(self))}</pre>"


class InferenceResult:
    """Inference for a fitted softmax regression, in statsmodels' MNLogit layout.

    Created by :func:`multinomial_inference`; attributes are read-only by
    convention.  ``p = n_features + 1`` with an intercept (last row), else
    ``n_features``; ``J = n_classes - 1`` non-reference classes.

    Attributes
    ----------
    params, bse, zvalues, pvalues : ndarray of shape (p, J), float64
        Coefficients relative to the reference class, their standard errors,
        Wald z statistics and two-sided normal p-values.  NaN in ``bse``,
        ``zvalues`` and ``pvalues`` where a parameter is not identified.
    tvalues : ndarray of shape (p, J)
        Alias of ``zvalues`` (statsmodels' name).
    llf : float
        Log-likelihood at ``params`` (penalty excluded).
    llnull : float
        Log-likelihood of the intercept-only model (class frequencies).
    llr, llr_pvalue : float
        Likelihood-ratio statistic ``2 (llf - llnull)`` and its chi-square
        p-value with ``df_model`` degrees of freedom.
    aic, bic : float
        ``-2 llf + 2 k`` and ``-2 llf + log(nobs) k`` with
        ``k = rank([X, 1]) * J`` parameters (statsmodels' count; for a finite
        C the nominal count, not an effective number of parameters).
    prsquared : float
        McFadden's pseudo R-squared ``1 - llf / llnull``.
    nobs : float
        Number of observations: the sum of the frequency weights.
    df_model, df_resid : float
        ``k - J`` and ``nobs - k`` as in statsmodels.
    classes : ndarray of shape (n_classes,)
        Class labels; ``reference_class = classes[reference]``.
    exog_names : list of str
        Row labels of ``params``.
    cov_type : str
    C : float
    not_identified : ndarray of bool, shape (p, J)
        Parameters whose variance is undefined (singular information).
    condition_number : float
        Condition number of the information matrix scaled to unit diagonal
        (inf when singular).
    """

    def __init__(self, *, params, cov, llf, llnull, nobs, k_params, classes, reference,
                 exog_names, cov_type, C, not_identified, condition_number):
        p, J = params.shape
        self.params = params
        self._cov = cov
        self.bse = np.sqrt(np.diag(cov)).reshape(J, p).T.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            self.zvalues = self.params / self.bse
        self.pvalues = 2.0 * stats.norm.sf(np.abs(self.zvalues))
        self.llf = float(llf)
        self.llnull = float(llnull)
        self.nobs = float(nobs)
        self.k_params = int(k_params)
        self.df_model = float(k_params - J)
        self.df_resid = float(nobs - k_params)
        self.classes = classes
        self.reference = int(reference)
        self.reference_class = classes[reference]
        self.exog_names = list(exog_names)
        self.cov_type = cov_type
        self.C = float(C)
        self.not_identified = not_identified
        self.condition_number = float(condition_number)

    @property
    def tvalues(self):
        return self.zvalues

    @property
    def n_classes(self):
        return len(self.classes)

    @property
    def aic(self):
        return -2.0 * self.llf + 2.0 * self.k_params

    @property
    def bic(self):
        return -2.0 * self.llf + np.log(self.nobs) * self.k_params

    @property
    def prsquared(self):
        return 1.0 - self.llf / self.llnull if self.llnull != 0 else np.nan

    @property
    def llr(self):
        return 2.0 * (self.llf - self.llnull)

    @property
    def llr_pvalue(self):
        return float(stats.chi2.sf(self.llr, self.df_model))

    def cov_params(self):
        """Covariance of ``params.ravel(order="F")``: (p J, p J) float64 (a copy)."""
        return self._cov.copy()

    def conf_int(self, alpha=0.05):
        """Wald confidence intervals ``params -/+ z_{1 - alpha/2} bse``.

        Returns
        -------
        ndarray of shape (J, p, 2)
            statsmodels' MNLogit layout: ``[j, i, 0]`` and ``[j, i, 1]`` are
            the lower and upper bounds for ``params[i, j]``.
        """
        if not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha!r}.")
        q = stats.norm.ppf(1.0 - alpha / 2.0)
        lo = self.params - q * self.bse
        hi = self.params + q * self.bse
        return np.stack([lo.T, hi.T], axis=-1)

    def _class_names(self):
        return [self.classes[k] for k in range(self.n_classes) if k != self.reference]

    def to_frame(self, alpha=0.05):
        """The coefficient table as a pandas DataFrame (needs pandas).

        Rows: a MultiIndex (class, feature) over the non-reference classes;
        columns: coef, std err, z, P>|z| and the confidence bounds.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is installed in CI
            raise ImportError("to_frame() needs pandas; summary() works without it.") from exc
        ci = self.conf_int(alpha)
        lo_name, hi_name = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        index = pd.MultiIndex.from_product(
            [[str(c) for c in self._class_names()], self.exog_names], names=["class", "feature"])
        return pd.DataFrame({
            "coef": self.params.T.ravel(),
            "std err": self.bse.T.ravel(),
            "z": self.zvalues.T.ravel(),
            "P>|z|": self.pvalues.T.ravel(),
            lo_name: ci[..., 0].ravel(),
            hi_name: ci[..., 1].ravel(),
        }, index=index)

    def summary(self, alpha=0.05):
        """A readable text table of the fit and its coefficients.

        Returns
        -------
        Summary
            A ``str`` with statsmodels' ``as_text()`` / ``as_html()`` methods.
        """
        width = 78
        left = [
            ("Classes:", f"{self.n_classes}"),
            ("Reference class:", f"{self.reference_class}"),
            ("No. Observations:", f"{self.nobs:g}"),
            ("Df Model:", f"{self.df_model:g}"),
            ("Df Residuals:", f"{self.df_resid:g}"),
            ("Covariance Type:", self.cov_type),
            ("C:", "inf (no penalty)" if np.isinf(self.C) else f"{self.C:g} (penalised)"),
        ]
        right = [
            ("Pseudo R-squ.:", f"{self.prsquared:.4f}"),
            ("Log-Likelihood:", f"{self.llf:.6g}"),
            ("LL-Null:", f"{self.llnull:.6g}"),
            ("LLR p-value:", f"{self.llr_pvalue:.4g}"),
            ("AIC:", f"{self.aic:.6g}"),
            ("BIC:", f"{self.bic:.6g}"),
            ("", ""),
        ]
        lines = ["Softmax (multinomial logit) regression results".center(width), "=" * width]
        for (a, b), (c, e) in zip(left, right):
            lines.append(f"{a:<18}{b:>20} {c:<18}{e:>20}")
        ci = self.conf_int(alpha)
        lo_name, hi_name = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        name_w = max(12, *(len(n) for n in self.exog_names)) + 1
        for j, cls in enumerate(self._class_names()):
            lines.append("=" * width)
            lines.append(f"{'class=' + str(cls):<{name_w}}{'coef':>10}{'std err':>10}{'z':>9}"
                         f"{'P>|z|':>9}{lo_name:>10}{hi_name:>10}")
            lines.append("-" * width)
            for i, name in enumerate(self.exog_names):
                lines.append(
                    f"{name:<{name_w}}{self.params[i, j]:>10.4g}{self.bse[i, j]:>10.4g}"
                    f"{self.zvalues[i, j]:>9.3f}{self.pvalues[i, j]:>9.3f}"
                    f"{ci[j, i, 0]:>10.4g}{ci[j, i, 1]:>10.4g}")
        lines.append("=" * width)
        if not np.isinf(self.C):
            lines.append("Finite C: covariance is the inverse penalised Hessian (Laplace "
                         "approximation under the Gaussian prior of the L2 penalty).")
        if self.not_identified.any():
            lines.append(f"{int(self.not_identified.sum())} parameter(s) not identified "
                         "(singular information matrix): NaN standard errors.")
        return Summary("\n".join(lines))

    def __str__(self):
        return str(self.summary())

    def __repr__(self):
        return (f"<InferenceResult: {self.n_classes} classes, reference "
                f"{self.reference_class!r}, nobs={self.nobs:g}, llf={self.llf:.6g}, "
                f"cov_type={self.cov_type!r}>")
