"""The objective on a subset of the columns (and rows) of X, for working-set solvers.

``MultinomialLoss.restrict`` and ``FixedClassLoss.restrict`` build it here, so
that a solver never reads X: prox_newton's working sets are the objective on
the working set's columns, and its sub-sampled Hessian the objective on a
regular subset of the rows.  The restricted X is a new array (the chosen
columns / rows of X, the same dtype and format: dense C order or CSR), small
by construction; X itself is never copied whole.
"""

import numpy as np


def restricted_base(base, features=None, rows=None):
    """A ``type(base)`` objective on ``X[rows][:, features]`` (None = all) whose pass
    counter is ``base``'s.

    Its coefficients are ``coef[:, features]`` (plus the intercept column).  With
    every other weight zero, its scores are the chosen rows of the full
    objective's scores; its data term is the weighted mean loss over the chosen
    rows (over all rows: exactly the full objective's), its L2 strength is
    ``base.l2``, its classes are ``base.n_classes`` (a class missing from the
    rows keeps its coefficients).
    """
    X, y, sw = base.X, base.y, base.sample_weight
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        X, y = X[rows], y[rows]
        sw = None if sw is None else sw[rows]
    if features is not None:
        X = X[:, np.asarray(features, dtype=np.int64)]
    if not hasattr(X, "tocsr"):
        X = np.ascontiguousarray(X)
    # a restriction of a restriction is built as the plain class: the counter
    # class's setter needs an owner that __init__ has not set yet
    cls = getattr(type(base), "_plain_class", type(base))
    sub = cls(X, y, sample_weight=sw, l2=base.l2, fit_intercept=base.fit_intercept,
              n_classes=base.n_classes, n_threads=base.n_threads)
    # the same penalty on the chosen columns (liblinear's intercept term included)
    sub.regularizer = base.regularizer.for_features(X.shape[1])
    _share_counter(sub, base)
    return sub


def _share_counter(sub, base):
    """Make ``sub.n_passes_over_X`` read and write ``base``'s: a pass over the
    restricted X counts as a pass over X (an upper bound for a row subset)."""
    sub.__dict__.pop("n_passes_over_X", None)
    sub.__class__ = _shared_counter_class(type(sub))
    sub._counter_owner = base


_SHARED = {}


def _shared_counter_class(cls):
    """``cls`` with ``n_passes_over_X`` forwarded to ``self._counter_owner``."""
    if cls not in _SHARED:
        def _get(self):
            return self._counter_owner.n_passes_over_X

        def _set(self, value):
            self._counter_owner.n_passes_over_X = value

        _SHARED[cls] = type(cls.__name__, (cls,), {
            "n_passes_over_X": property(_get, _set),
            "__module__": cls.__module__,
            "__doc__": cls.__doc__,
            "_plain_class": cls,
        })
    return _SHARED[cls]
