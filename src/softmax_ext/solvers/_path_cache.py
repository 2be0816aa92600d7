"""What one fit of a regularisation path leaves for the next fit on the same objective.

A path (``linear_model/_path.py``) fits one objective at a sequence of L2
strengths, each fit starting where the previous one ended.  What else the
previous fit had is worth keeping for the next:

- its **end point**: the scores ``Z = X W^T + b``, the objective and the
  gradient there.  Only the penalty depends on the strength, so the next fit
  starts from them with the penalty's part swapped (O(m), no pass over X)
  instead of the forward and backward pass a start costs
  (:meth:`PathCache.start`);
- an L1 fit's last **explicit Hessian** (:class:`ModelCache`), which serves the
  next fit's first proximal Newton step;
- what a fit builds from X alone, whatever the strength (:meth:`PathCache.shared`):
  the preconditioner's feature Gram matrix and its eigenvectors, the copy of
  the rows a Newton method takes its curvature from.

None changes a result beyond rounding: the start is the same point with
the same values, a kept Hessian is a model's curvature at a nearby point,
and what comes from X alone is what the fit would build again.
One cache serves one objective; anything stored for another objective, or
for other coefficients than the next fit starts from, is dropped.
"""

import numpy as np

__all__ = ["PathCache", "ModelCache"]


class ModelCache:
    """The explicit model's last Hessian, carried from one proximal Newton
    run to the next along a regularisation path.

    Consecutive fits of a path start from each other's solution, usually on
    the same working set: the Hessian the previous fit ended with is one at a
    nearby point, as good for the next fit's first step as a kept Hessian is
    within a fit (``prox_newton._Composite.keep_hessian``), and its assembly
    is a step's main cost on dense X.  It is kept with the penalty part of its
    diagonal, which is swapped for the objective's current one on reuse (a
    path changes the L2 strength between fits).  One cache serves one
    objective (its data); a working set or row sample other than the stored
    one drops it.
    """

    def __init__(self):
        self._key, self._H, self._penalty = None, None, None

    @staticmethod
    def _penalty_diagonal(hess_obj, m):
        # the L2 penalty's Hessian is diagonal: its product with ones
        return hess_obj.regularizer.add_hessp(np.ones(m), np.zeros(m))

    def _matches(self, key):
        if self._key is None or key[0] is not self._key[0]:
            return False
        # features, then rows (None: every row)
        return all((a is None and b is None) or (a is not None and b is not None
                                                 and np.array_equal(a, b))
                   for a, b in zip(key[1:], self._key[1:]))

    def take(self, obj, features, rows, hess_obj):
        """The stored Hessian for this working set and row sample, with the
        current penalty, or None (and the store emptied)."""
        H, old = (self._H, self._penalty) if self._matches((obj, features, rows)) else (None, None)
        self._key, self._H, self._penalty = None, None, None
        if H is not None:
            H[np.diag_indices(H.shape[0])] += self._penalty_diagonal(hess_obj, H.shape[0]) - old
        return H

    def store(self, obj, features, rows, composite):
        """Keep ``composite``'s Hessian (if it has an explicit one) for the next run."""
        if composite.H is None or composite.score_model is not None:
            return
        self._key = (obj, features, rows)
        self._H = composite.H
        self._penalty = self._penalty_diagonal(composite.hess_obj, composite.H.shape[0])


class PathCache:
    """The previous fit's end point and last Hessian, for the next fit of a path.

    Attributes
    ----------
    hessian : ModelCache
        Proximal Newton's last explicit Hessian.
    """

    def __init__(self):
        self.hessian = ModelCache()
        self._end = None
        self._shared = {}

    def shared(self, objective, key, build, version=None):
        """``build()``'s value for ``objective`` and ``key``, built at the first
        call of the path and returned again after: for what does not depend on
        the strength (a value that does must read it from the objective when
        used, as the preconditioner does).

        One value is held per key: a call with another ``version`` (compared
        with ``==``; a row sample's indices as bytes, say) builds anew and
        replaces it, so that the cache never holds more than one copy of any
        kind of data.
        """
        held = self._shared.get(key)
        if held is None or held[0] is not objective or held[1] != version:
            self._shared.pop(key, None)  # the old value freed before the new is built
            held = (objective, version, build())
            self._shared[key] = held
        return held[2]

    def keep_end(self, objective, coef, x, Z, f, g):
        """Store a fit's end: the iterate ``x`` (flat float64), its scores ``Z``,
        objective ``f`` and flat gradient ``g`` at the objective's current
        strength, and ``coef``, the coefficients the fit returned (``x``
        with its intercepts centred and in X's dtype), which the next fit
        passes as its start."""
        pen = objective.regularizer
        self._end = (objective, np.asarray(coef, dtype=np.float64).ravel(), x, Z, f, g,
                     pen.l2, pen.value(x))

    def start(self, objective, coef0):
        """``(x, Z, f, g)`` at the stored end for a fit of ``objective`` from
        ``coef0`` at its current strength, or None (and the store emptied).

        Only when ``objective`` is the stored one and ``coef0`` the coefficients
        that fit returned.  The start is the stored iterate ``x``, of which
        ``coef0`` is the returned form: the same scores up to a shift of the
        intercepts along the direction that changes no probability, and in
        float32 the same point before rounding.  ``f`` and ``g`` get the
        penalty's change from the stored strength to the current one.
        """
        end, self._end = self._end, None
        if end is None or coef0 is None:
            return None
        obj, coef, x, Z, f, g, l2, value = end
        flat = np.asarray(coef0, dtype=np.float64).ravel()
        if obj is not objective or flat.shape != coef.shape or not np.array_equal(flat, coef):
            return None
        pen = objective.regularizer
        if pen.l2 != l2:
            f = f + pen.value(x) - value
            change = type(pen)(pen.l2 - l2, pen.n_features, pen.n_params, pen.intercept_scaling)
            g = change.add_gradient(x, g.copy())
        return x, Z, f, g
