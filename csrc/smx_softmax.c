/* Row-wise softmax kernels, instantiated for float and double. */
#include <math.h>
#include <stdlib.h>

#include "smx_config.h"
#include "smx_math.h"
#include "smx_omp.h"
#include "smx_threads.h"
#include "smx_softmax.h"

int smx_openmp_enabled(void) { return SMX_OPENMP_ENABLED; }
int smx_omp_max_threads(void) { return omp_get_max_threads(); }

enum { SMX_LSE = 0, SMX_SOFTMAX = 1, SMX_LOGSOFTMAX = 2 };

/* The exponentials of smx_math.h over an array, exactly as the kernels
 * vectorise them (fast = 1: the restricted-range fast version; fast = 0: the
 * full-range one).  Not used by the kernels: tests/test_exp.py calls these
 * through ctypes to measure their accuracy against np.exp in ulps. */
SMX_CLONES void smx_exp_array_f64(const double *x, smx_int n, double *out, int fast)
{
    if (fast) {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = smx_exp_fast_f64(x[j]);
    } else {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = smx_exp_f64(x[j]);
    }
}

SMX_CLONES void smx_exp_array_f32(const float *x, smx_int n, float *out, int fast)
{
    if (fast) {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = smx_exp_fast_f32(x[j]);
    } else {
#pragma omp simd
        for (smx_int j = 0; j < n; j++)
            out[j] = smx_exp_f32(x[j]);
    }
}

/* smx_log_array of smx_math.h, as the kernels vectorise it, for
 * tests/test_exp.py (accuracy in ulps against np.log, special values). */
SMX_CLONES void smx_log_array_f64(const double *x, smx_int n, double *out)
{
    smx_log_array(x, n, out);
}

#define REAL float
#define SMX_FN(name) name##_f32
#define SMX_EXP smx_exp_f32
#include "smx_softmax_body.h"
#undef REAL
#undef SMX_FN
#undef SMX_EXP

#define REAL double
#define SMX_FN(name) name##_f64
#define SMX_EXP smx_exp_f64
#include "smx_softmax_body.h"
#undef REAL
#undef SMX_FN
#undef SMX_EXP
