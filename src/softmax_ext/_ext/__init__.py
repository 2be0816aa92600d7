"""The Cython bindings of the C kernels in ``csrc/``: one module per kernel family.

- ``softmax``: row-wise log-sum-exp, softmax, log-softmax, cross-entropy and
  the line-search sweep on scores;
- ``lossgrad``: the fused one-pass loss / gradient / scores / Hessian-product
  drivers over dense or CSR X;
- ``hessian``: probabilities and Hessian assembly;
- ``check``: the scans behind ``softmax_ext._design_matrix``;
- ``cholesky``: the blocked, interruptible Cholesky factorisation.

The bindings check what the C code assumes (shapes, lengths, dtypes that
Cython's fused types do not already fix) and nothing more; the structure of
X is validated once, by ``softmax_ext._design_matrix``, before any of them
is called.
"""
