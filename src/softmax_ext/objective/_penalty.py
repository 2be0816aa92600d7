"""The penalty on the coefficients: one owner of its formula and of what it applies to.

The L2 term ``(l2 / 2) ||W||_F^2`` on the weights W and, by default, never
on the intercepts (the last column of coef when the objective fits them).
With ``intercept_scaling=s`` the intercepts are penalised as liblinear
penalises them: liblinear appends a synthetic feature of constant value s
to X and penalises its weight ``w_b = b / s`` like any other, so the term
is ``(l2 / 2) (||W||_F^2 + ||b||^2 / s^2)`` -- the same objective without
the extra column of X.  (An L1 term on ``|b| / s`` is the solver's:
:attr:`Penalty.intercept_l1_factor` gives it the factor ``1 / s``.)  Every
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

A path of fits over the same data (``linear_model/_path.py``) changes the
strength of a built objective with :func:`set_objective_l2` rather than
building and validating a new objective per C: the strength is the only
state of an objective that depends on C.
"""

import numbers

import numpy as np


def check_l2(l2):
    """The rule for an L2 strength, the one objectives are built with: a finite
    real number >= 0; a ValueError naming ``l2`` otherwise."""
    if not isinstance(l2, numbers.Real) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")


def set_objective_l2(objective, l2):
    """Give a built objective the L2 strength ``l2``, in place; returns it.

    The sanctioned way to move along a regularisation path: X, y and the
    weights stay validated and bound, only the strength changes -- on the
    objective's :class:`Penalty` (shared by a
    :class:`~softmax_ext.objective.FixedClassLoss` and its base, and kept
    with liblinear's intercept term if one was given) and on the ``l2``
    attribute the solvers read (both layers of a fixed-class objective).

    Parameters
    ----------
    objective : MultinomialLoss or FixedClassLoss
    l2 : float
        The new strength, finite and >= 0 (the constructor's rule).
    """
    if isinstance(l2, bool):  # a path's strength is computed, never a flag
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
    check_l2(l2)
    from ._fixed_class import FixedClassLoss  # the objective layer: no cycle at import

    l2 = float(l2)
    holders = [objective]
    if isinstance(objective, FixedClassLoss):
        holders.append(objective.base)
    for holder in holders:
        holder.l2 = l2
        holder.regularizer.l2 = l2
    return objective


def _sumprod(A, B):
    """sum(A * B) without BLAS: a threaded BLAS dot on a strided coefficient
    slice copies it, and its OpenBLAS workers then spin during the next
    OpenMP kernel call."""
    return float(np.einsum("ij,ij->", A, B))


class Penalty:
    """``(l2 / 2) (||W||_F^2 + c ||b||^2)`` over coefficients with ``n_params`` columns.

    ``c`` is 0 (the intercepts unpenalised) unless ``intercept_scaling`` is
    given, then ``1 / intercept_scaling^2`` (liblinear's penalty on the
    weight of its synthetic intercept feature).

    Parameters
    ----------
    l2 : float
        Strength, >= 0 (checked by the objective).
    n_features : int
        Columns of W; a column beyond them is the intercept.
    n_params : int
        Columns of coef: ``n_features + 1`` with an intercept, else
        ``n_features``.
    intercept_scaling : float or None, default None
        None: the intercepts are not penalised.  A float s > 0: they are
        penalised as the weight ``b / s`` of a feature of constant value s.
    """

    def __init__(self, l2, n_features, n_params, intercept_scaling=None):
        self.l2 = float(l2)
        self.n_features = int(n_features)
        self.n_params = int(n_params)
        if intercept_scaling is not None:
            s = float(intercept_scaling)
            if not (np.isfinite(s) and s > 0):
                raise ValueError(f"intercept_scaling must be a finite number > 0, got "
                                 f"{intercept_scaling!r}.")
        self.intercept_scaling = None if intercept_scaling is None else s
        penalised = intercept_scaling is not None and self.n_params > self.n_features
        # factor of the intercepts in the L2 and the L1 term: (b / s)^2, |b / s|
        self.intercept_factor = 1.0 / s**2 if penalised else 0.0
        self.intercept_l1_factor = 1.0 / s if penalised else 0.0

    def for_features(self, n_features):
        """The same penalty on coefficients with ``n_features`` weight columns (a
        working set of the features), the intercept as here."""
        return type(self)(self.l2, n_features, n_features + self.n_params - self.n_features,
                          self.intercept_scaling)

    def _split(self, coef):
        arr = np.asarray(coef)
        if arr.ndim != 2:
            # (0, 0) for no columns at all: -1 cannot be inferred there
            arr = arr.reshape(-1, self.n_params) if self.n_params else arr.reshape(0, 0)
        return arr[:, :self.n_features], arr[:, self.n_features:]

    def weights(self, coef):
        """View of the weights (all columns but the intercept) of ``coef``,
        ``(rows, n_features)``; ``coef`` of the layout or flat."""
        return self._split(coef)[0]

    def _intercepts(self, coef):
        """View of the intercept column(s) of ``coef``, ``(rows, 0 or 1)``."""
        return self._split(coef)[1]

    def unpenalised_columns(self):
        """Column indices the penalty does not touch: all of them when ``l2 == 0``,
        else the intercept's (if any and not penalised)."""
        if self.l2 == 0.0:
            return np.arange(self.n_params)
        if self.intercept_factor:
            return np.arange(0)
        return np.arange(self.n_features, self.n_params)

    def _sq(self, A, B):
        """``<A_W, B_W> + c <A_b, B_b>`` in double, the penalty's inner product."""
        out = _sumprod(self.weights(A), self.weights(B))
        if self.intercept_factor:
            out += self.intercept_factor * _sumprod(self._intercepts(A), self._intercepts(B))
        return out

    def value(self, coef):
        """The penalty at ``coef``, in double."""
        if self.l2 == 0.0:
            return 0.0
        c = np.asarray(coef, dtype=np.float64)
        return 0.5 * self.l2 * self._sq(c, c)

    def _add_scaled(self, v, out):
        """``out += l2 * (v_W, c v_b)`` on the penalised columns; returns out."""
        if self.l2 != 0.0:
            self.weights(out)[...] += self.l2 * self.weights(v)
            if self.intercept_factor:
                self._intercepts(out)[...] += (self.l2 * self.intercept_factor
                                               * self._intercepts(v))
        return out

    def add_gradient(self, coef, grad):
        """``grad += d/dcoef penalty`` in place (``grad`` of coef's layout); returns it."""
        return self._add_scaled(coef, grad)

    def add_hessp(self, v, out):
        """``out += H_penalty v`` in place; returns it."""
        return self._add_scaled(v, out)

    def add_hessian(self, H):
        """``H += H_penalty`` in place for the (m, m) Hessian of flattened
        coefficients (``coef.ravel()`` order); returns it."""
        if self.l2 != 0.0:
            flat = np.arange(H.shape[0])
            idx = self.weights(flat).ravel()
            H[idx, idx] += self.l2
            if self.intercept_factor:
                idx = self._intercepts(flat).ravel()
                H[idx, idx] += self.l2 * self.intercept_factor
        return H

    def along_line(self, coef, D, t):
        """Value and ``t``-derivative of the penalty at ``coef + t D``.

        In float64 whatever the dtype of the problem: t moves in steps
        float32 cannot hold.
        """
        if self.l2 == 0.0:
            return 0.0, 0.0
        c = np.asarray(coef, dtype=np.float64)
        Dd = np.asarray(D, dtype=np.float64)
        Ct = c + t * Dd
        return 0.5 * self.l2 * self._sq(Ct, Ct), self.l2 * self._sq(Ct, Dd)

    def line_terms(self, coef, D):
        """``(l2 <coef, D>_P, l2 <D, D>_P)`` in the penalty's inner product: the
        penalty along ``coef + t D`` is ``value(coef) + t * first + t^2 / 2 * second``."""
        if self.l2 == 0.0:
            return 0.0, 0.0
        c = np.asarray(coef, dtype=np.float64)
        Dd = np.asarray(D, dtype=np.float64)
        return self.l2 * self._sq(c, Dd), self.l2 * self._sq(Dd, Dd)
