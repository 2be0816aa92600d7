"""Blocked, interruptible Cholesky factorisation (upper, in place) through scipy's BLAS/LAPACK.

Why not one ``dpotrf`` call (``scipy.linalg.cho_factor``):

- **Crash.**  OpenBLAS's threaded ``dpotrf`` updates the trailing matrix with
  its threaded SYRK driver (``driver/level3/level3_syrk_threaded.c``), whose
  ``inner_thread`` packs a thread's whole column range of the panel
  (``GEMM_Q x width`` doubles, in two halves) into the thread's fixed BLAS
  buffer without blocking it by ``GEMM_R``.  The OpenBLAS bundled with the
  numpy/scipy wheels is built with ``BUFFERSIZE=20`` (a 32 MiB buffer instead
  of 128 MiB); with SkylakeX kernels (P = 192, Q = 384) it overflows once a
  thread's width passes ~10,700 columns: at two threads the factorisation of
  an m x m matrix segfaults from m ~ 15,600 (16,000 crashes, 12,000 runs; a
  plain threaded ``dsyrk`` with k = 256 crashes at n = 20,000 and not 18,000,
  as the buffer arithmetic predicts), and at one thread (a GEMM_R-blocked
  driver) it never does.  Here SYRK only ever sees a diagonal tile of at most
  ``tile`` columns; the rest of the trailing update is GEMM, whose threaded
  driver blocks by ``GEMM_R`` (sized from the buffer).
- **Ctrl-C.**  One LAPACK call of m^3 / 3 flops runs for a minute at m =
  18,000 with the GIL released and no way to stop it.  Here every BLAS call
  is bounded (about ``2 * 10^9`` flops, tens of milliseconds) and
  ``PyErr_CheckSignals`` runs between calls: a KeyboardInterrupt raised by
  the SIGINT handler stops the factorisation within one call.

The factorisation is right-looking with panels of ``nb`` columns: ``dpotrf``
on the nb x nb diagonal block, ``dtrsm`` for the panel's row, then the
trailing update of the upper triangle tile by tile (``dgemm`` above the
diagonal tile, ``dsyrk`` on it).  Same flops as ``dpotrf``; only the upper
triangle is read or written (the strict lower triangle stays intact), as
with LAPACK's ``uplo="U"``.
"""

from cpython.exc cimport PyErr_CheckSignals
from scipy.linalg.cython_blas cimport dgemm, dsyrk, dtrsm
from scipy.linalg.cython_lapack cimport dpotrf, dpotrs


def potrf_upper(double[::1, :] A,   # INOUT (m, m) Fortran order: upper triangle -> R
                int nb=256, double max_flops=2e9):
    """Factor ``A = R^T R`` in place (upper triangle); return LAPACK's ``info``.

    0 on success; ``j > 0`` when the leading minor of order j is not positive
    definite (the factorisation stopped there).  Raises KeyboardInterrupt
    (or what the signal handler raises) between BLAS calls.
    """
    cdef int m = A.shape[0], lda, info = 0
    cdef int k0, kb, k1, j0, jb, rows, tile
    cdef double one = 1.0, minus = -1.0
    cdef char U = b'U', L = b'L', T = b'T', N = b'N'
    if A.shape[1] != m:
        raise ValueError(f"A must be square, got shape {(A.shape[0], A.shape[1])}")
    if m == 0:
        return 0
    if nb < 1:
        raise ValueError(f"nb must be >= 1, got {nb}")
    lda = <int>A.strides[1] // sizeof(double)
    for k0 in range(0, m, nb):
        kb = min(nb, m - k0)
        k1 = k0 + kb
        with nogil:
            dpotrf(&U, &kb, &A[k0, k0], &lda, &info)
        if info != 0:
            return k0 + info
        PyErr_CheckSignals()   # raises what the signal handler raised
        if k1 == m:
            break
        rows = m - k1
        with nogil:   # A12 <- R11^-T A12 (kb^2 (m - k1) flops)
            dtrsm(&L, &U, &T, &N, &kb, &rows, &one, &A[k0, k0], &lda, &A[k0, k1], &lda)
        # trailing update A22 -= A12^T A12, upper triangle, in column tiles
        # of about max_flops each (2 (j0 - k1 + jb) jb kb flops)
        tile = <int>min(<double>rows, max(64.0, max_flops / (2.0 * rows * kb)))
        for j0 in range(k1, m, tile):
            jb = min(tile, m - j0)
            rows = j0 - k1
            with nogil:
                if rows > 0:
                    dgemm(&T, &N, &rows, &jb, &kb, &minus, &A[k0, k1], &lda, &A[k0, j0],
                          &lda, &one, &A[k1, j0], &lda)
                dsyrk(&U, &T, &jb, &kb, &minus, &A[k0, j0], &lda, &one, &A[j0, j0], &lda)
            PyErr_CheckSignals()
    return 0


def potrs_upper(double[::1, :] R,   # IN (m, m) Fortran order, upper factor from potrf_upper
                double[::1] b):     # INOUT (m,): right-hand side -> solution
    """Solve ``R^T R x = b`` in place (``dpotrs``, O(m^2))."""
    cdef int m = R.shape[0], lda, nrhs = 1, info = 0
    cdef char U = b'U'
    if R.shape[1] != m or b.shape[0] != m:
        raise ValueError(f"R has shape {(R.shape[0], R.shape[1])} and b {b.shape[0]} rows")
    if m == 0:
        return
    lda = <int>R.strides[1] // sizeof(double)
    with nogil:
        dpotrs(&U, &m, &nrhs, &R[0, 0], &lda, &b[0], &m, &info)
    if info != 0:
        raise ValueError(f"dpotrs: illegal argument {-info}")
