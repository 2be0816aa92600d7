/* Instantiates the type-generic bodies of one .c file: the only place where
 * the float/double and int32/int64 instantiations are spelled out
 * (csrc/README.md, "Templates").
 *
 * The .c defines one or more of
 *
 *   SMX_REAL_BODY   "smx_NAME_body.h": included once per REAL (float, then
 *                   double), with IDX undefined;
 *   SMX_CSR_BODY    the same file: included once per (REAL, IDX), right after
 *                   the SMX_REAL_BODY part of that REAL (whose statics it may
 *                   call);
 *   SMX_INDEX_BODY  the same file: included once per IDX, with REAL undefined
 *                   (kernels that read only CSR indices);
 *
 * and then includes this header once.  Around each inclusion it defines
 *
 *   REAL, SMX_REAL_IS_DOUBLE (0/1), SMX_FN(name) = name_f32 / name_f64,
 *   SMX_EXP (smx_exp_f32 / smx_exp_f64), SMX_GEMM(blas) (blas->sgemm / dgemm);
 *   IDX, UIDX (its unsigned twin), SMX_IDX_FN(name) = name_i32 / name_i64,
 *   SMX_CSR_FN(name) = name_f32_i32 ... name_f64_i64;
 *
 * and undefines all of them, and its three inputs, at the end.
 *
 * Each type list is written once: the header includes itself, with
 * SMX_TEMPLATE_PASS saying which loop runs (none: the outer loop over REAL;
 * SMX_PASS_REAL: one REAL's parts; SMX_PASS_IDX: SMX_TEMPLATE_INDEXED once
 * per index type).
 */
#define SMX_PASS_REAL 1
#define SMX_PASS_IDX 2

#if !defined(SMX_TEMPLATE_PASS)
/* ---- outer: once per REAL, then the index-only bodies ---------------- */
#if !defined(SMX_REAL_BODY) && !defined(SMX_CSR_BODY) && !defined(SMX_INDEX_BODY)
#error "define SMX_REAL_BODY, SMX_CSR_BODY or SMX_INDEX_BODY before including smx_template.h"
#endif

#include <stdint.h>

#include "smx_math.h"

#define SMX_CAT_(a, b) a##b
#define SMX_CAT(a, b) SMX_CAT_(a, b)
#define SMX_FN(name) SMX_CAT(name, SMX_REAL_SFX)
#define SMX_IDX_FN(name) SMX_CAT(name, SMX_IDX_SFX)
#define SMX_CSR_FN(name) SMX_CAT(SMX_CAT(name, SMX_REAL_SFX), SMX_IDX_SFX)
#define SMX_EXP SMX_FN(smx_exp)

#define SMX_TEMPLATE_PASS SMX_PASS_REAL
#define REAL float
#define SMX_REAL_SFX _f32
#define SMX_REAL_IS_DOUBLE 0
#define SMX_GEMM(blas) ((blas)->sgemm)
#include "smx_template.h"
#undef REAL
#undef SMX_REAL_SFX
#undef SMX_REAL_IS_DOUBLE
#undef SMX_GEMM
#define REAL double
#define SMX_REAL_SFX _f64
#define SMX_REAL_IS_DOUBLE 1
#define SMX_GEMM(blas) ((blas)->dgemm)
#include "smx_template.h"
#undef REAL
#undef SMX_REAL_SFX
#undef SMX_REAL_IS_DOUBLE
#undef SMX_GEMM
#undef SMX_TEMPLATE_PASS

#ifdef SMX_INDEX_BODY
#define SMX_TEMPLATE_PASS SMX_PASS_IDX
#define SMX_TEMPLATE_INDEXED SMX_INDEX_BODY
#include "smx_template.h"
#undef SMX_TEMPLATE_INDEXED
#undef SMX_TEMPLATE_PASS
#endif

#undef SMX_FN
#undef SMX_IDX_FN
#undef SMX_CSR_FN
#undef SMX_EXP
#undef SMX_CAT
#undef SMX_CAT_
#undef SMX_PASS_REAL
#undef SMX_PASS_IDX
#undef SMX_REAL_BODY
#undef SMX_CSR_BODY
#undef SMX_INDEX_BODY

#elif SMX_TEMPLATE_PASS == SMX_PASS_REAL
/* ---- one REAL: its part, then its CSR parts -------------------------- */
#ifdef SMX_REAL_BODY
#include SMX_REAL_BODY
#endif
#ifdef SMX_CSR_BODY
#undef SMX_TEMPLATE_PASS
#define SMX_TEMPLATE_PASS SMX_PASS_IDX
#define SMX_TEMPLATE_INDEXED SMX_CSR_BODY
#include "smx_template.h"
#undef SMX_TEMPLATE_INDEXED
#undef SMX_TEMPLATE_PASS
#define SMX_TEMPLATE_PASS SMX_PASS_REAL
#endif

#elif SMX_TEMPLATE_PASS == SMX_PASS_IDX
/* ---- SMX_TEMPLATE_INDEXED once per index type ------------------------- */
#define IDX int32_t
#define UIDX uint32_t
#define SMX_IDX_SFX _i32
#include SMX_TEMPLATE_INDEXED
#undef IDX
#undef UIDX
#undef SMX_IDX_SFX
#define IDX int64_t
#define UIDX uint64_t
#define SMX_IDX_SFX _i64
#include SMX_TEMPLATE_INDEXED
#undef IDX
#undef UIDX
#undef SMX_IDX_SFX
#endif
