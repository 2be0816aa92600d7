/* BLAS as seen by the C kernels: Fortran-convention function pointers.
 *
 * The kernels do not link a BLAS themselves: the Cython bindings take these
 * pointers from scipy.linalg.cython_blas (scipy's bundled OpenBLAS, callable
 * without the GIL) and pass them in an smx_blas table.  BLAS is column-major:
 * a C-contiguous (rows, cols) array is a column-major (cols, rows) matrix, so
 * C = A B in C order is computed as C^T = B^T A^T, i.e. gemm("N", "N", ...)
 * with the operands swapped.
 *
 * Kernels call BLAS from inside OpenMP threads; the Python layer limits the
 * BLAS pool to one thread around such calls (softmax_ext._threads), so BLAS
 * threads never run inside OpenMP threads.
 */
#ifndef SMX_BLAS_H
#define SMX_BLAS_H

typedef void (*smx_sgemm_t)(char *transa, char *transb, int *m, int *n, int *k,
                            float *alpha, float *a, int *lda, float *b, int *ldb,
                            float *beta, float *c, int *ldc);
typedef void (*smx_dgemm_t)(char *transa, char *transb, int *m, int *n, int *k,
                            double *alpha, double *a, int *lda, double *b, int *ldb,
                            double *beta, double *c, int *ldc);
typedef void (*smx_ssyrk_t)(char *uplo, char *trans, int *n, int *k, float *alpha,
                            float *a, int *lda, float *beta, float *c, int *ldc);
typedef void (*smx_dsyrk_t)(char *uplo, char *trans, int *n, int *k, double *alpha,
                            double *a, int *lda, double *beta, double *c, int *ldc);

typedef struct {
    smx_sgemm_t sgemm;
    smx_dgemm_t dgemm;
    smx_ssyrk_t ssyrk;
    smx_dsyrk_t dsyrk;
} smx_blas;

#endif
