/* Whole-array input checks (see smx_check.h), instantiated from
 * smx_check_body.h for float/double (finiteness) and int32/int64 indices
 * (CSR structure). */
#include <string.h>

#include "smx_check.h"
#include "smx_config.h"
#include "smx_driver.h"
#include "smx_omp.h"

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

#define SMX_REAL_BODY "smx_check_body.h"
#define SMX_INDEX_BODY "smx_check_body.h"
#include "smx_template.h"
