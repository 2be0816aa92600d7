# The smx_blas table of csrc/smx_blas.h, filled from scipy.linalg.cython_blas.
# Use: `from softmax_ext._ext.blas cimport smx_blas, fill_blas` then
# `cdef smx_blas table; fill_blas(&table)` once per module.

from scipy.linalg.cython_blas cimport sgemm, dgemm, ssyrk, dsyrk

cdef extern from "smx_blas.h" nogil:
    ctypedef void (*smx_sgemm_t)(char *, char *, int *, int *, int *, float *, float *,
                                 int *, float *, int *, float *, float *, int *)
    ctypedef void (*smx_dgemm_t)(char *, char *, int *, int *, int *, double *, double *,
                                 int *, double *, int *, double *, double *, int *)
    ctypedef void (*smx_ssyrk_t)(char *, char *, int *, int *, float *, float *, int *,
                                 float *, float *, int *)
    ctypedef void (*smx_dsyrk_t)(char *, char *, int *, int *, double *, double *, int *,
                                 double *, double *, int *)
    ctypedef struct smx_blas:
        smx_sgemm_t sgemm
        smx_dgemm_t dgemm
        smx_ssyrk_t ssyrk
        smx_dsyrk_t dsyrk


cdef inline void fill_blas(smx_blas *table) noexcept nogil:
    table.sgemm = <smx_sgemm_t>sgemm
    table.dgemm = <smx_dgemm_t>dgemm
    table.ssyrk = <smx_ssyrk_t>ssyrk
    table.dsyrk = <smx_dsyrk_t>dsyrk
