/* Row-wise softmax kernels (see smx_softmax.h), instantiated from
 * smx_softmax_body.h for float and double. */
#include <math.h>
#include <stdlib.h>

#include "smx_config.h"
#include "smx_driver.h"
#include "smx_math.h"
#include "smx_omp.h"
#include "smx_softmax.h"

int smx_openmp_enabled(void) { return SMX_OPENMP_ENABLED; }
int smx_omp_max_threads(void) { return omp_get_max_threads(); }

enum { SMX_LSE = 0, SMX_SOFTMAX = 1, SMX_LOGSOFTMAX = 2 };

/* smx_log_array of smx_math.h, as the kernels vectorise it, for
 * tests/kernels/test_exp.py (accuracy in ulps against np.log, special values). */
SMX_CLONES void smx_log_array_f64(const double *x, smx_int n, double *out)
{
    smx_log_array(x, n, out);
}

#define SMX_REAL_BODY "smx_softmax_body.h"
#include "smx_template.h"
