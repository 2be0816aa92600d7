/* OpenMP shims: every OpenMP call goes through here, so that a compiler
 * without OpenMP builds serial code from the same sources. */
#ifndef SMX_OMP_H
#define SMX_OMP_H

#ifdef _OPENMP
#include <omp.h>
#define SMX_OPENMP_ENABLED 1
#else
#define SMX_OPENMP_ENABLED 0
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
static inline int omp_get_max_threads(void) { return 1; }
#endif

#endif
