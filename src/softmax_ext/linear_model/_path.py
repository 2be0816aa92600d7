"""Regularisation paths: fits along a sequence of C values, warm-started, and
the smallest C at which an L1 penalty lets a coefficient leave zero.

The path runs from the strongest penalty (smallest C) to the weakest, each
fit starting from the previous one's coefficients: along an L1 path the
working sets of ``solvers/prox_newton.py`` then start at the previous
support, so most fits take a few Newton steps on a small subproblem.

:func:`fit_path` is the path on data already validated and encoded (one
objective for the whole path, only its L2 strength changed between fits, no
re-validation): the fold paths of :class:`SoftmaxRegressionCV` run on it;
:func:`softmax_path` is the public, validating form.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length

from .._design_matrix import check_design_matrix
from ..objective import FixedClassLoss, build_objective
from ..objective._penalty import set_objective_l2
from ..solvers import solve
from ..solvers._path_cache import PathCache
from ._coef import attributes_from
from ._penalty_params import effective_penalty, penalty_strengths
from ._sample_weight import fit_sample_weight, weight_sum
from ._liblinear import (ALIASED_SOLVERS, check_liblinear_data, penalise_intercept,
                         sklearn_convergence_wording)
from ._softmax_regression import SoftmaxRegression

__all__ = ["l1_min_c", "softmax_path", "fit_path", "PathResult"]


def _intercept_only(objective, y_enc, sample_weight, n_classes):
    """Coefficients of the best intercept-only model (zero weights), in the
    objective's layout: the log of each class's weighted share."""
    sw = np.ones(y_enc.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    share = np.bincount(y_enc, weights=sw, minlength=n_classes) / np.sum(sw)
    with np.errstate(divide="ignore"):
        logp = np.log(np.maximum(share, np.finfo(np.float64).tiny))
    coef = np.zeros(objective.coef_shape)
    if isinstance(objective, FixedClassLoss):
        coef[:, -1] = logp[objective.free] - logp[objective.fixed]
    else:
        coef[:, -1] = logp - logp.mean()
    return coef


def l1_min_c(X, y, *, sample_weight=None, fit_intercept=True, l1_ratio=1.0, grouped=False):
    """The smallest C for which an L1 / elastic-net fit has a non-zero weight.

    ``SoftmaxRegression(C=C, l1_ratio=l1_ratio)`` fits all weights zero for
    every ``C <= l1_min_c(...)`` and some weight non-zero above it: at zero
    weights and the best intercepts the gradient of the data term is
    ``G = sum_i s_i (p_i - e_{y_i}) x_i^T``, and zero is optimal exactly when
    ``C max |G| <= l1_ratio`` (``max_j ||G[:, j]||_2`` for the grouped
    penalty).  The multinomial counterpart of scikit-learn's
    ``sklearn.svm.l1_min_c`` (binary problems use the binary model, as the
    estimator does).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    l1_ratio : float in (0, 1], default=1.0
    grouped : bool, default=False
        The group penalty across classes (``penalty="group"`` of
        :func:`softmax_ext.solvers.solve`).

    Returns
    -------
    float
        ``np.inf`` when every weight's gradient is zero (no C selects one).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from softmax_ext import SoftmaxRegression, l1_min_c
    >>> X, y = load_iris(return_X_y=True)
    >>> c = l1_min_c(X, y)
    >>> bool((SoftmaxRegression(l1_ratio=1, C=0.99 * c).fit(X, y).coef_ == 0).all())
    True
    """
    if (isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real)
            or not 0 < l1_ratio <= 1):
        raise ValueError(f"l1_ratio must be in (0, 1], got {l1_ratio!r}.")
    if not sp.issparse(X):
        X = check_array(X, dtype=[np.float64, np.float32], order="C",
                        ensure_all_finite=False)
    X = check_design_matrix(X, estimator_name="l1_min_c")
    y = np.asarray(y)
    check_consistent_length(X, y)
    check_classification_targets(y)
    le = LabelEncoder().fit(y)
    classes, y_enc = le.classes_, le.transform(y)
    if classes.shape[0] < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}): there is nothing to fit.")
    sample_weight = fit_sample_weight(sample_weight, None, X, y, y_enc, classes)
    S = weight_sum(sample_weight, X.shape[0])
    obj = build_objective(X, y_enc, sample_weight=sample_weight, l2=0.0,
                          fit_intercept=fit_intercept, n_classes=classes.shape[0])
    coef = (_intercept_only(obj, y_enc, sample_weight, classes.shape[0]) if fit_intercept
            else obj.init_coef())
    G = S * np.asarray(obj.gradient(coef), dtype=np.float64)[:, :X.shape[1]]
    size = np.max(np.linalg.norm(G, axis=0)) if grouped else np.max(np.abs(G), initial=0.0)
    return float(l1_ratio / size) if size > 0 else np.inf


@dataclass
class PathResult:
    """What :func:`softmax_path` returns, one entry per C in the order given.

    Attributes
    ----------
    Cs : ndarray of shape (n_Cs,)
    coefs : ndarray of shape (n_Cs, n_rows, n_features)
        ``coef_`` of each fit (``n_rows`` is 1 for two classes).
    intercepts : ndarray of shape (n_Cs, n_rows)
    n_iter : ndarray of shape (n_Cs,), int
    n_passes_over_X : ndarray of shape (n_Cs,), int
        Each fit's passes over X, its work (``n_passes_over_X_`` of the
        estimator).
    classes : ndarray of shape (n_classes,)
    """

    Cs: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    n_iter: np.ndarray
    n_passes_over_X: np.ndarray
    classes: np.ndarray


def softmax_path(X, y, Cs, *, sample_weight=None, **params):
    """Fit ``SoftmaxRegression`` at every C, warm-started from strong to weak penalty.

    The parameters, X, y and the weights are checked once, as
    ``SoftmaxRegression.fit`` checks them, and one objective serves every C
    (:func:`fit_path`): each fit starts from the previous one's coefficients,
    and an L1 fit from the model (Hessian) the previous one ended with.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    Cs : array-like of positive floats
        Any order; the fits run in increasing C.
    sample_weight : array-like of shape (n_samples,), default=None
    **params
        Any other parameter of :class:`SoftmaxRegression` (``l1_ratio``,
        ``tol``, ``max_iter``, ``fit_intercept``, ``class_weight``,
        ``n_threads``, ...); ``C`` and ``warm_start`` are the path's.

    Returns
    -------
    PathResult

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from softmax_ext import softmax_path
    >>> X, y = load_iris(return_X_y=True)
    >>> path = softmax_path(X, y, [0.01, 0.1, 1.0], l1_ratio=1.0)
    >>> path.coefs.shape, [int((c != 0).sum()) for c in path.coefs]
    ((3, 3, 4), [1, 2, 4])
    """
    for name in ("C", "warm_start"):
        if name in params:
            raise TypeError(f"softmax_path sets {name} itself; do not pass it.")
    Cs = np.asarray(Cs, dtype=np.float64).ravel()
    if Cs.size == 0 or not np.all(np.isfinite(Cs)) or np.any(Cs <= 0):
        raise ValueError(f"Cs must be a non-empty sequence of finite values > 0, got {Cs!r}.")
    # the estimator's own checks, once for the path: its parameters (at the
    # weakest C), X, the labels and the weights
    model = SoftmaxRegression(C=float(Cs.max()), **params)
    model._validate_params()
    C, l1_ratio = effective_penalty(model)
    X, y = model._check_X(X, y, reset=True)
    classes, y_enc = model._encode_labels(y)
    liblinear = model.solver == "liblinear"
    if liblinear:
        check_liblinear_data(X, classes.shape[0])
    sample_weight = fit_sample_weight(sample_weight, model.class_weight, X, y, y_enc, classes)
    with sklearn_convergence_wording(model.solver):
        coefs, n_iter, n_passes = fit_path(
            X, y_enc, classes.shape[0], Cs if np.isfinite(C) else np.full_like(Cs, np.inf),
            sample_weight=sample_weight, l1_ratio=l1_ratio, fit_intercept=model.fit_intercept,
            solver=model.solver, tol=model.tol, max_iter=model.max_iter,
            verbose=model.verbose, n_threads=model.n_threads,
            intercept_scaling=model.intercept_scaling if liblinear else None)
    d = X.shape[1]
    intercepts = (coefs[:, :, d] if model.fit_intercept
                  else np.zeros(coefs.shape[:2], dtype=coefs.dtype))
    return PathResult(Cs=Cs, coefs=np.ascontiguousarray(coefs[:, :, :d]), intercepts=intercepts,
                      n_iter=n_iter.astype(int), n_passes_over_X=n_passes,
                      classes=classes.copy())


def fit_path(X, y_enc, n_classes, Cs, *, sample_weight=None, l1_ratio=0.0,
             fit_intercept=True, solver="auto", tol=1e-4, max_iter=100, verbose=0,
             n_threads=None, coef0=None, intercept_scaling=None):
    """Warm-started fits along ``Cs`` on validated, label-encoded data.

    The fits run in increasing C (strong to weak penalty), each from the
    previous one's coefficients (``coef0``, in the objective's layout, for
    the first); they minimise what ``SoftmaxRegression(C=C,
    l1_ratio=l1_ratio)`` minimises on the same data.  One objective serves
    the whole path: X, y and the weights are bound and checked once, and
    only the penalty's strength changes between fits
    (:func:`~softmax_ext.objective._penalty.set_objective_l2`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), C order, or CSR matrix
        Checked by the caller (``SoftmaxRegression._check_X``); not copied.
    y_enc : ndarray of shape (n_samples,), int
        Codes in ``range(n_classes)``.
    n_classes : int
        At least 2; classes absent from ``y_enc`` still get coefficients.
    Cs : ndarray of shape (n_Cs,), positive (``np.inf``: no penalty)
    sample_weight : ndarray of shape (n_samples,) or None
        Class weights already folded in.
    l1_ratio : float in [0, 1], default=0.0
    fit_intercept, solver, tol, max_iter, verbose, n_threads
        As in :class:`SoftmaxRegression` (``solver="liblinear"`` needs
        ``intercept_scaling``).
    coef0 : ndarray of the objective's coefficient shape, optional
    intercept_scaling : float or None, default=None
        liblinear's objective: the intercept penalised as the weight
        ``b / intercept_scaling`` (:func:`._liblinear.penalise_intercept`).

    Returns
    -------
    coefs : ndarray of shape (n_Cs, n_rows, n_features + fit_intercept)
        scikit-learn's path layout (``coef_`` with ``intercept_`` appended
        as the last column), in the order of ``Cs``; ``n_rows`` is 1 for two
        classes.  X's dtype (float64 for liblinear, as its fits).
    n_iter : ndarray of shape (n_Cs,), int32
    n_passes : ndarray of shape (n_Cs,), int
        Passes over X of each fit (``SolverResult.n_passes_over_X``): the
        work of a fit, where iterations differ in cost (an L1 fit's steps
        that reuse a Hessian make ~2 passes, one that builds it ~10).
    """
    solver = "auto" if solver in ALIASED_SOLVERS else solver
    total = weight_sum(sample_weight, X.shape[0])
    objective = build_objective(X, y_enc, sample_weight=sample_weight, l2=0.0,
                                n_classes=n_classes, fit_intercept=fit_intercept,
                                n_threads=n_threads)
    if intercept_scaling is not None:
        penalise_intercept(objective, intercept_scaling)
    dtype = X.dtype if intercept_scaling is None else np.float64
    coefs = np.empty((len(Cs), objective.coef_shape[0], X.shape[1] + int(fit_intercept)),
                     dtype=dtype)
    n_iter = np.zeros(len(Cs), dtype=np.int32)
    n_passes = np.zeros(len(Cs), dtype=np.int64)
    cache = PathCache()  # a fit's end point (and L1 Hessian), where the next C starts
    for i in np.argsort(Cs, kind="stable"):
        l2, l1 = penalty_strengths(float(Cs[i]), l1_ratio, total)
        set_objective_l2(objective, l2)
        result = solve(objective, coef0, solver=solver, tol=tol, max_iter=max_iter,
                       verbose=verbose, l1=l1, cache=cache)
        _store(coefs[i], objective, result.coef, fit_intercept, l1, Cs[i])
        n_iter[i], n_passes[i] = result.n_iter, result.n_passes_over_X
        coef0 = result.coef
    return coefs, n_iter, n_passes


def _store(out, objective, coef, fit_intercept, l1, C):
    """Write a fit's ``coef_`` | ``intercept_`` into ``out`` (n_rows, n_dof);
    a ValueError for non-finite coefficients."""
    attrs = attributes_from(objective, coef, out.dtype, fit_intercept, l1=l1)
    if not all(np.all(np.isfinite(a)) for a in attrs.values()):
        raise ValueError(
            f"The solver produced non-finite coefficients at C={C!r}: the values "
            "in X are probably too large. Scale X (for example with "
            "sklearn.preprocessing.StandardScaler).")
    out[:, :objective.n_features] = attrs["coef_"]
    if fit_intercept:
        out[:, -1] = attrs["intercept_"]
