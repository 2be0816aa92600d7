"""The penalty on the coefficients: one owner of its formula and of what it applies to.

Today the L2 term ``(l2 / 2) ||W||_F^2`` on the weights W, never on the
intercepts (the last column of coef when the objective fits them).  Every
quantity the objective and the solvers need from it is a method here: the
value, the gradient term, the Hessian diagonal and the Hessian-vector term,
the value and slope along a line ``coef + t D`` (line searches) and the
columns it leaves unpenalised (where the symmetric parametrisation keeps its
class-shift invariance).  An L1 term joins as another strength and its own
terms in these methods.

The methods take coefficient-layout arrays of any number of class rows
(``(K, p)`` for :class:`MultinomialLoss`, ``(K - 1, p)`` for
:class:`FixedClassLoss`) or their flat ``ravel()``; the penalty acts on each
class row alike.
"""

import numpy as np


def _sumprod(A, B):
    """sum(A * B) without BLAS: a threaded BLAS dot on a strided coefficient
    slice copies it, and its OpenBLAS workers then spin during the next
    OpenMP kernel call."""
    return float(np.einsum("ij,ij->", A, B))


class Penalty:
    """``(l2 / 2) ||W||_F^2`` over the weights of coefficients with ``n_params`` columns.

    Parameters
    ----------
    l2 : float
        Strength, >= 0 (checked by the objective).
    n_features : int
        Columns of W; a column beyond them is the intercept.
    n_params : int
        Columns of coef: ``n_features + 1`` with an intercept, else
        ``n_features``.
    """

    def __init__(self, l2, n_features, n_params):
        self.l2 = float(l2)
        self.n_features = int(n_features)
        self.n_params = int(n_params)

    def weights(self, coef):
        """View of the penalised part (all columns but the intercept) of ``coef``,
        ``(rows, n_features)``; ``coef`` of the layout or flat."""
        arr = np.asarray(coef)
        if arr.ndim != 2:
            # (0, 0) for no columns at all: -1 cannot be inferred there
            arr = arr.reshape(-1, self.n_params) if self.n_params else arr.reshape(0, 0)
        return arr[:, :self.n_features]

    def unpenalised_columns(self):
        """Column indices the penalty does not touch: all of them when ``l2 == 0``,
        else the intercept's (if any)."""
        if self.l2 == 0.0:
            return np.arange(self.n_params)
        return np.arange(self.n_features, self.n_params)

    def value(self, coef):
        """The penalty at ``coef``, in double."""
        if self.l2 == 0.0:
            return 0.0
        W = self.weights(coef).astype(np.float64, copy=False)
        return 0.5 * self.l2 * _sumprod(W, W)

    def add_gradient(self, coef, grad):
        """``grad += d/dcoef penalty`` in place (``grad`` of coef's layout); returns it."""
        if self.l2 != 0.0:
            self.weights(grad)[...] += self.l2 * self.weights(coef)
        return grad

    def add_hessp(self, v, out):
        """``out += H_penalty v`` in place; returns it."""
        if self.l2 != 0.0:
            self.weights(out)[...] += self.l2 * self.weights(v)
        return out

    def add_hessian(self, H):
        """``H += H_penalty`` in place for the (m, m) Hessian of flattened
        coefficients (``coef.ravel()`` order); returns it."""
        if self.l2 != 0.0:
            idx = self.weights(np.arange(H.shape[0])).ravel()
            H[idx, idx] += self.l2
        return H

    def along_line(self, coef, D, t):
        """Value and ``t``-derivative of the penalty at ``coef + t D``.

        In float64 whatever the dtype of the problem: t moves in steps
        float32 cannot hold.
        """
        if self.l2 == 0.0:
            return 0.0, 0.0
        W = self.weights(coef).astype(np.float64)
        Dw = self.weights(D).astype(np.float64)
        Wt = W + t * Dw
        return 0.5 * self.l2 * _sumprod(Wt, Wt), self.l2 * _sumprod(Wt, Dw)

    def line_terms(self, coef, D):
        """``(l2 <W, D_W>, l2 <D_W, D_W>)``: the penalty along ``coef + t D`` is
        ``value(coef) + t * first + t^2 / 2 * second``."""
        if self.l2 == 0.0:
            return 0.0, 0.0
        Dw = self.weights(D)
        return (self.l2 * float(np.vdot(self.weights(coef), Dw)),
                self.l2 * float(np.vdot(Dw, Dw)))
