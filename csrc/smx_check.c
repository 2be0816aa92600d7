/* Whole-array input checks (see smx_check.h), instantiated from
 * smx_check_body.h for float/double and int32/int64 indices. */
#include <string.h>

#include "smx_check.h"
#include "smx_config.h"
#include "smx_omp.h"
#include "smx_threads.h"

/* Elements per chunk of the finiteness scan and rows per chunk of the CSR
 * scan: large enough that the per-chunk bookkeeping vanishes, small enough
 * that two threads share uneven rows well. */
#define SMX_CHECK_CHUNK_ELEMS 16384
#define SMX_CHECK_CHUNK_ROWS 1024

/* Non-finite <=> every exponent bit set (inf or NaN): an integer test that
 * the compiler vectorises and that no floating-point flag can change. */
SMX_INLINE int smx_nonfinite_bits_f32(const float *x)
{
    uint32_t b;
    memcpy(&b, x, sizeof b);
    return (b & 0x7f800000u) == 0x7f800000u;
}

SMX_INLINE int smx_nonfinite_bits_f64(const double *x)
{
    uint64_t b;
    memcpy(&b, x, sizeof b);
    return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull;
}

#define SMX_CHECK_REAL float
#define SMX_CHECK_RFN(name) name##_f32
#include "smx_check_body.h"
#undef SMX_CHECK_REAL
#undef SMX_CHECK_RFN

#define SMX_CHECK_REAL double
#define SMX_CHECK_RFN(name) name##_f64
#include "smx_check_body.h"
#undef SMX_CHECK_REAL
#undef SMX_CHECK_RFN

#define SMX_CHECK_IDX int32_t
#define SMX_CHECK_UIDX uint32_t
#define SMX_CHECK_IFN(name) name##_i32
#include "smx_check_body.h"
#undef SMX_CHECK_IDX
#undef SMX_CHECK_UIDX
#undef SMX_CHECK_IFN

#define SMX_CHECK_IDX int64_t
#define SMX_CHECK_UIDX uint64_t
#define SMX_CHECK_IFN(name) name##_i64
#include "smx_check_body.h"
#undef SMX_CHECK_IDX
#undef SMX_CHECK_UIDX
#undef SMX_CHECK_IFN
