"""Covariance of the contrasts: the prior precision a finite C adds to the
observed information, the (robust to singularity) inverse of the
information, and the sandwich (its meat, the score outer product, comes from
:meth:`MultinomialLoss.score_outer`).
"""

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from .._ext import cholesky as _cholesky
from ..linear_model._penalty_params import l2_from_C
from ._layout import free_classes

__all__ = ["prior_precision", "invert_information", "parameter_covariance"]

# Eigenvalues of the information matrix (scaled to unit diagonal) below this
# fraction of the largest make a direction "not identified".  Rounding noise
# of an exactly singular information matrix is ~1e-15 relative; a matrix
# whose condition number exceeds 1e12 leaves standard errors with fewer than
# ~4 correct digits anyway.
_SINGULAR_RTOL = 1e-12
# A parameter is not identified when its unit vector has at least this
# component in the null space of the scaled information matrix.
_NULL_COMPONENT = 1e-6
# Parameters from which dpocon / dpotri run on one BLAS thread: the threaded
# SYRK of the OpenBLAS in numpy's and scipy's wheels overflows its buffer
# from about 15,600 columns at two threads (solvers/newton_cholesky.py,
# _ext/cholesky.pyx); half of that leaves a margin for more threads.
_ONE_THREAD_LAPACK_M = 8192


def prior_precision(n_classes, reference, reference_form, fit_intercept, C, p):
    """The precision that the penalty adds to the information of the contrasts.

    The penalty ``||W||^2 / (2 C)`` (intercepts unpenalised) is a Gaussian
    prior with class covariance ``C I`` on the penalised rows (all K in the
    symmetric form; rows 1..K-1 in the reference form, row 0 fixed at
    zero); the contrasts ``A theta`` have prior precision
    ``(1 / C) (A Sigma A^T)^{-1}`` on every penalised feature.

    Parameters
    ----------
    n_classes : int
    reference : int
        The baseline class.
    reference_form : bool
        Whether the fit held class 0 at zero (``class_layout``).
    fit_intercept : bool
        Whether the last of the ``p`` columns is the (unpenalised) intercept.
    C : float
        The fit's C (``np.inf``: no penalty).
    p : int
        Coefficients per class.

    Returns
    -------
    ndarray of shape (m, m), float64
        ``m = (n_classes - 1) p``, in the C order of the (J, p) contrasts;
        zero for ``C = inf``.
    """
    J = n_classes - 1
    if reference_form:
        prior_class_cov = np.diag(np.r_[0.0, np.ones(J)])
    else:
        prior_class_cov = np.eye(n_classes)
    A = np.zeros((J, n_classes))
    A[np.arange(J), free_classes(n_classes, reference)] = 1.0
    A[:, reference] -= 1.0
    # the fit's penalty on the summed log-likelihood scale (l2 for a total weight of 1)
    lam = l2_from_C(float(C), 1.0)
    precision = np.linalg.inv(A @ prior_class_cov @ A.T)  # (J, J), prior_cov * C
    penalised = np.ones(p)
    if fit_intercept:
        penalised[-1] = 0.0
    m = J * p
    out = np.zeros((m, m))
    if lam > 0:
        w_idx = np.flatnonzero(penalised)
        for a in range(J):
            for b in range(J):
                out[a * p + w_idx, b * p + w_idx] = lam * precision[a, b]
    return out


def invert_information(H):
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




def parameter_covariance(cov_n, undefined, meat=None):
    """The covariance reported: the inverse information ``cov_n``, or with
    ``meat`` the sandwich ``cov_n meat cov_n`` (HC0); NaN in the rows and
    columns of the parameters that are not identified.

    Returns
    -------
    ndarray of shape (m, m), float64, a new array
    """
    if meat is not None:
        cov = cov_n @ meat @ cov_n
        cov = 0.5 * (cov + cov.T)
    else:
        cov = cov_n
    cov = cov.copy()
    cov[undefined, :] = np.nan
    cov[:, undefined] = np.nan
    return cov
