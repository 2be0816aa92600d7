"""``SoftmaxRegressionCV``: a drop-in replacement for scikit-learn's ``LogisticRegressionCV``.

scikit-learn 1.9's semantics, step by step: the same reading of ``penalty``
/ ``l1_ratios`` / ``scoring`` / ``use_legacy_attributes`` (its warnings and
errors), the same folds (``check_cv`` with stratification), the same grid
(``Cs=10`` is ``np.logspace(-4, 4, 10)``), the same scores (accuracy unless
``scoring`` names a scorer, through ``get_scorer``), the same choice of the
best ``(C, l1_ratio)`` and the same fitted attributes and shapes.

What differs is how the grid is fitted: each fold runs one warm-started
path per ``l1_ratio`` (:func:`._path.fit_path`, strong to weak penalty, the
L1 working sets of proximal Newton starting at the previous support), the
folds run in parallel threads (the kernels release the GIL) with
``n_threads // n_jobs`` kernel threads each and BLAS bounded by
threadpoolctl, and the refit starts from the mean of the folds' best
coefficients, as scikit-learn's does.
"""

import inspect
import numbers
import warnings

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import _fit_context
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import get_scorer, make_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, metadata_routing
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (_check_method_params, _deprecate_positional_args,
                                      check_is_fitted)
from threadpoolctl import threadpool_limits

from .._design_matrix import check_design_matrix
from .._threads import effective_n_threads
from ._path import fit_path
from ._sample_weight import fit_sample_weight
from ._liblinear import ALIASED_SOLVERS, check_liblinear_data, sklearn_convergence_wording
from ._penalty_params import _check_liblinear_penalty
from ._softmax_regression import SoftmaxRegression
from ..solvers import SOLVERS

__all__ = ["SoftmaxRegressionCV"]

# The solvers that minimise an L1 / elastic-net objective (scikit-learn: saga).
L1_SOLVERS = ("auto", "saga", "prox-newton")


def _read_l1_ratios(est):
    """``l1_ratios`` after 1.9's default warning: None stands for the legacy default."""
    if isinstance(est.l1_ratios, str) and est.l1_ratios == "warn":
        warnings.warn(
            "The default value for l1_ratios will change from None to (0.0,) in version "
            "1.10. From version 1.10 onwards, only array-like with values in [0, 1] will "
            "be allowed, None will be forbidden. To avoid this warning, explicitly set a "
            "value, e.g. l1_ratios=(0,).", FutureWarning)
        return None
    return est.l1_ratios


def _read_penalty(est, l1_ratios):
    """The penalty 1.9 reads from ``penalty`` and ``l1_ratios`` (its FutureWarnings)."""
    if est.penalty != "deprecated":
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To avoid "
            "this warning, leave 'penalty' set to its default value and use 'l1_ratios' "
            "and 'Cs' instead. Use l1_ratios=(0,) instead of penalty='l2', l1_ratios=(1,) "
            "instead of penalty='l1', l1_ratios set to floats between 0 and 1 instead of "
            "penalty='elasticnet', and Cs=(np.inf,) instead of penalty=None.",
            FutureWarning)
        return est.penalty
    if est.l1_ratios is None:
        warnings.warn(
            "'l1_ratios=None' was deprecated in version 1.8 and will trigger an error in "
            "1.10. Use an array-like with valuesin [0, 1] instead.", FutureWarning)
    if l1_ratios is None or np.all(np.asarray(l1_ratios) == 0):
        return "l2"
    return "l1" if np.all(np.asarray(l1_ratios) == 1) else "elasticnet"


def _read_legacy(est):
    """``use_legacy_attributes`` after 1.9's transition warning."""
    if isinstance(est.use_legacy_attributes, str):
        name = type(est).__name__
        warnings.warn(
            f"The fitted attributes of {name} will be simplified in scikit-learn 1.10 to "
            "remove redundancy. Set`use_legacy_attributes=False` to enable the new "
            "behavior now, or set it to `True` to silence this warning during the "
            "transition period while keeping the deprecated behavior for the time being. "
            "The default value of use_legacy_attributes will change from True to False in "
            f"scikit-learn 1.10. See the docstring of {name} for more details.",
            FutureWarning)
        return True
    return bool(est.use_legacy_attributes)


def _check_solver(solver, penalty, dual):
    """scikit-learn's ``_check_solver`` errors, with our L1 solvers in saga's
    place and liblinear's refusals (``_check_liblinear_penalty``)."""
    if solver not in L1_SOLVERS + ("liblinear",) and penalty not in ("l2", None):
        raise ValueError(f"Solver {solver} supports only 'l2' or None penalties, got "
                         f"{penalty} penalty.")
    if dual and solver != "liblinear":
        raise ValueError(f"Solver {solver} supports only dual=False, got dual={dual}")
    if solver == "liblinear":
        _check_liblinear_penalty(penalty, dual)
    elif penalty == "elasticnet" and solver not in L1_SOLVERS:
        raise ValueError("Only 'saga' solver supports elasticnet penalty, got "
                         f"solver={solver}.")


def _grid_l1_ratios(est, penalty, l1_ratios):
    """``l1_ratios_`` (the grid; ``[None]`` for the legacy default) as 1.9 builds it."""
    if penalty == "elasticnet":
        if (l1_ratios is None or len(l1_ratios) == 0
                or any(not isinstance(r, numbers.Number) or r < 0 or r > 1
                       for r in l1_ratios)):
            raise ValueError("l1_ratios must be an array-like of numbers between 0 and 1; "
                             "got (l1_ratios=%r)" % (l1_ratios,))
        return list(l1_ratios)
    if l1_ratios is not None and est.penalty != "deprecated":
        warnings.warn("l1_ratios parameter is only used when penalty is 'elasticnet'. "
                      f"Got (penalty={penalty})")
    return [None] if l1_ratios is None else list(l1_ratios)


def _fit_ratio(penalty, l1_ratio):
    """The L1 share a fit uses: the penalty's, or the grid's for elastic-net."""
    return {"l1": 1.0, "l2": 0.0}.get(penalty, l1_ratio)


def _grid_Cs(Cs):
    """``Cs_``: ``np.logspace(-4, 4, Cs)`` for an int, else the values, checked > 0."""
    if isinstance(Cs, numbers.Integral):
        return np.logspace(-4, 4, Cs)
    grid = np.asarray(Cs, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(np.isnan(grid)) or np.any(grid <= 0):
        raise ValueError(f"Cs must be an int >= 1 or a non-empty array-like of values > 0 "
                         f"(np.inf: no penalty), got {Cs!r}.")
    return grid


def _fold_scorer(scoring, classes):
    """The fold's score function ``f(est, X_test, y_test, sw_test, params)``, as
    ``_log_reg_scoring_path`` builds it: ``est.score`` (accuracy) for None, else
    the scorer, given every class as ``labels`` when its metric takes them."""
    if scoring is None:
        return lambda est, X, y, sw, params: _accuracy(est, X, y, sw)
    scorer = get_scorer(scoring)
    if scoring == "accuracy":
        return lambda est, X, y, sw, params: (
            _accuracy(est, X, y, params.get("sample_weight"))
            if set(params) <= {"sample_weight"} else scorer(est, X, y, **params))
    sig = inspect.signature(scorer._score_func).parameters if hasattr(
        scorer, "_score_func") else {}
    if "labels" in sig:
        extra = {"pos_label": classes[-1]} if len(classes) <= 2 and "pos_label" in sig else {}
        scorer = make_scorer(scorer._score_func, greater_is_better=scorer._sign == 1,
                             response_method=scorer._response_method, labels=classes,
                             **extra, **getattr(scorer, "_kwargs", {}))
    return lambda est, X, y, sw, params: scorer(est, X, y, **params)


def _accuracy(est, X, y, sample_weight):
    """The (weighted) share of correct predictions, what ``accuracy_score``
    returns, without its checks of y on every one of the grid's scores (y is
    the fold's rows of the validated labels)."""
    return float(np.average(est.predict(X) == y, weights=sample_weight))


def _fold_paths(X, y, y_enc, classes, train, test, *, fit_sw, score_sw, score_params,
                Cs, ratios, scorer, path_params):
    """One fold: a warm-started path per l1_ratio on the train rows, each fit
    scored on the test rows.

    Returns
    -------
    coefs : ndarray of shape (n_l1_ratios, n_Cs, n_rows, n_dof)
    scores : ndarray of shape (n_l1_ratios, n_Cs)
    n_iter : ndarray of shape (n_l1_ratios, n_Cs)
    """
    X_train, X_test = X[train], X[test]  # the fold's rows: the one copy of a fold
    sw_train = None if fit_sw is None else fit_sw[train]
    sw_test = None if score_sw is None else score_sw[test]
    params = _check_method_params(X=X, params=score_params or {}, indices=test)
    est = _FoldModel(n_threads=path_params["n_threads"])
    est.classes_ = classes
    X_test = est.hold_test_rows(X_test)
    coefs, scores, n_iter = [], [], []
    for ratio in ratios:
        w, it, _ = fit_path(X_train, y_enc[train], len(classes), Cs, sample_weight=sw_train,
                         l1_ratio=ratio, **path_params)
        fold_scores = []
        for wc in w:
            est.coef_, est.intercept_ = _split(wc, path_params["fit_intercept"])
            fold_scores.append(scorer(est, X_test, y[test], sw_test, params))
        coefs.append(w)
        scores.append(fold_scores)
        n_iter.append(it)
    return np.stack(coefs), np.asarray(scores, dtype=np.float64), np.stack(n_iter)


class _FoldModel(SoftmaxRegression):
    """A fold's fits as its scorer sees them: the fold's test rows validated
    once (:meth:`hold_test_rows`) rather than at each of the grid's scores;
    other X as the estimator scores it."""

    def hold_test_rows(self, X_test):
        """Validate the test rows once for the kernels; returns them, to be scored."""
        self._test_rows = check_design_matrix(X_test)
        return self._test_rows

    def decision_function(self, X):
        if X is not getattr(self, "_test_rows", None):
            return super().decision_function(X)
        check_is_fitted(self)
        return self._scores(X)


def _split(w, fit_intercept):
    """``coef_`` and ``intercept_`` of a path entry (n_rows, n_dof)."""
    if fit_intercept:
        return np.ascontiguousarray(w[:, :-1]), w[:, -1].copy()
    return w, np.zeros(w.shape[0], dtype=w.dtype)


class SoftmaxRegressionCV(SoftmaxRegression):
    """Softmax regression with C (and l1_ratio) chosen by cross-validation.

    A drop-in replacement for :class:`sklearn.linear_model.LogisticRegressionCV`
    (scikit-learn 1.9): the same constructor (plus ``n_threads``), the same
    folds, grid, scores, choice of the best parameters and fitted attributes,
    so ``C_``, ``l1_ratio_`` and ``scores_`` agree with scikit-learn's to the
    solvers' tolerance.  Each fold fits one warm-started path per
    ``l1_ratio`` (strong to weak penalty); folds run in parallel threads.

    Parameters
    ----------
    Cs : int or array-like of floats, default=10
        The grid of C: an int n is ``np.logspace(-4, 4, n)``.
    l1_ratios : array-like of floats in [0, 1] or None, default="warn"
        The grid of l1_ratio; the default is the deprecated None (L2 only,
        no l1_ratio axis in the legacy attributes) with 1.9's FutureWarning.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: None is 5 folds, stratified (``check_cv``).
    dual : bool, default=False
        Only False.
    penalty : {"l1", "l2", "elasticnet"}, default="deprecated"
        Deprecated as in 1.9 (use ``l1_ratios``).
    scoring : str, callable or None, default="warn"
        A scorer name or callable; None (and the default, with 1.9's
        FutureWarning) is accuracy.
    solver : {"auto", "lbfgs", "newton-cholesky", "newton-cg", "gd", "prox-newton", \
            "sag", "saga", "liblinear"}, default="auto"
        As in :class:`SoftmaxRegression`; L1 / elastic-net grids need "auto",
        "prox-newton" or "saga" (which fit with proximal Newton), or
        "liblinear" for L1 (its objective, see ``intercept_scaling``).
    tol : float, default=1e-4
    max_iter : int, default=100
        Per fit of the path.
    class_weight : dict, "balanced" or None, default=None
        "balanced" weights come from the whole data, as in scikit-learn.
    n_jobs : int or None, default=None
        Folds fitted at the same time (threads); None is 1.
    verbose : int, default=0
    refit : bool, default=True
        True: refit on all the data at the best (C, l1_ratio) of the mean
        fold score; False: average the folds' coefficients (and C, l1_ratio)
        at each fold's best, as scikit-learn does.
    intercept_scaling : float, default=1.0
        ``solver="liblinear"`` only: the intercept is penalised as the weight
        ``b / intercept_scaling`` of a synthetic feature, liblinear's
        objective (binary problems only, float64 coefficients), as in
        :class:`SoftmaxRegression`.
    random_state : int, RandomState or None, default=None
        Accepted and unused: the solvers are deterministic (the folds come
        from ``cv``).
    use_legacy_attributes : bool, default="warn"
        1.9's transition: True (the default, with a FutureWarning) gives the
        legacy dict attributes, False the arrays.
    n_threads : int or None, default=None
        OpenMP threads in all; each of the ``n_jobs`` concurrent folds gets
        ``n_threads // n_jobs``.  Results do not depend on either.

    Attributes
    ----------
    classes_, coef_, intercept_, n_features_in_, feature_names_in_
        As in :class:`SoftmaxRegression`.
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        ``[None]`` for the legacy default.
    C_, l1_ratio_ : ndarray of shape (n_classes,) or (1,), or float
        The chosen values (arrays repeated per class in the legacy layout).
    coefs_paths_, scores_, n_iter_ : dict or ndarray
        scikit-learn 1.9's layouts (``n_iter_`` counts a fit whose warm
        start already met ``tol`` as one iteration); with
        ``use_legacy_attributes=False`` ``coefs_paths_`` is (n_folds, n_l1_ratios, n_cs, n_rows, n_dof),
        ``scores_`` and ``n_iter_`` are (n_folds, n_l1_ratios, n_cs).

    See Also
    --------
    sklearn.linear_model.LogisticRegressionCV : the reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from softmax_ext import SoftmaxRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegressionCV(Cs=4, l1_ratios=(0,), scoring="accuracy",
    ...                           use_legacy_attributes=False).fit(X, y)
    >>> clf.scores_.shape, clf.predict(X[:2])
    ((5, 1, 4), array([0, 0]))
    """

    __metadata_request__score = {"sample_weight": metadata_routing.UNUSED}
    _parameter_constraints: dict = {
        **{k: v for k, v in LogisticRegressionCV._parameter_constraints.items()
           if k != "solver"},
        "solver": [StrOptions(set(SOLVERS + ALIASED_SOLVERS))],
        "n_threads": SoftmaxRegression._parameter_constraints["n_threads"],
    }

    def __init__(self, *, Cs=10, l1_ratios="warn", fit_intercept=True, cv=None, dual=False,
                 penalty="deprecated", scoring="warn", solver="auto", tol=1e-4,
                 max_iter=100, class_weight=None, n_jobs=None, verbose=0, refit=True,
                 intercept_scaling=1.0, random_state=None, use_legacy_attributes="warn",
                 n_threads=None):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.n_threads = n_threads

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model over the grid, choose (C, l1_ratio), refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 stays float32, sparse stays CSR.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Used in the fits and (as scikit-learn does) in the fold scores.
        **params : dict
            Routed to the splitter (``groups``) and the scorer, as in
            scikit-learn (metadata routing, or ``groups`` without it).

        Returns
        -------
        self : SoftmaxRegressionCV
        """
        _raise_for_params(params, self, "fit")
        l1_ratios = _read_l1_ratios(self)
        penalty = _read_penalty(self, l1_ratios)
        scoring = self.scoring
        if isinstance(scoring, str) and scoring == "warn":
            warnings.warn(
                "The default value of the parameter 'scoring' will change from None, i.e. "
                "accuracy, to 'neg_log_loss' in version 1.11. To silence this warning, "
                "explicitly set the scoring parameter: scoring='neg_log_loss' for the new, "
                "scoring='accuracy' or scoring=None for the old default.", FutureWarning)
            scoring = None
        legacy = _read_legacy(self)
        _check_solver(self.solver, penalty, self.dual)
        ratios = _grid_l1_ratios(self, penalty, l1_ratios)
        Cs = _grid_Cs(self.Cs)
        X, y = self._check_X(X, y, reset=True)
        classes, y_enc = self._encode_cv_labels(y)
        if self.solver == "liblinear":
            check_liblinear_data(X, len(classes))
        routed = self._route_fit(sample_weight, params)
        folds = list(check_cv(self.cv, y, classifier=True).split(
            X, y, **routed.splitter.split))
        fit_sw = fit_sample_weight(sample_weight, self._class_weight(classes, y, sample_weight),
                                   X, y, y_enc, classes)
        score_sw = None if sample_weight is None else fit_sample_weight(
            sample_weight, None, X, y, y_enc, classes)
        with sklearn_convergence_wording(self.solver):
            coefs, scores, n_iter = self._run_folds(
                X, y, y_enc, classes, folds, fit_sw=fit_sw, score_sw=score_sw,
                score_params=routed.scorer.score, Cs=Cs,
                ratios=[_fit_ratio(penalty, r) for r in ratios], scoring=scoring)
            best = self._choose(X, y_enc, classes, fit_sw, coefs, scores, Cs, ratios, penalty)
        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray(ratios)
        self._set_cv_attributes(coefs, scores, n_iter, best, l1_ratios, penalty, legacy)
        return self

    def _encode_cv_labels(self, y):
        """``classes_`` and the codes of y; 1.9's error for a single class."""
        from sklearn.preprocessing import LabelEncoder
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        le = LabelEncoder().fit(y)
        self.classes_ = le.classes_
        if len(self.classes_) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, "
                             "but the data contains only one class: "
                             f"{self.classes_[0]}.")
        return le.classes_, le.transform(y)

    def _class_weight(self, classes, y, sample_weight):
        """The class weights of every fold: a dict checked against the classes,
        "balanced" computed once on the whole data (scikit-learn's rule)."""
        from sklearn.utils import compute_class_weight

        cw = self.class_weight
        if isinstance(cw, dict):
            if not set(cw.keys()) <= set(classes):
                raise ValueError("The given class_weight dict must have the class labels as "
                                 f"keys; classes={classes} but key={cw.keys()}")
        elif cw == "balanced":
            cw = dict(zip(classes, compute_class_weight(
                "balanced", classes=classes, y=y, sample_weight=sample_weight)))
        return cw

    def _route_fit(self, sample_weight, params):
        """The splitter's and the scorer's parameters, routed as 1.9 routes them."""
        if _routing_enabled():
            return process_routing(self, "fit", sample_weight=sample_weight, **params)
        score_kwargs = dict(params)
        if sample_weight is not None:
            score_kwargs["sample_weight"] = sample_weight
        # process_routing's shape built by hand, as LogisticRegressionCV does
        # (scikit-learn 1.9.1's private _manual_routing is absent from 1.9.0)
        return Bunch(splitter=Bunch(split={}), scorer=Bunch(score=score_kwargs))

    def _path_params(self, n_threads):
        """What every :func:`fit_path` of the fit shares; liblinear's objective
        (the intercept penalised through ``intercept_scaling``) for its name."""
        scaling = self.intercept_scaling if self.solver == "liblinear" else None
        return dict(fit_intercept=self.fit_intercept, solver=self.solver, tol=self.tol,
                    max_iter=self.max_iter, verbose=max(0, self.verbose - 1),
                    n_threads=n_threads, intercept_scaling=scaling)

    def _run_folds(self, X, y, y_enc, classes, folds, *, Cs, ratios, scoring, **fold_args):
        """Every fold's paths, ``n_jobs`` folds at a time in threads.

        Returns coefs (n_folds, n_l1_ratios, n_cs, n_rows, n_dof), scores and
        n_iter (n_folds, n_l1_ratios, n_cs).
        """
        n_jobs = max(1, min(effective_n_jobs(self.n_jobs), len(folds)))
        threads = max(1, effective_n_threads(self.n_threads) // n_jobs)
        path_params = self._path_params(threads)
        scorer = _fold_scorer(scoring, classes)
        # the kernels release the GIL: threads share X; BLAS (vector algebra
        # and scikit-learn's scorers) stays within each job's share
        with threadpool_limits(limits=threads, user_api="blas"):
            out = Parallel(n_jobs=n_jobs, verbose=self.verbose, prefer="threads")(
                delayed(_fold_paths)(X, y, y_enc, classes, train, test, Cs=Cs, ratios=ratios,
                                     scorer=scorer, path_params=path_params, **fold_args)
                for train, test in folds)
        coefs, scores, n_iter = zip(*out)
        # a warm start that already meets tol takes no solver iteration; its
        # check of the start (a pass over X) counts as one, so that n_iter_
        # >= 1 as scikit-learn's estimator checks require
        return np.stack(coefs), np.stack(scores), np.maximum(np.stack(n_iter), 1)

    def _choose(self, X, y_enc, classes, fit_sw, coefs, scores, Cs, ratios, penalty):
        """The best (C, l1_ratio) and the coefficients there, as 1.9 chooses them.

        ``refit=True``: the best mean score over the folds (ties: the first C,
        then the first l1_ratio), refitted on all the data from the mean of
        the folds' coefficients there.  ``refit=False``: each fold's best,
        coefficients, C and l1_ratio averaged over the folds.
        """
        by_c = np.swapaxes(scores, 1, 2)  # (n_folds, n_cs, n_l1): scikit-learn's order
        n_folds, n_cs, n_l1 = by_c.shape
        if self.refit:
            ci, li = np.unravel_index(np.argmax(by_c.sum(axis=0)), (n_cs, n_l1))
            C, ratio = Cs[ci], ratios[li]
            w, _, _ = fit_path(X, y_enc, len(classes), np.asarray([C]), sample_weight=fit_sw,
                            l1_ratio=_fit_ratio(penalty, ratio),
                            coef0=np.mean(coefs[:, li, ci], axis=0, dtype=np.float64),
                            **self._path_params(self.n_threads))
            return C, ratio, w[0]
        ci, li = np.unravel_index(np.argmax(by_c.reshape(n_folds, -1), axis=1), (n_cs, n_l1))
        w = np.mean([coefs[f, li[f], ci[f]] for f in range(n_folds)], axis=0)
        ratio = (np.mean(np.asarray(ratios, dtype=np.float64)[li])
                 if penalty == "elasticnet" else 0.0)
        return np.mean(Cs[ci]), ratio, w.astype(coefs.dtype, copy=False)

    def _set_cv_attributes(self, coefs, scores, n_iter, best, l1_ratios, penalty, legacy):
        """``coef_``, ``intercept_``, ``C_``, ``l1_ratio_``, ``coefs_paths_``,
        ``scores_``, ``n_iter_`` in 1.9's layouts (legacy or new)."""
        C, ratio, w = best
        self.coef_, self.intercept_ = _split(w, self.fit_intercept)
        n_rows = coefs.shape[3]
        if not legacy:
            self.C_ = float(C)
            self.l1_ratio_ = ((1.0 if self.penalty == "l1" else 0.0) if l1_ratios is None
                              else float(ratio))
            self.coefs_paths_, self.scores_, self.n_iter_ = coefs, scores, n_iter
            return
        keys = self.classes_[1:] if n_rows == 1 else self.classes_
        self.C_ = np.tile(np.asarray([C]), n_rows)
        self.l1_ratio_ = np.tile(np.asarray([ratio]), n_rows)
        # legacy: (n_folds, n_cs, n_l1_ratios, ...) per class, the same scores for each
        paths = {k: np.swapaxes(coefs[:, :, :, i], 1, 2) for i, k in enumerate(keys)}
        by_c = np.swapaxes(scores, 1, 2)
        fold_scores = {k: by_c.copy() for k in keys}
        iters = np.swapaxes(n_iter, 1, 2)[None]
        if l1_ratios is None:  # the legacy default has no l1_ratio axis
            paths = {k: v[:, :, 0] for k, v in paths.items()}
            fold_scores = {k: v[:, :, 0] for k, v in fold_scores.items()}
            iters = iters[..., 0]
        self.coefs_paths_, self.scores_, self.n_iter_ = paths, fold_scores, iters

    # --------------------------------------------------------------- score
    @_deprecate_positional_args(version="1.11")
    def score(self, X, y, *, sample_weight=None, **score_params):
        """The ``scoring`` score (accuracy by default) on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        **score_params : dict
            Passed to the scorer (metadata routing).

        Returns
        -------
        float
        """
        _raise_for_params(score_params, self, "score")
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        scoring = self._get_scorer()
        if _routing_enabled():
            routed = process_routing(self, "score", **score_params)
        else:
            sw = score_params.get("sample_weight")
            routed = Bunch(scorer=Bunch(score={} if sw is None else {"sample_weight": sw}))
        return scoring(self, X, y, **routed.scorer.score)

    def get_metadata_routing(self):
        """Metadata routing: ``fit`` to the splitter (``groups``) and the scorer,
        ``score`` to the scorer, as in ``LogisticRegressionCV``.

        Returns
        -------
        MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(splitter=self.cv,
                 method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(scorer=self._get_scorer(),
                 method_mapping=MethodMapping().add(caller="score", callee="score")
                 .add(caller="fit", callee="score"))
        )

    def _get_scorer(self):
        """The scorer of ``scoring``; accuracy for None and the default."""
        if isinstance(self.scoring, str) and self.scoring == "warn":
            return get_scorer("accuracy")
        return get_scorer(self.scoring or "accuracy")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def inference(self, *args, **kwargs):
        """Not available: the chosen C is a function of the data, so the
        fixed-C covariance of :meth:`SoftmaxRegression.inference` does not
        hold.  Refit ``SoftmaxRegression(C=self.C_)`` for it."""
        raise AttributeError(
            "SoftmaxRegressionCV has no inference(): the covariance of a fit at a C chosen "
            "by cross-validation is not the fixed-C one. Fit "
            "SoftmaxRegression(C=cv.C_, l1_ratio=...) and call its inference().")
