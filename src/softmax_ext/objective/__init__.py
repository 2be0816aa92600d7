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
them; every pass over X is made here (the kernels, and the feature moments
and Gram matrix the preconditioner asks for), never by a solver.

Modules
-------
- ``_multinomial``: :class:`MultinomialLoss`, the symmetric parametrisation;
- ``_fixed_class``: :class:`FixedClassLoss`, one class's coefficients fixed
  at zero;
- ``_binary``: :class:`BinaryLoss`, the two-class case of ``FixedClassLoss``
  on the binary kernels (one score per row, the Hessian by a weighted SYRK);
- ``_kernels``: the calls of the C kernels, one function per mode;
- ``_moments``: the NumPy passes over X for the preconditioner (feature
  moments, Gram matrix);
- ``_penalty``: the penalty, its gradient, Hessian and line terms, and which
  coefficients it applies to;
- ``_layout``: the one check of a coefficient array against ``coef_shape``;
- ``_build``: which objective a fit with ``n_classes`` classes minimises.
"""

from ._binary import BinaryLoss
from ._build import build_objective
from ._fixed_class import FixedClassLoss
from ._multinomial import MultinomialLoss

__all__ = ["MultinomialLoss", "FixedClassLoss", "BinaryLoss", "build_objective"]
