"""The Cython bindings of the C kernels in ``csrc/``: one module per kernel family.

- ``softmax``: row-wise log-sum-exp, softmax, log-softmax, cross-entropy and
  the line-search sweep on scores;
- ``lossgrad``: the fused one-pass drivers over dense or CSR X, one function
  per mode (``loss``, ``loss_gradient``, ``loss_gradient_from_scores``,
  ``scores``, ``hessp``), keyword arguments;
- ``hessian``: probabilities and Hessian assembly (and ``x_reads``, the
  passes one assembly makes, which the objective counts);
- ``check``: the scans behind ``softmax_ext._design_matrix``;
- ``cholesky``: the blocked, interruptible Cholesky factorisation.

``design.pxd`` holds the checks of X's two forms (dense ``X``, or CSR
``data``/``indices``/``indptr``/``n_features``) that lossgrad and hessian
share.  The bindings check what the C code assumes (shapes, lengths, dtypes that
Cython's fused types do not already fix) and nothing more; the structure of
X is validated once, by ``softmax_ext._design_matrix``, before any of them
is called.
"""
