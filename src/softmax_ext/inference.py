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

import numbers
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy import stats
from scipy.special import log_softmax as _log_softmax

from threadpoolctl import threadpool_limits

from ._ext import cholesky as _cholesky
from ._design_matrix import check_design_matrix
from .objective import FixedClassLoss, MultinomialLoss

__all__ = ["InferenceResult", "InferenceWarning", "multinomial_inference"]

# Eigenvalues of the information matrix (scaled to unit diagonal) below this
# fraction of the largest make a direction "not identified".  Rounding noise
# of an exactly singular information matrix is ~1e-15 relative; a matrix
# whose condition number exceeds 1e12 leaves standard errors with fewer than
# ~4 correct digits anyway.
_SINGULAR_RTOL = 1e-12
# Condition number above which a warning says standard errors lose digits.
_ILL_CONDITIONED = 1e8
# A parameter is not identified when its unit vector has at least this
# component in the null space of the scaled information matrix.
_NULL_COMPONENT = 1e-6
# Warn when one Newton step from the given coefficients would move some
# parameter by more than this many standard errors.
_OPTIMALITY_SE = 1e-2
# Mean log-likelihood per observation above which (C = inf) the fit is
# reported as near-perfect prediction: every sample's class predicted with
# probability ~0.9999 on average, the signature of (near-)separation.
_SEPARATION_MEAN_LLF = -1e-4
# Elements of the per-block score matrix (rows * parameters) for HC0.
_BLOCK_ELEMENTS = 1 << 20
# Parameters from which dpocon / dpotri run on one BLAS thread: the threaded
# SYRK of the OpenBLAS in numpy's and scipy's wheels overflows its buffer
# from about 15,600 columns at two threads (solvers/newton_cholesky.py,
# _ext/cholesky.pyx); half of that leaves a margin for more threads.
_ONE_THREAD_LAPACK_M = 8192


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


# ----------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------
def _encode_labels(y, classes, n_classes):
    """Integer codes in [0, n_classes) for y; classes are labels or None."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if classes is None:
        if y.dtype.kind == "f":
            ok = np.isfinite(y) & (y == np.round(y))
            if not ok.all():
                raise ValueError(f"y must hold integer class codes when classes is None, "
                                 f"got {y[~ok][0]!r}.")
        elif y.dtype.kind not in "iub":
            raise TypeError(f"y holds labels of dtype {y.dtype}: pass classes= to encode them, "
                            "or integer codes in [0, n_classes).")
        codes = y.astype(np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= n_classes):
            bad = codes.min() if codes.min() < 0 else codes.max()
            raise ValueError(f"y holds label {bad}, outside [0, {n_classes}) for "
                             f"{n_classes} classes.")
        return codes
    order = np.argsort(classes, kind="stable")
    sorted_classes = classes[order]
    pos = np.searchsorted(sorted_classes, y)
    pos = np.clip(pos, 0, len(classes) - 1)
    found = sorted_classes[pos] == y
    if not np.all(found):
        raise ValueError(f"y contains label {y[~found][0]!r} that is not in classes "
                         f"{list(classes)!r}.")
    return order[pos].astype(np.int64)


def _as_coef(coef, intercept, fit_intercept, n_features_X):
    coef = np.asarray(coef)
    if coef.dtype.kind not in "biuf":
        raise TypeError(f"coef must be numeric, got dtype {coef.dtype}.")
    if coef.ndim == 1:
        coef = coef.reshape(1, -1)
    if coef.ndim != 2:
        raise ValueError(f"coef must be 2-D (n_classes, n_features), got shape {coef.shape}.")
    if coef.shape[1] != n_features_X:
        raise ValueError(f"X has {n_features_X} features, but coef has {coef.shape[1]}.")
    coef = coef.astype(np.float64)
    rows = coef.shape[0]
    if intercept is None:
        if fit_intercept:
            raise ValueError("intercept is required when fit_intercept=True.")
        b = np.zeros(rows)
    else:
        b = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        if b.shape != (rows,):
            raise ValueError(f"intercept has shape {b.shape}, expected ({rows},) to match coef.")
        if not fit_intercept and np.any(b != 0):
            raise ValueError("intercept must be None or zeros when fit_intercept=False.")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(b))):
        raise ValueError("coef and intercept must be finite.")
    full = np.hstack([coef, b[:, None]]) if fit_intercept else coef
    return np.ascontiguousarray(full)


def _row_blocks(n, width):
    step = max(256, _BLOCK_ELEMENTS // max(1, width))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _dense_block(X, start, stop, fit_intercept):
    """Rows [start, stop) of [X, 1] as a float64 block (a block temporary only)."""
    Xb = X[start:stop]
    Xb = Xb.toarray() if sp.issparse(Xb) else np.asarray(Xb)
    if fit_intercept:
        out = np.empty((Xb.shape[0], Xb.shape[1] + 1))
        out[:, :-1] = Xb
        out[:, -1] = 1.0
        return out
    return Xb.astype(np.float64, copy=False)


def _design_rank(X, sample_weight, fit_intercept):
    """Numerical rank of diag(sqrt(s)) [X, 1], by a QR over row blocks.

    Same tolerance as ``numpy.linalg.matrix_rank`` on the full matrix:
    singular values above ``sigma_max * max(n, p) * eps`` count.
    """
    n = X.shape[0]
    p = X.shape[1] + int(fit_intercept)
    R = np.zeros((0, p))
    n_rows = 0
    for start, stop in _row_blocks(n, p):
        B = _dense_block(X, start, stop, fit_intercept)
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


def _invert_information(H):
    """Inverse of a symmetric information matrix, robust to singularity.

    Returns
    -------
    cov : ndarray (m, m)
        The inverse, or on a singular matrix the pseudo-inverse on the
        identified subspace (entries of unidentified parameters are then
        meaningless: the caller sets them to NaN).
    undefined : ndarray of bool (m,)
        Parameters not identified.
    cond : float
        Condition number of H scaled to unit diagonal (inf if singular).
    """
    m = H.shape[0]
    diag = np.diag(H).copy()
    undefined = ~(diag > 0) | ~np.isfinite(diag)
    if not np.all(np.isfinite(H[np.ix_(~undefined, ~undefined)])):
        raise FloatingPointError("the information matrix has non-finite entries.")
    scale = np.zeros(m)
    scale[~undefined] = 1.0 / np.sqrt(diag[~undefined])
    Hs = H * scale[:, None] * scale[None, :]
    Hs[undefined, :] = 0.0
    Hs[:, undefined] = 0.0
    if not undefined.any():
        anorm = np.max(np.sum(np.abs(Hs), axis=0))
        R = np.array(Hs, order="F")  # Hs stays for the eigh fallback
        # the blocked factorisation never hands threaded OpenBLAS's SYRK a
        # panel too wide for its buffer (solvers/newton_cholesky.py) and
        # stops on Ctrl-C; dpotri's own SYRK runs on one BLAS thread from
        # the size where the threaded one overflows it
        if _cholesky.potrf_upper(R) == 0:
            with threadpool_limits(limits=1 if m >= _ONE_THREAD_LAPACK_M else None,
                                   user_api="blas"):
                rcond, info = scipy.linalg.lapack.dpocon(R, anorm, uplo="U")
                if info == 0 and rcond > _SINGULAR_RTOL * 10:
                    inv, info = scipy.linalg.lapack.dpotri(R, lower=0, overwrite_c=1)
                    if info == 0:
                        inv = np.triu(inv) + np.triu(inv, 1).T
                        cov = inv * scale[:, None] * scale[None, :]
                        # 1-norm condition estimate of the scaled matrix.
                        return 0.5 * (cov + cov.T), undefined, 1.0 / rcond
        del R
    evals, evecs = np.linalg.eigh(Hs)
    top = evals[-1] if evals.size else 0.0
    good = evals > top * _SINGULAR_RTOL if top > 0 else np.zeros(m, dtype=bool)
    null = evecs[:, ~good]
    undefined = undefined | (np.linalg.norm(null, axis=1) > _NULL_COMPONENT)
    V = evecs[:, good]
    inv = (V / evals[good]) @ V.T
    cov = inv * scale[:, None] * scale[None, :]
    cond = np.inf if (~good).any() else top / evals[0]
    return 0.5 * (cov + cov.T), undefined, cond


def _score_outer(obj, full, free, sample_weight):
    """``M = sum_i s_i g_i g_i^T`` with g_i the score of the free classes, in row blocks.

    ``g_i = (e_{y_i} - p_i)[free] kron x~_i``, flattened in the C order of
    ``(len(free), p)``.  Block temporaries only.
    """
    X, y = obj.X, obj.y
    n, p = X.shape[0], full.shape[1]
    J = len(free)
    m = J * p
    M = np.zeros((m, m))
    for start, stop in _row_blocks(n, m):
        B = _dense_block(X, start, stop, obj.fit_intercept)
        Z = B @ full.T
        R = -np.exp(_log_softmax(Z, axis=1))
        R[np.arange(stop - start), y[start:stop]] += 1.0
        G = (R[:, free, None] * B[:, None, :]).reshape(stop - start, m)
        if sample_weight is not None:
            M += (G * np.asarray(sample_weight[start:stop], dtype=np.float64)[:, None]).T @ G
        else:
            M += G.T @ G
    return M


# ----------------------------------------------------------------------------
# public function
# ----------------------------------------------------------------------------
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
    >>> from softmax_ext.inference import _fit_reference
    >>> gamma = _fit_reference(X, y, n_classes=2)
    >>> res = multinomial_inference(X, y, gamma[:, :-1], gamma[:, -1])
    >>> res.params.shape, res.bse.shape
    ((3, 1), (3, 1))
    >>> bool(res.pvalues[0, 0] < 1e-6)
    True
    """
    # case as statsmodels reads it ("hc0" is "HC0")
    names = {"nonrobust": "nonrobust", "hc0": "HC0"}
    if not isinstance(cov_type, str) or cov_type.lower() not in names:
        raise ValueError(f"cov_type must be 'nonrobust' or 'HC0', got {cov_type!r}.")
    cov_type = names[cov_type.lower()]
    if isinstance(C, bool) or not isinstance(C, numbers.Real) or not C > 0:
        raise ValueError(f"C must be a positive number (inf for no penalty), got {C!r}.")
    fit_intercept = bool(fit_intercept)
    Xv = check_design_matrix(X)
    n, d = Xv.shape
    full_rows = _as_coef(coef, intercept, fit_intercept, d)
    if feature_names is None:
        names = [f"x{j}" for j in range(d)]
    else:
        names = [str(f) for f in feature_names]
        if len(names) != d:
            raise ValueError(f"feature_names has {len(names)} names, X has {d} features.")
    if fit_intercept:
        names.append("intercept")
    rows = full_rows.shape[0]

    if classes is not None:
        classes = np.asarray(classes)
        if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
            raise ValueError("classes must be a 1-D array of distinct labels.")
        K = len(classes)
        if rows == K:
            reference_form = False
        elif rows == K - 1:
            reference_form = True
        else:
            raise ValueError(f"coef has {rows} rows, expected {K} (symmetric) or {K - 1} "
                             f"(relative to class 0) for {K} classes.")
    else:
        reference_form = rows == 1
        K = 2 if reference_form else rows
    if K < 2:
        raise ValueError("Inference needs at least two classes.")
    if isinstance(reference, bool) or not isinstance(reference, numbers.Integral) \
            or not 0 <= reference < K:
        raise ValueError(f"reference must be a class index in [0, {K}), got {reference!r}.")
    reference = int(reference)
    codes = _encode_labels(y, classes, K)
    if codes.shape[0] != n:
        raise ValueError(f"y has {codes.shape[0]} rows but X has {n}.")
    labels = classes if classes is not None else np.arange(K)

    base = MultinomialLoss(Xv, codes, sample_weight=sample_weight, l2=0.0,
                           fit_intercept=fit_intercept, n_classes=K, n_threads=n_threads)
    S = base.weight_sum
    sw = base.sample_weight
    p = base.coef_shape[1]
    free = np.array([k for k in range(K) if k != reference])
    J = K - 1

    # All K rows of theta, the contrasts gamma, and the class covariance of the
    # penalty's prior (identity on the penalised rows; zero on a fixed row).
    theta = np.zeros((K, p))
    if reference_form:
        theta[1:] = full_rows
        prior_class_cov = np.diag(np.r_[0.0, np.ones(K - 1)])
    else:
        theta[:] = full_rows
        prior_class_cov = np.eye(K)
    gamma = theta[free] - theta[reference]
    A = np.zeros((J, K))
    A[np.arange(J), free] = 1.0
    A[:, reference] -= 1.0
    lam = 0.0 if np.isinf(C) else 1.0 / float(C)
    precision = np.linalg.inv(A @ prior_class_cov @ A.T)  # (J, J), prior_cov * C
    penalised = np.ones(p)
    if fit_intercept:
        penalised[-1] = 0.0
    m = J * p
    prior_precision = np.zeros((m, m))
    if lam > 0:
        w_idx = np.flatnonzero(penalised)
        for a in range(J):
            for b in range(J):
                prior_precision[a * p + w_idx, b * p + w_idx] = lam * precision[a, b]

    fixed = FixedClassLoss(base, fixed=reference)
    gamma_x = gamma.astype(base.dtype)
    loss, grad = fixed.loss_gradient(gamma_x)
    llf = -loss * S
    grad_total = np.asarray(grad, dtype=np.float64).ravel() * S + prior_precision @ gamma.ravel()
    H = np.asarray(fixed.hessian(gamma_x), dtype=np.float64) * S + prior_precision

    counts = np.bincount(codes, weights=sw, minlength=K).astype(np.float64)
    pos = counts > 0
    llnull = float(np.sum(counts[pos] * np.log(counts[pos] / S)))
    problems = []
    if not pos.all():
        missing = [labels[k] for k in np.flatnonzero(~pos)]
        problems.append(f"class(es) {missing!r} have no observations (zero total weight)")

    cov_n, undefined, cond = _invert_information(H)
    if undefined.any() or not np.isfinite(cond):
        problems.append(
            f"the information matrix is singular: {int(undefined.sum())} of {H.shape[0]} "
            "parameters are not identified (collinear features, a constant feature together "
            "with the intercept, an unobserved class, or (quasi-)separated classes); their "
            "standard errors, z values and p-values are NaN")
    elif cond > _ILL_CONDITIONED:
        problems.append(
            f"the information matrix is ill-conditioned (condition number {cond:.2g} after "
            "scaling to unit diagonal): standard errors may have few correct digits "
            "(near-collinear features or near-separated classes)")
    if np.isinf(C) and llf > _SEPARATION_MEAN_LLF * S:
        problems.append(
            f"the samples are predicted almost perfectly (mean log-likelihood {llf / S:.2g}): "
            "the classes look (nearly) separated, the maximum-likelihood estimate may not "
            "exist, and the coefficients and standard errors grow with the solver's "
            "iterations; use a finite C")

    if cov_type == "HC0":
        meat = _score_outer(base, fixed.full(gamma).astype(np.float64), free, sw)
        cov = cov_n @ meat @ cov_n
        cov = 0.5 * (cov + cov.T)
    else:
        cov = cov_n
    cov = cov.copy()
    cov[undefined, :] = np.nan
    cov[:, undefined] = np.nan

    # Are we at the optimum?  One Newton step, in standard errors.
    se_n = np.sqrt(np.where(undefined, np.nan, np.diag(cov_n)))
    step = cov_n @ grad_total
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.abs(step) / se_n
    moved = moved[np.isfinite(moved)]
    if moved.size and moved.max() > _OPTIMALITY_SE:
        problems.append(
            f"the coefficients are not at the optimum of the objective: one Newton step "
            f"would move a parameter by {moved.max():.3g} standard errors; the covariance "
            "assumes an optimum (refit with a smaller tol or more max_iter)")
    for msg in problems:
        warnings.warn(msg[0].upper() + msg[1:] + ".", InferenceWarning, stacklevel=2)

    # statsmodels counts parameters by rank([X, 1]).  A rank-deficient design
    # makes the information singular, so a non-singular one means full rank and
    # the (slower) QR over X is only needed in the singular case.
    rank = p if not undefined.any() else _design_rank(Xv, sw, fit_intercept)
    return InferenceResult(
        params=np.ascontiguousarray(gamma.T), cov=cov, llf=llf, llnull=llnull, nobs=S,
        k_params=rank * J, classes=labels, reference=reference, exog_names=names,
        cov_type=cov_type, C=C, not_identified=undefined.reshape(J, p).T.copy(),
        condition_number=cond)


# ----------------------------------------------------------------------------
# a small Newton solver for the reference parametrisation (tests, benchmarks)
# ----------------------------------------------------------------------------
def _fit_reference(X, y, *, sample_weight=None, C=np.inf, fit_intercept=True, reference=0,
                   n_classes=None, max_iter=100, tol=1e-10, n_threads=None):
    """Maximise the (penalised) likelihood in the reference parametrisation by Newton.

    The penalty is ``||W_free||^2 / (2 C)`` on the free rows (the binary /
    reference form).  Returns gamma of shape (n_classes - 1, n_features [+1])
    (intercept last column).  Private: used by tests and benchmarks to get
    tightly converged parameters.
    """
    base = MultinomialLoss(X, y, sample_weight=sample_weight, n_classes=n_classes,
                           fit_intercept=fit_intercept, n_threads=n_threads,
                           l2=0.0 if np.isinf(C) else 1.0 / (C * _weight_sum(sample_weight, y)))
    obj = FixedClassLoss(base, fixed=reference)
    coef = obj.init_coef().astype(np.float64)
    loss, grad = obj.loss_gradient(coef)
    for _ in range(max_iter):
        g = np.asarray(grad, dtype=np.float64).ravel()
        H = obj.hessian(coef)
        try:
            step = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(H), g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(H, g, rcond=None)[0]
        dec = -g @ step
        if not dec > 0:  # at the optimum to rounding
            break
        t = 1.0
        while True:
            new = coef + t * step.reshape(coef.shape)
            new_loss, new_grad = obj.loss_gradient(new)
            # Armijo, or a change below rounding of the loss (near the optimum
            # the decrease is not measurable; the full step is then right).
            if (new_loss <= loss - 1e-4 * t * dec
                    or new_loss - loss <= 8 * np.finfo(np.float64).eps * abs(loss)
                    or t < 1e-10):
                break
            t *= 0.5
        coef, loss, grad = new, new_loss, new_grad
        # Newton converges quadratically: a full step this small leaves an
        # error far below it.
        if t == 1.0 and np.abs(step).max() < tol * (1.0 + np.abs(coef).max()):
            break
    return coef


def _weight_sum(sample_weight, y):
    return float(len(y) if sample_weight is None else np.sum(sample_weight))
