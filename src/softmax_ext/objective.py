"""The multinomial objective bound to a data set: loss, gradient, Hessian, Hessian products.

Objective (scikit-learn's, so fitted coefficients match ``LogisticRegression``)
for X (n, d), integer labels y in [0, K), sample weights s (default 1),
coefficients W (K, d) and intercepts b (K)::

    f(W, b) = (1 / sum(s)) * sum_i s_i * (logsumexp(W x_i + b) - (W x_i + b)[y_i])
              + (l2 / 2) * ||W||_F^2

The intercept is not penalised.

Layout (used everywhere in the project)
---------------------------------------
- X: (n_samples, n_features); dense C-contiguous float32/float64, or CSR
  (float32/float64 data, int32/int64 indices), validated once by
  ``_design_matrix.check_design_matrix`` when the objective is built (finite
  values, a sound CSR structure).  Never copied after construction; a
  float32 X stays float32.  X must not be changed while an objective holds
  it: the kernels trust what was checked then.
- coef: (n_classes, n_features + 1) with the intercept in the last column when
  ``fit_intercept``, else (n_classes, n_features); dtype of X.
- Flattened vectors (gradient, Hessian rows/columns, Hessian-vector products)
  follow ``coef.ravel()`` (C order): index ``k * coef.shape[1] + j`` is class k,
  feature j (j == n_features is the intercept).
- Scores Z = X W^T + b: (n_samples, n_classes), C-contiguous, dtype of X.

Passes over X are counted in ``n_passes_over_X`` so that solvers can report
them.
"""

import numbers

import numpy as np
import scipy.sparse as sp

from . import hessian as _hessian
from . import special
from ._ext import softmax as _softmax
from . import lossgrad as _lossgrad
from ._design_matrix import check_design_matrix, check_finite
from ._threads import MIN_MULADDS_PER_THREAD, effective_n_threads
from ._validation import check_labels, check_sample_weight

__all__ = ["MultinomialLoss", "FixedClassLoss"]


def _like(template, arr, default_dtype):
    """``arr`` in the shape of ``template`` (a coef or v as the caller gave it),
    in its dtype when that is float32/float64, else in ``default_dtype``."""
    template = np.asarray(template)
    dtype = template.dtype if template.dtype in (np.float32, np.float64) else default_dtype
    return np.asarray(arr).astype(dtype, copy=False).reshape(template.shape)


def _sumprod(A, B):
    """sum(A * B) without BLAS: a threaded BLAS dot on a strided coefficient
    slice copies it, and its OpenBLAS workers then spin during the next
    OpenMP kernel call (up to 2x slower on 2 cores)."""
    return float(np.einsum("ij,ij->", A, B))


class MultinomialLoss:
    """Multinomial cross-entropy with L2 penalty, bound to (X, y, sample_weight).

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

    def __init__(self, X, y, *, sample_weight=None, l2=0.0, fit_intercept=True,
                 n_classes=None, n_threads=None):
        self.X = check_design_matrix(X)
        self.is_sparse = sp.issparse(self.X)
        self.dtype = self.X.dtype.type
        n, d = self.X.shape
        if not isinstance(l2, numbers.Real) or not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or y_arr.shape[0] != n:
            raise ValueError(f"y has shape {y_arr.shape} but X has {n} rows.")
        if n_classes is None:
            if n == 0:
                raise ValueError("n_classes is required when y is empty.")
            # labels checked (integer-valued, >= 0) before max(y) sizes anything
            n_classes = int(check_labels(y_arr, n, None).max()) + 1
        if (isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral)
                or n_classes < 1):
            raise ValueError(f"n_classes must be a positive int, got {n_classes!r}.")
        self.y = check_labels(y_arr, n, int(n_classes))
        self.sample_weight = check_sample_weight(sample_weight, n, self.dtype)
        self.weight_sum = float(n if self.sample_weight is None
                                else np.sum(self.sample_weight, dtype=np.float64))
        if not self.weight_sum > 0:
            raise ValueError("The sample weights sum to zero: the objective is undefined.")
        self.n_samples, self.n_features, self.n_classes = n, d, int(n_classes)
        self.l2 = float(l2)
        self.fit_intercept = bool(fit_intercept)
        nnz = self.X.nnz if self.is_sparse else n * d
        self.n_threads = effective_n_threads(
            n_threads, work=(nnz + n) * self.n_classes,
            min_work_per_thread=MIN_MULADDS_PER_THREAD)
        self.coef_shape = (self.n_classes, d + 1 if self.fit_intercept else d)
        self.n_passes_over_X = 0

    # ----- helpers ---------------------------------------------------------
    def init_coef(self):
        """Zero coefficients of ``coef_shape`` and the dtype of X."""
        return np.zeros(self.coef_shape, dtype=self.dtype)

    def _check_coef(self, coef, name="coef"):
        """``coef`` (or a vector ``v`` of its layout) as a C-contiguous
        ``coef_shape`` array of X's dtype; ValueError naming ``name`` for the
        wrong size or a NaN / infinity."""
        coef = np.asarray(coef)
        if coef.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a real numeric array, got dtype {coef.dtype}.")
        if coef.shape != self.coef_shape:
            if coef.size == np.prod(self.coef_shape):
                coef = coef.reshape(self.coef_shape)
            else:
                raise ValueError(f"{name} has shape {coef.shape}, expected {self.coef_shape}.")
        coef = np.ascontiguousarray(coef, dtype=self.dtype)
        check_finite(coef, name)  # after the cast: 1e39 is infinite in float32
        return coef

    def _weights(self, coef):
        return coef[:, :-1] if self.fit_intercept else coef

    def penalty(self, coef):
        """``(l2 / 2) ||W||_F^2`` in double (intercepts excluded)."""
        if self.l2 == 0.0:
            return 0.0
        W = self._weights(self._check_coef(coef)).astype(np.float64, copy=False)
        return 0.5 * self.l2 * _sumprod(W, W)

    def _add_penalty_gradient(self, coef, grad):
        if self.l2 != 0.0:
            self._weights(grad)[...] += self.l2 * self._weights(coef)
        return grad

    # ----- loss and gradient ----------------------------------------------
    def loss(self, coef):
        """Objective value at ``coef`` (one pass over X)."""
        coef = self._check_coef(coef)
        data, _ = _lossgrad.loss_gradient(self, coef, want_grad=False)
        self.n_passes_over_X += 1
        return data / self.weight_sum + self.penalty(coef)

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
        data, grad = _lossgrad.loss_gradient(self, coef, want_grad=True)
        self.n_passes_over_X += 1
        grad = np.asarray(grad, dtype=np.float64) / self.weight_sum
        self._add_penalty_gradient(coef, grad)
        return data / self.weight_sum + self.penalty(coef), _like(given, grad, self.dtype)

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
        return _lossgrad.scores(self, coef)

    def loss_scores(self, Z, coef):
        """Objective from precomputed scores ``Z`` at ``coef``: O(n K), no pass over X."""
        coef = self._check_coef(coef)
        data = _lossgrad.loss_from_scores(self, self._check_scores(Z))
        return data / self.weight_sum + self.penalty(coef)

    def loss_gradient_scores(self, Z, coef):
        """Objective and gradient from precomputed scores: one pass over X (backward only)."""
        coef = self._check_coef(coef)
        data, grad = _lossgrad.loss_gradient_from_scores(self, self._check_scores(Z))
        self.n_passes_over_X += 1
        grad = np.asarray(grad, dtype=np.float64) / self.weight_sum
        self._add_penalty_gradient(coef, grad)
        return data / self.weight_sum + self.penalty(coef), grad.astype(self.dtype, copy=False)

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
        sw = None if self.sample_weight is None else self.sample_weight.astype(dtype, copy=False)
        data, slope = _softmax.line_eval_rows(Z, XD, float(t), self.y, sw, self.n_threads)
        loss, slope = data / self.weight_sum, slope / self.weight_sum
        if self.l2 != 0.0:
            # in float64 whatever the dtype: t moves in steps float32 cannot hold
            W = self._weights(coef).astype(np.float64)
            Dw = self._weights(D).astype(np.float64)
            Wt = W + t * Dw
            loss += 0.5 * self.l2 * _sumprod(Wt, Wt)
            slope += self.l2 * _sumprod(Wt, Dw)
        return loss, slope

    def _check_scores(self, Z, dtype=None):
        Z = np.asarray(Z)
        if Z.shape != (self.n_samples, self.n_classes):
            raise ValueError(f"Z has shape {Z.shape}, expected {(self.n_samples, self.n_classes)}.")
        return np.ascontiguousarray(Z, dtype=self.dtype if dtype is None else dtype)

    # ----- second order -----------------------------------------------------
    def hessian(self, coef):
        """Full Hessian (m, m), m = coef.size, in the order of ``coef.ravel()``; float64."""
        coef = self._check_coef(coef)
        H = _hessian.hessian(self, coef)
        self.n_passes_over_X += _hessian.passes_over_X(self)
        H /= self.weight_sum
        if self.l2 != 0.0:
            idx = np.arange(H.shape[0]).reshape(self.coef_shape)
            idx = idx[:, :-1] if self.fit_intercept else idx
            H[idx.ravel(), idx.ravel()] += self.l2
        return H

    def hessp(self, coef, scores=None):
        """Return ``v -> H v`` at ``coef`` without forming H.

        The probabilities at ``coef`` are computed once, here (one pass over
        X, or none when ``scores``, the scores at ``coef`` that a solver
        already holds, are given); each product then costs one pass over X.
        ``v`` has the shape of coef (or its size).
        """
        coef = self._check_coef(coef)
        if scores is None:
            state = _hessian.hessp_setup(self, coef)
            self.n_passes_over_X += 1
        else:
            state = np.ascontiguousarray(
                special.softmax(self._check_scores(scores, np.asarray(scores).dtype),
                                n_threads=self.n_threads),
                dtype=self.dtype)

        def product(v):
            given = v
            v = self._check_coef(v, name="v")
            Hv = np.asarray(_hessian.hessp_apply(self, state, v), dtype=np.float64)
            self.n_passes_over_X += 1
            Hv /= self.weight_sum
            self._add_penalty_gradient(v, Hv)
            return _like(given, Hv, self.dtype)

        return product



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
    (n_samples, n_classes), with column ``fixed`` equal to 0.

    Parameters
    ----------
    base : MultinomialLoss
    fixed : int, default 0
        The class whose coefficients are held at zero.
    """

    def __init__(self, base, fixed=0):
        if not 0 <= fixed < base.n_classes:
            raise ValueError(f"fixed must be a class in [0, {base.n_classes}), got {fixed!r}.")
        if base.n_classes < 2:
            raise ValueError("FixedClassLoss needs at least two classes.")
        self.base = base
        self.fixed = int(fixed)
        self.free = np.array([k for k in range(base.n_classes) if k != fixed])
        for name in ("X", "y", "sample_weight", "weight_sum", "dtype", "is_sparse", "n_samples",
                     "n_features", "n_classes", "l2", "fit_intercept", "n_threads"):
            setattr(self, name, getattr(base, name))
        self.coef_shape = (base.n_classes - 1, base.coef_shape[1])

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
        coef = np.asarray(coef)
        if coef.shape != self.coef_shape:
            if coef.size != np.prod(self.coef_shape):
                raise ValueError(f"coef has shape {coef.shape}, expected {self.coef_shape}.")
            coef = coef.reshape(self.coef_shape)
        out = np.zeros(self.base.coef_shape, dtype=np.result_type(coef.dtype, self.dtype))
        out[self.free] = coef
        return out

    def _free_index(self):
        p = self.coef_shape[1]
        return (self.free[:, None] * p + np.arange(p)).ravel()

    def penalty(self, coef):
        return self.base.penalty(self.full(coef))

    def loss(self, coef):
        return self.base.loss(self.full(coef))

    def loss_gradient(self, coef):
        loss, grad = self.base.loss_gradient(self.full(coef))
        return loss, _like(coef, grad[self.free], self.dtype)

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
        return lambda v: _like(v, product(self.full(v))[self.free], self.dtype)
