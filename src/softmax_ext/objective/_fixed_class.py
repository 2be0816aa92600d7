"""FixedClassLoss: the multinomial objective with one class's coefficients fixed at zero."""

import numpy as np

from ._layout import check_coef, like


class FixedClassLoss:
    """The multinomial objective with one class's coefficients fixed at zero.

    The reference-class parametrisation: coefficients of the other classes
    are relative to class ``fixed``.  It makes the unpenalised Hessian
    non-singular (adding one vector to every class's coefficients changes
    nothing in the symmetric parametrisation), it is statsmodels' MNLogit
    parametrisation, and with two classes and ``fixed=0`` it is exactly the
    binary logistic model (loss ``log(1 + exp(z)) - y z``, penalty on the one
    row of weights), which scikit-learn fits for binary problems.

    Exposes the API of :class:`MultinomialLoss` with coef of shape
    ``(n_classes - 1, p)`` (rows: the free classes in increasing order);
    flattened vectors follow ``coef.ravel()`` (C order) as there.  Scores stay
    (n_samples, n_classes), with column ``fixed`` equal to 0.  Every pass
    over X is the base objective's, counted there.

    Parameters
    ----------
    base : MultinomialLoss
    fixed : int, default 0
        The class whose coefficients are held at zero.

    Attributes
    ----------
    symmetric : bool
        False: with one class fixed, no direction leaves the objective
        unchanged (:meth:`null_columns` is empty, :meth:`center` is the
        identity).
    free : ndarray of int
        The classes whose coefficients are free, in increasing order.
    assembled_hessian_size : int
        The side of the matrix :meth:`hessian` assembles before it keeps the
        free rows and columns: the base objective's (the memory estimate of
        newton-cholesky counts both matrices).
    """

    symmetric = False

    def __init__(self, base, fixed=0):
        if not 0 <= fixed < base.n_classes:
            raise ValueError(f"fixed must be a class in [0, {base.n_classes}), got {fixed!r}.")
        if base.n_classes < 2:
            raise ValueError("FixedClassLoss needs at least two classes.")
        self.base = base
        self.fixed = int(fixed)
        self.free = np.array([k for k in range(base.n_classes) if k != fixed])
        for name in ("X", "y", "sample_weight", "weight_sum", "dtype", "is_sparse", "nnz",
                     "n_samples", "n_features", "n_classes", "l2", "fit_intercept", "n_threads",
                     "regularizer", "assembled_hessian_size"):
            setattr(self, name, getattr(base, name))
        self.coef_shape = (base.n_classes - 1, base.coef_shape[1])
        if hasattr(base, "scores_rows"):  # a blocked base: its memory accounting
            self.scores_rows = base.scores_rows
        # a blocked base's scores are LinearScores, and so are these (full() of them)
        self.lazy_scores = bool(getattr(base, "lazy_scores", False))

    @property
    def n_passes_over_X(self):
        return self.base.n_passes_over_X

    @n_passes_over_X.setter
    def n_passes_over_X(self, value):
        self.base.n_passes_over_X = value

    def init_coef(self):
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def full(self, coef):
        """Coefficients of all classes, (n_classes, p), with a zero row at ``fixed``."""
        coef = check_coef(coef, self.coef_shape, finite=False)
        out = np.zeros(self.base.coef_shape, dtype=np.result_type(coef.dtype, self.dtype))
        out[self.free] = coef
        return out

    def _free_index(self):
        p = self.coef_shape[1]
        return (self.free[:, None] * p + np.arange(p)).ravel()

    def null_columns(self):
        """No column is invariant: the fixed class pins every shift."""
        return np.arange(0)

    def center(self, flat):
        """``flat`` itself: the parametrisation has one representative per model."""
        return flat

    def penalty(self, coef):
        return self.base.penalty(self.full(coef))

    def loss(self, coef):
        return self.base.loss(self.full(coef))

    def loss_gradient(self, coef):
        loss, grad = self.base.loss_gradient(self.full(coef))
        return loss, like(coef, grad[self.free], self.dtype)

    def gradient(self, coef):
        return self.loss_gradient(coef)[1]

    def scores(self, coef):
        return self.base.scores(self.full(coef))

    def loss_scores(self, Z, coef):
        return self.base.loss_scores(Z, self.full(coef))

    def loss_gradient_scores(self, Z, coef):
        loss, grad = self.base.loss_gradient_scores(Z, self.full(coef))
        return loss, grad[self.free]

    def loss_slope_scores(self, Z, XD, t, coef, D):
        return self.base.loss_slope_scores(Z, XD, t, self.full(coef), self.full(D))

    def hessian(self, coef):
        idx = self._free_index()
        return self.base.hessian(self.full(coef))[np.ix_(idx, idx)]

    def hessp(self, coef, scores=None):
        product = self.base.hessp(self.full(coef), scores=scores)
        return lambda v: like(v, product(self.full(v))[self.free], self.dtype)

    def restrict(self, features=None, rows=None):
        """The base objective's restriction (``MultinomialLoss.restrict``), with the same
        class fixed; its pass counter is this objective's."""
        return type(self)(self.base.restrict(features, rows), fixed=self.fixed)

    def feature_gram(self, max_rows=None):
        """The base objective's (X is shared); one pass over X, counted there."""
        return self.base.feature_gram(max_rows)

    def feature_moments(self):
        """The base objective's (X is shared); one pass over X, counted there."""
        return self.base.feature_moments()
