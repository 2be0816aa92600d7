"""``SoftmaxRegression``: a drop-in replacement for scikit-learn's ``LogisticRegression``.

The estimator validates input with scikit-learn's utilities, folds class
weights into sample weights exactly as ``LogisticRegression`` does, builds
the objective of :mod:`softmax_ext.objective` with scikit-learn's penalty
scaling (``_penalty_params.l2_from_C``) and hands it to
:func:`softmax_ext.solvers.solve`.  For the same data, ``C``, ``class_weight``
and ``sample_weight`` the fitted coefficients are those of
``LogisticRegression`` (both minimise the same strictly convex function).

Two parametrisations, as in scikit-learn:

- binary problems (two classes) use the binary logistic model: one row of
  coefficients for ``classes_[1]`` against a zero row for ``classes_[0]``
  (:class:`~softmax_ext.objective.FixedClassLoss` with ``fixed=0``), so
  ``coef_`` is (1, n_features) and ``decision_function`` is 1-D;
- three or more classes use the full (symmetric) multinomial model, ``coef_``
  is (n_classes, n_features).
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.callback import CallbackSupportMixin
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._design_matrix import check_design_matrix
from ..objective import FixedClassLoss, build_objective
from ..objective._kernels import linear_scores
from ..scale import out_of_core_objective
from ..solvers import SOLVERS
from ..solvers import solve as _solve
from ..special import log_softmax, softmax
from ._callbacks import FitTasks
from ._coef import attributes_from, warm_start_coef
from ._liblinear import (ALIASED_SOLVERS, check_liblinear_data, penalise_intercept,
                         sklearn_convergence_wording)
from ._penalty_params import effective_penalty, penalty_strengths
from ._sample_weight import fit_sample_weight, weight_sum

__all__ = ["SoftmaxRegression"]

# scikit-learn's solvers that refuse sparse X with int64 indices
INT32_INDEX_SOLVERS = ("liblinear", "sag", "saga")


class SoftmaxRegression(CallbackSupportMixin, LinearClassifierMixin, SparseCoefMixin,
                        BaseEstimator):
    """Softmax (multinomial logistic) regression with an L2 penalty.

    A drop-in replacement for :class:`sklearn.linear_model.LogisticRegression`
    (scikit-learn 1.9, L2 penalty): same objective, same penalty scaling,
    same attributes, so for the same data and ``C`` the coefficients agree
    with scikit-learn's to the solvers' tolerance.  Fitting and prediction
    run on the C/OpenMP kernels of softmax-ext.

    The objective is, with sample weights s (class weights folded in) and
    r = ``l1_ratio``, ``sum_i s_i CE_i / sum(s) + ((1 - r) ||W||^2 / 2 +
    r ||W||_1) / (C sum(s))``; the intercepts are not penalised.

    The constructor is ``LogisticRegression``'s (scikit-learn 1.9) plus
    ``n_threads``; its parameters mean what they mean there.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"} or None, default="deprecated"
        Deprecated in scikit-learn 1.8, with the same FutureWarning here:
        ``"l2"`` is ``l1_ratio=0``, ``"l1"`` is ``l1_ratio=1``,
        ``"elasticnet"`` uses ``l1_ratio``, None is ``C=np.inf``.
    C : float, default=1.0
        Inverse of the penalty strength, > 0; ``np.inf`` fits without penalty.
    l1_ratio : float in [0, 1], default=0.0
        The L1 share of the penalty: the objective is
        ``C sum_i s_i CE_i + (1 - l1_ratio) ||W||^2 / 2 + l1_ratio ||W||_1``
        (scikit-learn's).  With ``l1_ratio > 0`` the fit runs proximal Newton
        with working sets (``softmax_ext.solvers.prox_newton``) whatever the
        solver named, as long as scikit-learn accepts that solver with an L1
        penalty (``"saga"``; ``"auto"`` here); ``tol`` then bounds the
        minimum-norm subgradient of that objective divided by ``C sum(s)``.
    dual : bool, default=False
        True only with ``solver="liblinear"`` and the L2 penalty, as in
        scikit-learn; the dual has the primal's optimum, which is fitted.
    tol : float, default=1e-4
        Stopping tolerance of the solver (on the largest gradient entry).
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept per class.
    intercept_scaling : float, default=1
        ``solver="liblinear"`` only: the intercept is penalised as the weight
        ``b / intercept_scaling`` of a synthetic feature (liblinear's
        objective, fitted without adding a column to X).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``; ``"balanced"`` uses
        ``n_samples / (n_classes * bincount(y))`` (weighted by sample_weight).
        They multiply the sample weights.
    random_state : int, RandomState instance or None, default=None
        Accepted for scikit-learn's stochastic solvers; every solver here is
        deterministic, so it changes nothing.
    solver : {"auto", "lbfgs", "newton-cholesky", "newton-cg", "gd", "prox-newton", "sag", \
            "saga", "liblinear"}, default="auto"
        Optimisation algorithm; ``"auto"`` picks one from the problem's shape.
        "lbfgs" and "newton-cg" precondition where it pays (correlated dense
        features, uncentred columns, uneven column norms; see
        ``softmax_ext.solvers._precondition``); the fitted coefficients are
        the same either way.  "sag" and "saga" (scikit-learn's stochastic
        solvers) fit the same optimum with the solver "auto" picks.
        "liblinear" fits liblinear's objective (binary only, the intercept
        penalised through ``intercept_scaling``, float64 ``coef_``) with the
        solver "auto" picks; see docs/dropin.md.
        "prox-newton" (proximal Newton with working sets) is what every L1 /
        elastic-net fit runs; for the L2 penalty it is a Newton method on the
        explicit Hessian of a working set of features.
    max_iter : int, default=100
        Maximum number of solver iterations.
    verbose : int, default=0
        Verbosity of the solver: 1 prints its table on stdout, a row per
        iteration (loss, max|grad|, step, passes over X, seconds) and a stop
        line.  The rows and the callbacks of ``set_callbacks`` come from the
        same per-iteration event, so they show the same iterations and the
        same stop; verbose adds no hook or task to what a callback sees.
    warm_start : bool, default=False
        Start from the previous fit's coefficients.
    n_jobs : int or None, default=None
        Has no effect, as in scikit-learn 1.8+ (the same FutureWarning when
        set); threads are ``n_threads``.
    n_threads : int or None, default=None
        OpenMP threads for fitting and predicting; None uses every usable
        core, a negative number counts back from all (-1: all).  Results do
        not depend on it beyond rounding.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row (for ``classes_[1]``) in the binary case.
        float32 when X was float32, else float64.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``).
    n_iter_ : ndarray of shape (1,), int32
        Iterations the solver ran.
    n_passes_over_X_ : int
        Passes the fit made over X (forward or backward products; line-search
        trials make none).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X has string column names.

    Methods ``sparsify()`` / ``densify()`` convert ``coef_`` to and from CSR
    as in ``LogisticRegression``.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : the reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from softmax_ext.linear_model import SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegression(max_iter=1000).fit(X, y)
    >>> clf.predict(X[:2])
    array([0, 0])
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        # LogisticRegression's own constraints, so that errors read the same
        **{k: v for k, v in LogisticRegression._parameter_constraints.items()
           if k != "solver"},
        "solver": [StrOptions(set(SOLVERS + ALIASED_SOLVERS))],
        "n_threads": [
            None,
            Interval(numbers.Integral, None, -1, closed="right"),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
    }

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False, tol=1e-4,
                 fit_intercept=True, intercept_scaling=1, class_weight=None,
                 random_state=None, solver="auto", max_iter=100, verbose=0, warm_start=False,
                 n_jobs=None, n_threads=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.  float32 stays float32 (and so do ``coef_`` and
            ``intercept_``); other numeric dtypes become float64.  Sparse
            input is used as CSR, never densified.
        y : array-like of shape (n_samples,)
            Class labels: any sortable labels (strings, integers, ...), at
            least two distinct.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative finite weights; None gives every sample weight 1.

        Returns
        -------
        self : SoftmaxRegression

        Notes
        -----
        A fit that raises leaves a previously fitted model as it was
        (``validate_data`` records ``n_features_in_`` before the checks that
        can fail, which would otherwise leave it inconsistent with ``coef_``).
        """
        fitted = {k: v for k, v in vars(self).items() if k.endswith("_")}
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            for key in [k for k in vars(self) if k.endswith("_")]:
                delattr(self, key)
            vars(self).update(fitted)
            raise

    def _check_X(self, X, y="no_validation", *, reset):
        """scikit-learn's ``validate_data`` (feature names, ``n_features_in_``,
        dtype, C order), then the checks the kernels rely on
        (``_design_matrix``): finite values, a sound sparse structure.

        Sparse X is checked before ``validate_data`` sees it: scipy's format
        conversions index with the structure they are given.
        """
        name = type(self).__name__
        if sp.issparse(X):
            X = check_design_matrix(X, estimator_name=name)
        out = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                            order="C", accept_large_sparse=self.solver not in INT32_INDEX_SOLVERS,
                            ensure_all_finite=False, reset=reset)
        no_y = isinstance(y, str) and y == "no_validation"
        X = out if no_y else out[0]
        if not sp.issparse(X):
            X = check_design_matrix(X, estimator_name=name)
        return X if no_y else (X, out[1])

    def _fit(self, X, y, sample_weight):
        """The steps of a fit: validate, encode labels and weights, build the
        objective, solve, set the attributes (``fit`` restores a failed one)."""
        C, l1_ratio = effective_penalty(self)
        X, y = self._check_X(X, y, reset=True)
        classes, y_enc = self._encode_labels(y)
        if self.solver == "liblinear":
            check_liblinear_data(X, classes.shape[0])
        sample_weight = fit_sample_weight(sample_weight, self.class_weight, X, y, y_enc,
                                          classes)
        l2, l1 = penalty_strengths(C, l1_ratio, weight_sum(sample_weight, X.shape[0]))
        n_classes, n_features = classes.shape[0], X.shape[1]
        coef0 = warm_start_coef(self, n_classes, n_features) if self.warm_start else None
        objective = self._objective(X, y_enc, sample_weight, l2, n_classes, l1)
        if self.solver == "liblinear":
            penalise_intercept(objective, self.intercept_scaling)
        self.classes_ = classes  # the callbacks' fitted_estimator copies predict with it
        tasks = self._callback_tasks(objective, coef0, X, y, sample_weight, l1)
        solver = "auto" if self.solver in ALIASED_SOLVERS else self.solver
        with sklearn_convergence_wording(self.solver):
            result = _solve(objective, coef0, solver=solver, tol=self.tol,
                            max_iter=self.max_iter, verbose=self.verbose, callback=tasks, l1=l1)
        # liblinear returns float64 coefficients whatever X's dtype, as here
        dtype = np.float64 if self.solver == "liblinear" else X.dtype
        self._set_attributes(objective, result, dtype, l1)
        if tasks is not None:
            tasks.finish()
        return self

    def _encode_labels(self, y):
        """``classes_`` (sorted labels, at least two) and the codes of y into them."""
        check_classification_targets(y)
        le = LabelEncoder().fit(y)
        classes = le.classes_
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}"
            )
        return classes, le.transform(y)

    def _objective(self, X, y_enc, sample_weight, l2, n_classes, l1=0.0):
        """The objective the solver minimises: the binary logistic model (class 0
        fixed at zero, on the binary kernels) for two classes, the symmetric
        multinomial one above; over row blocks for a memory-mapped X
        (``scale/``, docs/scale.md: two classes there hold class 0 fixed on
        the blocked multinomial kernels)."""
        blocked = out_of_core_objective(
            X, y_enc, sample_weight, l2=l2, fit_intercept=self.fit_intercept,
            n_classes=n_classes, n_threads=self.n_threads,
            l1=l1 > 0.0 or self.solver == "prox-newton",
        )
        if blocked is not None:
            return FixedClassLoss(blocked, fixed=0) if n_classes == 2 else blocked
        return build_objective(X, y_enc, sample_weight=sample_weight, l2=l2,
                               fit_intercept=self.fit_intercept, n_classes=n_classes,
                               n_threads=self.n_threads)

    def _callback_tasks(self, objective, coef0, X, y, sample_weight, l1):
        """scikit-learn's callback tasks of this fit, begun; None without callbacks."""
        # no callbacks set here or propagated from a meta-estimator: no tasks
        # (they would copy the coefficients at every iteration)
        if not (getattr(self, "_skl_callbacks", None) or hasattr(self, "_parent_callback_ctx")):
            return None

        def attributes(coef):
            return attributes_from(objective, coef, X.dtype, self.fit_intercept, l1=l1)

        tasks = FitTasks(self, X, y, sample_weight, self.max_iter, attributes)
        tasks.start(objective.init_coef() if coef0 is None else coef0)
        return tasks

    def _set_attributes(self, objective, result, dtype, l1=0.0):
        """``coef_``, ``intercept_``, ``n_iter_`` and ``n_passes_over_X_`` from a
        solver's result; a ValueError (nothing set) when it is not finite."""
        attrs = attributes_from(objective, result.coef, dtype, self.fit_intercept, l1=l1)
        if not all(np.all(np.isfinite(a)) for a in attrs.values()):
            raise ValueError(
                "The solver produced non-finite coefficients: the values in X are "
                "probably too large for the objective to be evaluated. Scale X (for "
                "example with sklearn.preprocessing.StandardScaler)."
            )
        vars(self).update(attrs)
        self.n_iter_ = np.asarray([result.n_iter], dtype=np.int32)
        self.n_passes_over_X_ = int(result.n_passes_over_X)

    # ------------------------------------------------------------- predict
    def decision_function(self, X):
        """Scores ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (score of ``classes_[1]``),
        else (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._scores(self._check_X(X, reset=False))

    def _scores(self, X):
        """``decision_function`` of an X already validated (``_check_X``).

        By the scores kernel (one pass over X in row blocks, its OpenMP threads,
        ``n_threads``) where ``coef_`` is a dense array of X's dtype and shape;
        otherwise (a sparsified ``coef_``, another dtype, whose product
        scikit-learn's promotes) by BLAS, as scikit-learn computes it.
        """
        coef, intercept = self.coef_, np.asarray(self.intercept_)
        if (isinstance(coef, np.ndarray) and coef.dtype == X.dtype and coef.ndim == 2
                and coef.shape[1] == X.shape[1] and intercept.shape == coef.shape[:1]):
            scores = linear_scores(X, np.hstack([coef, intercept[:, None].astype(coef.dtype)]),
                                   n_threads=self.n_threads)
        else:
            scores = safe_sparse_dot(X, coef.T, dense_output=True) + intercept
        return scores.ravel() if scores.shape[1] == 1 else scores

    def _full_scores(self, X):
        """(n_samples, n_classes) scores, with a zero column for classes_[0] if binary."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            full = np.zeros((scores.shape[0], 2), dtype=scores.dtype)
            full[:, 1] = scores
            return full
        return scores

    def predict_proba(self, X):
        """Class probabilities, the softmax of the scores (logistic for two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return softmax(self._full_scores(X), n_threads=self.n_threads)

    def predict_log_proba(self, X):
        """Log of the class probabilities, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return log_softmax(self._full_scores(X), n_threads=self.n_threads)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            indices = (scores > 0).astype(np.intp)
        else:
            indices = scores.argmax(axis=1)
        return self.classes_[indices]

    def inference(self, X, y, sample_weight=None, *, reference=0, cov_type="nonrobust"):
        """Standard errors, z-scores, p-values and likelihoods of the fitted model.

        Results are in the reference-class parametrisation of statsmodels'
        ``MNLogit``: class ``classes_[reference]`` is the baseline and each
        other class's coefficients are relative to it.  With ``C=np.inf`` the
        covariance is the classical maximum-likelihood one (inverse observed
        information); with a finite ``C`` it is the inverse of the penalised
        Hessian (the posterior covariance under the Gaussian prior that the
        penalty implies), see :func:`softmax_ext.inference.multinomial_inference`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data the model was fitted on.
        y : array-like of shape (n_samples,)
            Its labels (values from ``classes_``).
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights.  ``class_weight`` is not applied here: pass
            the weights the inference should count.
        reference : int, default=0
            Index into ``classes_`` of the baseline class.
        cov_type : {"nonrobust", "HC0"}, default="nonrobust"
            Inverse (penalised) information, or the HC0 sandwich.

        Returns
        -------
        InferenceResult
            ``params``, ``bse``, ``zvalues``, ``pvalues`` of shape
            (n_features [+1], n_classes - 1), float64, intercept last.

        Examples
        --------
        >>> import numpy as np
        >>> from softmax_ext import SoftmaxRegression
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(300, 2))
        >>> y = (X[:, 0] + rng.logistic(size=300) > 0).astype(int)
        >>> res = SoftmaxRegression(C=np.inf).fit(X, y).inference(X, y)
        >>> res.params.shape
        (3, 1)
        """
        from ..inference import multinomial_inference

        check_is_fitted(self)
        C, l1_ratio = effective_penalty(self, warn=False)
        if l1_ratio > 0:
            raise ValueError(
                f"inference is defined for the L2 penalty only, but this model was fitted "
                f"with l1_ratio={self.l1_ratio!r}: the L1 term has no curvature, so the "
                "covariance of its estimates is not the inverse penalised information. "
                "Refit with l1_ratio=0 (or C=np.inf) on the selected features.")
        X = self._check_X(X, reset=False)
        coef = self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_
        return multinomial_inference(
            X, y, coef, self.intercept_ if self.fit_intercept else None,
            classes=self.classes_, sample_weight=sample_weight, C=C,
            fit_intercept=self.fit_intercept, reference=reference, cov_type=cov_type,
            n_threads=self.n_threads, feature_names=getattr(self, "feature_names_in_", None),
        )
