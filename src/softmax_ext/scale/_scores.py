"""Scores that are never formed: ``Z = X W^T + b`` kept as the coefficients W.

The solvers work in score space (``objective/`` and ``solvers/_linesearch.py``):
they hold the scores of the iterate, ask for the scores ``XD`` of a direction
and combine them linearly (``Z + t XD``, ``Z_new - Z``).  Scores are linear in
the coefficients, so a blocked objective can hand out the coefficients in their
place: the combinations become combinations of coefficient vectors (O(d K)),
and the objective evaluates the scores block by block, in the kernels, when a
value is asked for.  No (n_samples, n_classes) array exists on the client.
"""

import numbers

import numpy as np

__all__ = ["LinearScores"]


class LinearScores:
    """The scores ``X~ coef^T`` of one coefficient array, held as that array.

    Parameters
    ----------
    coef : ndarray of the base objective's ``coef_shape``, float64
    owner : BlockedLoss
        The objective whose X these are the scores of.

    Notes
    -----
    Supports what the solvers do with scores: ``+`` and ``-`` of two
    scores of one owner and multiplication by a real number.
    ``__array_ufunc__ = None`` makes NumPy hand ``ndarray + scores`` and
    ``float64 * scores`` to these methods instead of building object arrays.
    """

    __array_ufunc__ = None
    __slots__ = ("coef", "owner")

    def __init__(self, coef, owner):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.owner = owner

    @property
    def shape(self):
        """``(n_samples, n_classes)``, as the array these scores stand for."""
        return (self.owner.n_samples, self.owner.n_classes)

    def _other(self, other):
        if not isinstance(other, LinearScores) or other.owner is not self.owner:
            raise TypeError("LinearScores combine only with the scores of the same objective, "
                            f"got {type(other).__name__}.")
        return other.coef

    def __add__(self, other):
        return LinearScores(self.coef + self._other(other), self.owner)

    __radd__ = __add__

    def __sub__(self, other):
        return LinearScores(self.coef - self._other(other), self.owner)

    def __rsub__(self, other):
        return LinearScores(self._other(other) - self.coef, self.owner)

    def __mul__(self, t):
        if not isinstance(t, numbers.Real):
            return NotImplemented
        return LinearScores(self.coef * float(t), self.owner)

    __rmul__ = __mul__

    def __neg__(self):
        return LinearScores(-self.coef, self.owner)

    def probability_gram(self):
        """``P^T S P`` (K x K, float64) at these scores: one pass over X."""
        return self.owner.probability_gram(self.coef)
