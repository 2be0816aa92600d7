/* Common definitions for the softmax-ext C kernels: the size type, the
 * status codes, the stop flag and the compiler hints (csrc/README.md says how
 * the kernels use them).
 *
 * The kernels are plain C99: raw pointers, sizes, a thread count, and an int
 * status (SMX_OK on success).  They check nothing that the Cython bindings
 * already validated (shapes, label ranges, contiguity).
 */
#ifndef SMX_CONFIG_H
#define SMX_CONFIG_H

#include <signal.h>
#include <stdint.h>

typedef int64_t smx_int;

/* Status of every kernel (the bindings' status.pxd turns them into
 * exceptions): out of memory, a size the kernel cannot take (BLAS's int),
 * a BLAS failure, stopped by the stop flag. */
enum { SMX_OK = 0, SMX_ENOMEM = 1, SMX_EINVAL = 2, SMX_EBLAS = 3, SMX_EINTR = 4 };

/* Stop flag of the long kernels (the Hessian assemblies), written
 * asynchronously by a SIGINT handler (smx_sigint.h); NULL: never stop. */
typedef volatile sig_atomic_t smx_stop_flag;
#define SMX_STOPPED(stop) ((stop) != NULL && *(stop) != 0)

/* Hot block workers are compiled for several instruction sets and picked at
 * load time (GCC's target_clones with an ifunc resolver), so that a portable
 * build still runs AVX-512 / AVX2 code where the CPU has it. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__) && !defined(SMX_NO_CLONES)
#define SMX_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SMX_CLONES
#endif

#if defined(__GNUC__)
#define SMX_INLINE static inline __attribute__((always_inline))
#else
#define SMX_INLINE static inline
#endif

/* Elements of Z held by one row block: big enough to amortise the per-block
 * overhead, small enough that a block and its scratch stay in L1/L2. */
#ifndef SMX_BLOCK_ELEMS
#define SMX_BLOCK_ELEMS 4096
#endif

/* Class counts for which row loops are compiled with K constant (a switch
 * over SMX_SMALL_K_CASES, other K take a generic loop): the narrow-row
 * transposes of the softmax kernels and the CSR row loops. */
#define SMX_SMALL_K_MAX 16
#define SMX_SMALL_K_CASES(X) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) \
    X(11) X(12) X(13) X(14) X(15) X(16)

#endif
