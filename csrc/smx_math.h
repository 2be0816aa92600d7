/* Branch-free exponentials (and the logarithm of the row sums) that GCC
 * vectorises.
 *
 * libm's exp() is a scalar call, so a loop over it runs one element at a
 * time; these inline versions use Cody-Waite range reduction, a polynomial
 * on |r| <= ln(2)/2 and an exponent built from integer bits, which the
 * compiler turns into SIMD code.  Accuracy over the full range, measured by
 * tests/kernels/test_exp.py: within 2.5 ulps (double; 2.2 seen) and 1.5 ulps (float;
 * 0.9 seen).  Special values follow exp(): NaN -> NaN,
 * -inf -> 0, +inf -> +inf, underflow to subnormals and 0, overflow to inf.
 */
#ifndef SMX_MATH_H
#define SMX_MATH_H

#include <math.h>
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

/* Fast exponentials for the hot loops, valid on a restricted range only:
 * smx_exp_fast_f64 for -708 <= x <= 709 and smx_exp_fast_f32 for
 * -87 <= x <= 88, where the result is a normal number and 2^n is built in
 * one step.  NaN gives NaN; anything else outside the range gives garbage, so
 * callers check the range (smx_block_exp checks each row's min and max once)
 * and fall back to smx_exp_f64 / smx_exp_f32.  Fewer operations than the
 * full-range versions: no clamps, one scale, and a polynomial fitted
 * (weighted least squares on Chebyshev nodes) to (exp(r) - 1 - r) / r^2 on
 * |r| <= ln(2)/2 instead of a Taylor series: degree 9 (double, fit error
 * < 2e-16 of exp) and 4 (float, < 4e-9).  Accuracy: within 2 ulps
 * (tests/kernels/test_exp.py measures it against np.exp). */
SMX_INLINE double smx_exp_fast_f64(double x)
{
    const double shifter = 0x1.8p52;
    const double log2e = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fefa3800p-1;
    const double ln2_lo = 0x1.ef35793c76730p-45;
    double t = x * log2e + shifter;
    double nd = t - shifter;
    double r = (x - nd * ln2_hi) - nd * ln2_lo;
    double r2 = r * r;
    double q = 0x1.ad4f46f20cf94p-26;
    q = q * r + 0x1.28ae70a94ed7cp-22;
    q = q * r + 0x1.71df2b49073b7p-19;
    q = q * r + 0x1.a01998b416c8ap-16;
    q = q * r + 0x1.a01a01292b55ep-13;
    q = q * r + 0x1.6c16c184e206fp-10;
    q = q * r + 0x1.1111111125db5p-7;
    q = q * r + 0x1.55555555503f4p-5;
    q = q * r + 0x1.5555555555503p-3;
    q = q * r + 0x1.0000000000009p-1;
    double p = q * r2 + r;                        /* exp(r) - 1 */
    /* bits(t) = bits(shifter) + n: 2^n from one add and one shift. */
    uint64_t sb = ((uint64_t)smx_f64_to_bits(t) + (uint64_t)(1023 - smx_f64_to_bits(shifter))) << 52;
    double s = smx_bits_to_f64((int64_t)sb);
    return s * p + s;
}

SMX_INLINE float smx_exp_fast_f32(float x)
{
    const float shifter = 0x1.8p23f;
    const float log2e = 0x1.715476p0f;
    const float ln2_hi = 0x1.62e4p-1f;
    const float ln2_lo = 0x1.7f7d1cp-20f;
    float t = x * log2e + shifter;
    float nd = t - shifter;
    float r = (x - nd * ln2_hi) - nd * ln2_lo;
    float r2 = r * r;
    float q = 0x1.687c24p-10f;
    q = q * r + 0x1.123b94p-7f;
    q = q * r + 0x1.555b58p-5f;
    q = q * r + 0x1.55548ep-3f;
    q = q * r + 0x1.fffff8p-2f;
    float p = q * r2 + r;
    uint32_t sb = ((uint32_t)smx_f32_to_bits(t) + (uint32_t)(127 - smx_f32_to_bits(shifter))) << 23;
    float s = smx_bits_to_f32((int32_t)sb);
    return s * p + s;
}

/* Natural logarithm of a positive normal double (DBL_MIN <= x <= DBL_MAX),
 * branch-free so that loops over it vectorise; anything else gives garbage,
 * so callers go through smx_log_array (which falls back to log() there).
 * x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), and with
 * s = f / (2 + f): log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R),
 * R = sum_j 2 s^(2j) / (2j + 1), a Taylor series in s^2 <= 0.0295 to
 * j = 10 (truncation < 1e-19 of the result); every step keeps the
 * relative accuracy near x = 1.  Within 1 ulp (tests/kernels/test_exp.py measures
 * it against np.log). */
SMX_INLINE double smx_log_f64(double x)
{
    const double ln2_hi = 0x1.62e42fefa3800p-1;   /* e * ln2_hi is exact */
    const double ln2_lo = 0x1.ef35793c76730p-45;
    const uint64_t sqrt_half = 0x3fe6a09e667f3bcdULL;  /* bits of sqrt(1/2) */
    const uint64_t b = (uint64_t)smx_f64_to_bits(x);
    /* e + 1023 in 0..2047: unsigned arithmetic, no implementation-defined
     * shifts of negative numbers */
    const uint64_t eb = (b - sqrt_half + ((uint64_t)1023 << 52)) >> 52;
    const double m = smx_bits_to_f64((int64_t)(b - ((eb - 1023) << 52)));
    /* e as a double without an int64 -> double conversion (none in AVX2):
     * 2^52 + eb has eb in its low mantissa bits */
    const double two52 = 0x1p52;
    const double e = smx_bits_to_f64((int64_t)((uint64_t)smx_f64_to_bits(two52) | eb))
                     - (two52 + 1023.0);
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    double r = 2.0 / 21.0;
    r = r * z + 2.0 / 19.0;
    r = r * z + 2.0 / 17.0;
    r = r * z + 2.0 / 15.0;
    r = r * z + 2.0 / 13.0;
    r = r * z + 2.0 / 11.0;
    r = r * z + 2.0 / 9.0;
    r = r * z + 2.0 / 7.0;
    r = r * z + 2.0 / 5.0;
    r = r * z + 2.0 / 3.0;
    r = r * z;
    const double hf = 0.5 * f * f;
    return e * ln2_hi + (f - (hf - (s * (hf + r) + e * ln2_lo)));
}

/* out[j] = log(x[j]) for j < n (out may be x): smx_log_f64 across the
 * array, or, when an entry lies outside its range (0, subnormals,
 * negatives, inf, NaN), log() for those entries, so that special values
 * come out as from log().
 * Inline: each kernel's vector loop is compiled for its own target. */
SMX_INLINE void smx_log_array(const double *x, smx_int n, double *out)
{
    int odd = 0;
#pragma omp simd reduction(|:odd)
    for (smx_int j = 0; j < n; j++)
        odd |= !(x[j] >= 0x1p-1022) | !(x[j] <= 0x1.fffffffffffffp1023);
    if (!odd) {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = smx_log_f64(x[j]);
    } else {
        for (smx_int j = 0; j < n; j++) {
            const double v = x[j];
            out[j] = v >= 0x1p-1022 && v <= 0x1.fffffffffffffp1023 ? smx_log_f64(v) : log(v);
        }
    }
}

/* Inputs on which the fast versions are exact to within 2 ulps. */
#define SMX_EXP_FAST_LO_F64 (-708.0)
#define SMX_EXP_FAST_HI_F64 709.0
#define SMX_EXP_FAST_LO_F32 (-87.0f)
#define SMX_EXP_FAST_HI_F32 88.0f

#endif
