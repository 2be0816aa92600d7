/* Branch-free exponentials that GCC vectorises.
 *
 * libm's exp() is a scalar call, so a loop over it runs one element at a
 * time; these inline versions use Cody-Waite range reduction, a polynomial
 * on |r| <= ln(2)/2 and an exponent built from integer bits, which the
 * compiler turns into SIMD code.  Accuracy: about 1 ulp (double) and 1 ulp
 * (float) over the full range.  Special values follow exp(): NaN -> NaN,
 * -inf -> 0, +inf -> +inf, underflow to subnormals and 0, overflow to inf.
 */
#ifndef SMX_MATH_H
#define SMX_MATH_H

#include <stdint.h>
#include <string.h>
#include "smx_config.h"

SMX_INLINE double smx_bits_to_f64(int64_t b) { double d; memcpy(&d, &b, 8); return d; }
SMX_INLINE int64_t smx_f64_to_bits(double d) { int64_t b; memcpy(&b, &d, 8); return b; }
SMX_INLINE float smx_bits_to_f32(int32_t b) { float f; memcpy(&f, &b, 4); return f; }
SMX_INLINE int32_t smx_f32_to_bits(float f) { int32_t b; memcpy(&b, &f, 4); return b; }

SMX_INLINE double smx_exp_f64(double x)
{
    const double shifter = 0x1.8p52;              /* rounds to an integer */
    const double log2e = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fefa3800p-1;   /* n * ln2_hi is exact */
    const double ln2_lo = 0x1.ef35793c76730p-45;
    /* Clamp keeps the exponent arithmetic in range; NaN compares false
     * and passes through to the polynomial, which returns NaN. */
    x = x < -746.0 ? -746.0 : x;
    x = x > 710.0 ? 710.0 : x;
    double t = x * log2e + shifter;
    double nd = t - shifter;                       /* round(x / ln 2) */
    double r = (x - nd * ln2_hi) - nd * ln2_lo;    /* |r| <= ln(2)/2 */
    /* Taylor series to degree 12: truncation error < 2e-16 relative. */
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* 2^n as 2^n1 * 2^n2, each a normal number, so that results in the
     * subnormal range round once, at the last multiplication. */
    double n1d = (nd * 0.5 + shifter) - shifter;
    double n2d = nd - n1d;
    int64_t n1 = smx_f64_to_bits(n1d + shifter) - smx_f64_to_bits(shifter);
    int64_t n2 = smx_f64_to_bits(n2d + shifter) - smx_f64_to_bits(shifter);
    /* Unsigned shifts: a NaN input gives garbage n but no undefined shift. */
    double s1 = smx_bits_to_f64((int64_t)((uint64_t)(n1 + 1023) << 52));
    double s2 = smx_bits_to_f64((int64_t)((uint64_t)(n2 + 1023) << 52));
    return (p * s1) * s2;
}

SMX_INLINE float smx_exp_f32(float x)
{
    const float shifter = 0x1.8p23f;
    const float log2e = 0x1.715476p0f;
    const float ln2_hi = 0x1.62e4p-1f;             /* n * ln2_hi is exact */
    const float ln2_lo = 0x1.7f7d1cp-20f;
    x = x < -104.0f ? -104.0f : x;
    x = x > 89.0f ? 89.0f : x;
    float t = x * log2e + shifter;
    float nd = t - shifter;
    float r = (x - nd * ln2_hi) - nd * ln2_lo;
    /* Taylor series to degree 7: truncation error < 6e-9 relative. */
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    float n1d = (nd * 0.5f + shifter) - shifter;
    float n2d = nd - n1d;
    int32_t n1 = smx_f32_to_bits(n1d + shifter) - smx_f32_to_bits(shifter);
    int32_t n2 = smx_f32_to_bits(n2d + shifter) - smx_f32_to_bits(shifter);
    float s1 = smx_bits_to_f32((int32_t)((uint32_t)(n1 + 127) << 23));
    float s2 = smx_bits_to_f32((int32_t)((uint32_t)(n2 + 127) << 23));
    return (p * s1) * s2;
}

#endif
