"""MultinomialLoss: the multinomial objective in the symmetric parametrisation."""

import numbers

import numpy as np
import scipy.sparse as sp

from .._design_matrix import check_design_matrix, check_finite
from .._threads import pass_threads
from .._validation import check_labels, check_sample_weight
from . import _inference_passes, _kernels, _moments, _restrict
from ._layout import check_coef, like
from ._penalty import Penalty, check_l2


def _check_n_classes(y_arr, n, n_classes):
    """``n_classes`` as given, or ``max(y) + 1``; ValueError when it is no positive int."""
    if n_classes is None:
        if n == 0:
            raise ValueError("n_classes is required when y is empty.")
        # labels checked (integer-valued, >= 0) before max(y) sizes anything
        n_classes = int(check_labels(y_arr, n, None).max()) + 1
    if (isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral)
            or n_classes < 1):
        raise ValueError(f"n_classes must be a positive int, got {n_classes!r}.")
    return int(n_classes)


class MultinomialLoss:
    """Multinomial cross-entropy with L2 penalty, bound to (X, y, sample_weight).

    The objective and the layout of its arrays are described in
    :mod:`softmax_ext.objective`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Dense (any layout; converted once to C order) or sparse (converted
        once to CSR).  float32 stays float32; other dtypes become float64.
        Checked once, here: NaN or infinity, or a malformed sparse structure
        (an index out of range, indptr out of order), raise ValueError;
        unsorted or duplicate CSR entries cost one canonical copy.  Do not
        change X while the objective holds it.
    y : array-like of shape (n_samples,)
        Integer labels in ``[0, n_classes)``.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights; None means 1 for every sample.
    l2 : float, default 0.0
        Strength of the penalty ``(l2 / 2) ||W||_F^2`` (intercepts excluded).
    fit_intercept : bool, default True
    n_classes : int, optional
        Defaults to ``max(y) + 1``.
    n_threads : int, optional
        OpenMP threads for the kernels; None means all usable cores.

    Attributes
    ----------
    coef_shape : tuple of int
        ``(n_classes, n_features + 1)`` with an intercept, else
        ``(n_classes, n_features)``.
    symmetric : bool
        True: every class has its own coefficients, so adding one vector to
        every class's coefficients changes no probability (the objective
        is invariant along those directions where the penalty does not
        break it: see :meth:`null_columns`).  :class:`FixedClassLoss` is the
        parametrisation without that invariance (False).
    regularizer : Penalty
        The penalty's one owner (value, gradient, Hessian and line terms,
        which coefficients it applies to).
    nnz : int
        The values of X a pass reads: ``X.nnz`` for sparse X, ``n * d``
        for dense X (the cost models and preconditioner choice read it).
    n_passes_over_X : int
        Passes over X made so far, by every method that reads X.
    assembled_hessian_size : int
        The side of the matrix :meth:`hessian` assembles: ``prod(coef_shape)``
        (the memory estimate of newton-cholesky reads it).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext import MultinomialLoss
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> obj = MultinomialLoss(X, [0, 1, 2], l2=0.1)
    >>> coef = obj.init_coef()
    >>> round(obj.loss(coef), 6)  # log(3) at zero coefficients
    1.098612
    """

    symmetric = True

    def __init__(self, X, y, *, sample_weight=None, l2=0.0, fit_intercept=True,
                 n_classes=None, n_threads=None):
        self.X = check_design_matrix(X)
        self.is_sparse = sp.issparse(self.X)
        self.dtype = self.X.dtype.type
        n, d = self.X.shape
        check_l2(l2)
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or y_arr.shape[0] != n:
            raise ValueError(f"y has shape {y_arr.shape} but X has {n} rows.")
        n_classes = _check_n_classes(y_arr, n, n_classes)
        self.y = check_labels(y_arr, n, n_classes)
        self.sample_weight = check_sample_weight(sample_weight, n, self.dtype)
        self.weight_sum = float(n if self.sample_weight is None
                                else np.sum(self.sample_weight, dtype=np.float64))
        if not self.weight_sum > 0:
            raise ValueError("The sample weights sum to zero: the objective is undefined.")
        self.n_samples, self.n_features, self.n_classes = n, d, n_classes
        self.l2 = float(l2)
        self.fit_intercept = bool(fit_intercept)
        self.nnz = int(self.X.nnz if self.is_sparse else n * d)
        self.n_threads = pass_threads(n_threads, self.nnz, n, self.n_classes)
        self.coef_shape = (self.n_classes, d + 1 if self.fit_intercept else d)
        self.regularizer = Penalty(self.l2, d, self.coef_shape[1])
        self.assembled_hessian_size = self.coef_shape[0] * self.coef_shape[1]
        self.n_passes_over_X = 0

    # ----- helpers ---------------------------------------------------------
    def init_coef(self):
        """Zero coefficients of ``coef_shape`` and the dtype of X."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def _check_coef(self, coef, name="coef"):
        """``coef`` (or a vector ``v`` of its layout) as a C-contiguous
        ``coef_shape`` array of X's dtype, finite."""
        return check_coef(coef, self.coef_shape, dtype=self.dtype, name=name)

    def _check_scores(self, Z, dtype=None):
        Z = np.asarray(Z)
        if Z.shape != (self.n_samples, self.n_classes):
            raise ValueError(f"Z has shape {Z.shape}, expected {(self.n_samples, self.n_classes)}.")
        return np.ascontiguousarray(Z, dtype=self.dtype if dtype is None else dtype)

    def _normalised(self, data, grad, coef):
        """Objective and float64 gradient from the kernels' unnormalised data terms."""
        grad = np.asarray(grad, dtype=np.float64) / self.weight_sum
        self.regularizer.add_gradient(coef, grad)
        return data / self.weight_sum + self.regularizer.value(coef), grad

    def penalty(self, coef):
        """``(l2 / 2) ||W||_F^2`` in double (intercepts excluded)."""
        if self.l2 == 0.0:
            return 0.0
        return self.regularizer.value(self._check_coef(coef))

    # ----- the parametrisation ---------------------------------------------
    def null_columns(self):
        """Columns j along which adding one vector to every class leaves the objective unchanged.

        Adding ``v`` to the coefficients of every class changes no
        probability; the penalty breaks that for the weights when ``l2 > 0``
        but never for the (unpenalised) intercept.  Returns the column
        indices j with that invariance (empty for a single class).
        """
        if self.n_classes < 2:
            return np.arange(0)
        return self.regularizer.unpenalised_columns()

    def center(self, flat):
        """Canonical representative of a flat coefficient vector: the columns of
        :meth:`null_columns` centred over classes (the objective is unchanged).

        It is what scikit-learn returns for the symmetric multinomial
        parametrisation.
        """
        cols = self.null_columns()
        if cols.size == 0:
            return flat
        M = flat.reshape(self.coef_shape).copy()
        M[:, cols] -= M[:, cols].mean(axis=0)
        return M.ravel()

    # ----- loss and gradient ----------------------------------------------
    def loss(self, coef):
        """Objective value at ``coef`` (one pass over X)."""
        coef = self._check_coef(coef)
        data = _kernels.loss(self, coef=coef)
        self.n_passes_over_X += 1
        return data / self.weight_sum + self.regularizer.value(coef)

    def loss_gradient(self, coef):
        """Objective and gradient at ``coef`` in one pass over X.

        Returns
        -------
        loss : float
        grad : ndarray of the shape and dtype of coef
            (``coef_shape`` or flat, as given; X's dtype when coef is not
            float32/float64).
        """
        given = coef
        coef = self._check_coef(coef)
        data, grad = _kernels.loss_gradient(self, coef=coef)
        self.n_passes_over_X += 1
        loss, grad = self._normalised(data, grad, coef)
        return loss, like(given, grad, self.dtype)

    def gradient(self, coef):
        """Gradient at ``coef``, shape and dtype of coef."""
        return self.loss_gradient(coef)[1]

    # ----- score space: what line searches use -----------------------------
    def scores(self, coef):
        """Scores ``Z = X W^T + b`` of shape (n_samples, n_classes), one pass over X.

        With a search direction in place of ``coef`` this gives ``X D``: the
        objective along a line is then a function of ``Z + t X D`` alone.
        """
        coef = self._check_coef(coef)
        self.n_passes_over_X += 1
        return _kernels.scores(self, coef=coef)

    def loss_scores(self, Z, coef):
        """Objective from precomputed scores ``Z`` at ``coef``: O(n K), no pass over X."""
        coef = self._check_coef(coef)
        data = _kernels.loss_from_scores(self, Z=self._check_scores(Z))
        return data / self.weight_sum + self.regularizer.value(coef)

    def loss_gradient_scores(self, Z, coef):
        """Objective and gradient from precomputed scores: one pass over X (backward only)."""
        coef = self._check_coef(coef)
        data, grad = _kernels.loss_gradient_from_scores(self, Z=self._check_scores(Z))
        self.n_passes_over_X += 1
        loss, grad = self._normalised(data, grad, coef)
        return loss, grad.astype(self.dtype, copy=False)

    def loss_slope_scores(self, Z, XD, t, coef, D):
        """Objective at ``coef + t D`` and its derivative in ``t``, from scores alone.

        ``Z`` are the scores at ``coef`` and ``XD = scores(D)`` those of the
        direction (intercept column of D included), both (n_samples,
        n_classes) in the objective's dtype or float64; the data term is
        evaluated at ``Z + t XD`` in one O(n K) sweep (C kernel, no
        temporaries of size n x K), the penalty from ``coef`` and ``D``.
        What a line-search trial costs: no pass over X.

        Returns
        -------
        loss : float
        slope : float
            ``d/dt f(coef + t D)``.
        """
        # coef and D stay float64 when given so: solvers keep float64 iterates
        # for float32 problems, and the penalty must see them unrounded.
        coef = np.asarray(coef, dtype=np.float64).reshape(self.coef_shape)
        D = np.asarray(D, dtype=np.float64).reshape(self.coef_shape)
        check_finite(coef, "coef")
        check_finite(D, "D")
        Z = np.asarray(Z)
        dtype = np.float64 if Z.dtype == np.float64 else self.dtype
        Z, XD = self._check_scores(Z, dtype), self._check_scores(XD, dtype)
        data, slope = _kernels.line_eval(self, Z=Z, XD=XD, t=t)
        pen, pen_slope = self.regularizer.along_line(coef, D, t)
        return data / self.weight_sum + pen, slope / self.weight_sum + pen_slope

    # ----- second order -----------------------------------------------------
    def hessian(self, coef):
        """Full Hessian (m, m), m = coef.size, in the order of ``coef.ravel()``; float64."""
        coef = self._check_coef(coef)
        H = _kernels.hessian(self, coef=coef)
        self.n_passes_over_X += _kernels.hessian_passes(self)
        H /= self.weight_sum
        return self.regularizer.add_hessian(H)

    def hessp(self, coef, scores=None):
        """Return ``v -> H v`` at ``coef`` without forming H.

        The probabilities at ``coef`` are computed once, here (one pass over
        X, or none when ``scores``, the scores at ``coef`` that a solver
        already holds, are given); each product then costs one pass over X.
        ``v`` has the shape of coef (or its size).
        """
        coef = self._check_coef(coef)
        if scores is None:
            P = _kernels.probabilities(self, coef=coef)
            self.n_passes_over_X += 1
        else:
            Z = self._check_scores(scores, np.asarray(scores).dtype)
            P = _kernels.probabilities_from_scores(self, Z=Z)

        def product(v):
            given = v
            v = self._check_coef(v, name="v")
            Hv = np.asarray(_kernels.hessp(self, P=P, V=v), dtype=np.float64)
            self.n_passes_over_X += 1
            Hv /= self.weight_sum
            self.regularizer.add_hessp(v, Hv)
            return like(given, Hv, self.dtype)

        return product

    # ----- working sets ------------------------------------------------------
    def restrict(self, features=None, rows=None):
        """The objective on the columns ``features`` (sorted unique ints) and the rows
        ``rows`` of X, None meaning all; its pass counter is this objective's.

        See :func:`softmax_ext.objective._restrict.restricted_base`: with every
        other weight zero its scores are the full objective's on those rows.
        """
        return _restrict.restricted_base(self, features, rows)

    # ----- what the preconditioner needs of X -------------------------------
    def feature_gram(self, max_rows=None):
        """``A = X~^T S X~ / sum(s)`` (p x p, float64) from every ``ceil(n / max_rows)``-th
        row (every row when ``max_rows`` is None or at least n); one pass over X."""
        A = _moments.feature_gram(self, max_rows)
        self.n_passes_over_X += 1
        return A

    def feature_moments(self):
        """Column mean squares and means of X, ``sum_i s_i x_ij^k / sum(s)`` for k = 2, 1:
        two float64 arrays of shape (n_features,); one pass over X."""
        moments = _moments.feature_moments(self)
        self.n_passes_over_X += 1
        return moments

    # ----- what inference needs of X ----------------------------------------
    def score_outer(self, coef, free):
        """``sum_i s_i g_i g_i^T`` (float64, square of side ``len(free) * p``), g_i the
        score of the classes ``free`` at the ``(K, p)`` coefficients ``coef``: the meat
        of the HC0 sandwich; one pass over X."""
        M = _inference_passes.score_outer(self, np.asarray(coef, dtype=np.float64), free)
        self.n_passes_over_X += 1
        return M

    def design_rank(self):
        """Numerical rank of ``diag(sqrt(s)) [X, 1]`` (of X without an intercept);
        one pass over X."""
        rank = _inference_passes.design_rank(self)
        self.n_passes_over_X += 1
        return rank
