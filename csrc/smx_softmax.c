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
