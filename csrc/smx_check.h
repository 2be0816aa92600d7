/* Input checks that must read every element: finiteness of a float array
 * and the structure of a CSR matrix.  The Python owner of X's invariants
 * (softmax_ext/_design_matrix.py) calls them once, where X is bound; every
 * other kernel then trusts what they established.
 *
 * Both scan in fixed chunks (the same for any thread count), branch-free
 * inside a chunk so that the compiler vectorises the scan, and then locate
 * the first offending element serially inside the first flagged chunk: the
 * answer names the same element whatever the thread count. */
#ifndef SMX_CHECK_H
#define SMX_CHECK_H

#include <stdint.h>

#include "smx_config.h"

/* What smx_check_csr_* found (the first problem in row order). */
enum {
    SMX_CSR_VALID = 0,         /* structure valid */
    SMX_CSR_BAD_INDPTR = 1,    /* indptr[row + 1] < indptr[row], or beyond nnz */
    SMX_CSR_BAD_INDEX = 2      /* indices[entry] outside [0, d) */
};

/* Index of the first non-finite element of x[0:size], or -1 when all are
 * finite. */
smx_int smx_first_nonfinite_f32(const float *x, smx_int size, int n_threads);
smx_int smx_first_nonfinite_f64(const double *x, smx_int size, int n_threads);

/* Structure of a CSR matrix with n rows and d columns, given that
 * indptr[0] == 0 and indptr[n] == nnz (the binding checks both).  Returns one
 * of the SMX_CSR_* codes; *where is the row (BAD_INDPTR) or the entry
 * (BAD_INDEX) of the first problem.  *canonical is set to 1 when every row's
 * column indices are strictly increasing (sorted, no duplicates), else 0
 * (only meaningful for SMX_CSR_VALID). */
int smx_check_csr_i32(const int32_t *indices, const int32_t *indptr, smx_int n, smx_int d,
                      smx_int nnz, int n_threads, smx_int *where, int *canonical);
int smx_check_csr_i64(const int64_t *indices, const int64_t *indptr, smx_int n, smx_int d,
                      smx_int nnz, int n_threads, smx_int *where, int *canonical);

#endif
