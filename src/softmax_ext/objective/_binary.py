"""BinaryLoss: the two-class objective on its own kernels (csrc/smx_binary.c).

The model is :class:`FixedClassLoss`'s with two classes and ``fixed=0``,
which is scikit-learn's binary logistic regression: one row of weights w and
an intercept b, scores ``z = X w + b``, data loss ``log(1 + exp(z)) - y z``
(summed with the sample weights and divided by their sum), the L2 penalty on
w.  Its passes over X run the binary kernels instead of a two-class
multinomial: one score per row instead of two, and the Hessian
``X~^T diag(s sigma (1 - sigma)) X~`` by one weighted SYRK per row block
instead of the multinomial assembly.

Everything the solvers see is :class:`FixedClassLoss`'s (it is a subclass):
coef of shape ``(1, p)``, scores ``(n_samples, 2)`` with column 0 equal to
0, so line searches (``loss_scores``, ``loss_slope_scores``, O(n) sweeps
with no pass over X), the preconditioner and ``prox_newton``'s sub-problems
work unchanged; the penalty is the base objective's :class:`Penalty`.
"""

import numpy as np
from scipy.special import expit

from .._ext import binary as _binary
from .._threads import single_threaded_blas
from ._fixed_class import FixedClassLoss
from ._layout import check_coef, like


class BinaryLoss(FixedClassLoss):
    """The binary logistic objective, bound to the data of a two-class ``base``.

    Parameters
    ----------
    base : MultinomialLoss
        With ``n_classes == 2``: it holds (and checked, once) X, y,
        sample_weight, l2, fit_intercept and n_threads; its passes over X
        are not used, but the count ``n_passes_over_X`` is shared with it.
    fixed : {0}, default 0
        The class held at zero; only 0 (scikit-learn's parametrisation:
        ``coef_`` is class 1's weights relative to class 0's).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_ext.objective import BinaryLoss, MultinomialLoss
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> obj = BinaryLoss(MultinomialLoss(X, [0, 1, 1], l2=0.1))
    >>> round(obj.loss(obj.init_coef()), 6)  # log(2) at zero coefficients
    0.693147
    """

    def __init__(self, base, fixed=0):
        if base.n_classes != 2:
            raise ValueError(f"BinaryLoss needs two classes, got n_classes={base.n_classes}.")
        if fixed != 0:
            raise ValueError(f"BinaryLoss holds class 0 fixed (fixed=0), got {fixed!r}.")
        super().__init__(base, fixed=0)
        # the binary kernels assemble the p x p Hessian of the free row only
        self.assembled_hessian_size = self.coef_shape[1]

    # ----- the binding calls ---------------------------------------------------
    def _run(self, kernel, **kwargs):
        kwargs.update(fit_intercept=self.fit_intercept, n_threads=self.n_threads)
        X = self.X
        if self.is_sparse:
            return kernel(data=X.data, indices=X.indices, indptr=X.indptr,
                          n_features=self.n_features, **kwargs)
        # the dense Hessian calls syrk from OpenMP threads
        with single_threaded_blas():
            return kernel(X=X, **kwargs)

    def _sw(self):
        sw = self.sample_weight
        return None if sw is None else np.ascontiguousarray(sw, dtype=self.dtype)

    def _w(self, coef, name="coef"):
        """coef (or v) as the flat (p,) array of X's dtype the kernels take."""
        return check_coef(coef, self.coef_shape, dtype=self.dtype, name=name).ravel()

    def _z(self, Z):
        """Column 1 of scores Z (n, 2) in X's dtype, contiguous."""
        Z = np.asarray(Z)
        if Z.shape != (self.n_samples, 2):
            raise ValueError(f"Z has shape {Z.shape}, expected {(self.n_samples, 2)}.")
        return np.ascontiguousarray(Z[:, 1], dtype=self.dtype)

    def _hessian_weights(self, z):
        """``h = s sigma(z) sigma(-z)`` (n,) float64: the Hessian's row weights
        (``sigma(-z)`` rather than ``1 - sigma(z)``: no cancellation)."""
        z = np.asarray(z, dtype=np.float64)
        h = expit(z) * expit(-z)
        if self.sample_weight is not None:
            h *= self.sample_weight
        return h

    def _normalised(self, data, grad, coef):
        grad = grad.reshape(self.coef_shape) / self.weight_sum
        self.regularizer.add_gradient(coef, grad)
        return data / self.weight_sum + self.regularizer.value(coef), grad

    # ----- loss and gradient --------------------------------------------------
    def loss(self, coef):
        """Objective value at ``coef`` (one pass over X)."""
        coef = check_coef(coef, self.coef_shape, dtype=self.dtype)
        data = self._run(_binary.loss_gradient, y=self.y, sample_weight=self._sw(),
                         coef=coef.ravel())
        self.n_passes_over_X += 1
        return data / self.weight_sum + self.regularizer.value(coef)

    def loss_gradient(self, coef):
        """Objective and gradient (shape and dtype of coef) in one pass over X."""
        given = coef
        coef = check_coef(coef, self.coef_shape, dtype=self.dtype)
        G = np.empty(self.coef_shape[1], dtype=np.float64)
        data = self._run(_binary.loss_gradient, y=self.y, sample_weight=self._sw(),
                         coef=coef.ravel(), G=G)
        self.n_passes_over_X += 1
        loss, grad = self._normalised(data, G, coef)
        return loss, like(given, grad, self.dtype)

    # ----- score space ----------------------------------------------------------
    def scores(self, coef):
        """Scores (n_samples, 2) in X's dtype, column 0 zero: one pass over X."""
        z = np.empty(self.n_samples, dtype=self.dtype)
        self._run(_binary.scores, coef=self._w(coef), out=z)
        self.n_passes_over_X += 1
        Z = np.zeros((self.n_samples, 2), dtype=self.dtype)
        Z[:, 1] = z
        return Z

    def loss_gradient_scores(self, Z, coef):
        """Objective and (1, p) gradient from scores (n, 2): the backward pass only."""
        coef = check_coef(coef, self.coef_shape, dtype=self.dtype)
        G = np.empty(self.coef_shape[1], dtype=np.float64)
        data = self._run(_binary.loss_gradient_from_scores, y=self.y,
                         sample_weight=self._sw(), z=self._z(Z), G=G)
        self.n_passes_over_X += 1
        loss, grad = self._normalised(data, G, coef)
        return loss, grad.astype(self.dtype, copy=False)

    # ----- second order -----------------------------------------------------------
    def hessian(self, coef):
        """Hessian (p, p) float64 at ``coef``: the scores (one pass over X), then
        one weighted SYRK per row block (one more)."""
        z = np.empty(self.n_samples, dtype=self.dtype)
        self._run(_binary.scores, coef=self._w(coef), out=z)
        p = self.coef_shape[1]
        H = np.empty((p, p), dtype=np.float64)
        self._run(_binary.hessian, h=self._hessian_weights(z), H=H)
        self.n_passes_over_X += 2
        H /= self.weight_sum
        return self.regularizer.add_hessian(H)

    def hessp(self, coef, scores=None):
        """Return ``v -> H v`` at ``coef``; the weights from ``scores`` (n, 2) when
        given (no pass over X), else from one pass; each product is one pass."""
        coef = check_coef(coef, self.coef_shape, dtype=self.dtype)
        if scores is None:
            z = np.empty(self.n_samples, dtype=self.dtype)
            self._run(_binary.scores, coef=coef.ravel(), out=z)
            self.n_passes_over_X += 1
        else:
            z = np.asarray(scores)
            if z.shape != (self.n_samples, 2):
                raise ValueError(f"scores has shape {z.shape}, expected {(self.n_samples, 2)}.")
            z = z[:, 1]
        h = self._hessian_weights(z)

        def product(v):
            given = v
            v = check_coef(v, self.coef_shape, dtype=self.dtype, name="v")
            Hv = np.empty(self.coef_shape[1], dtype=np.float64)
            self._run(_binary.hessp, h=h, v=v.ravel(), G=Hv)
            self.n_passes_over_X += 1
            Hv = Hv.reshape(self.coef_shape) / self.weight_sum
            self.regularizer.add_hessp(v, Hv)
            return like(given, Hv, self.dtype)

        return product
