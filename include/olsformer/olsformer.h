/* olsformer C API: fixed configurations of the C++ library for C firmware (C99 or later).
 *
 * The caller owns all storage: each object is a struct of known size (from the generated
 * olsformer/c_config.h, measured on the build's target) that can live in .bss, on the
 * stack or inside the caller's own structs. Nothing allocates; every fallible call returns
 * an olsf_status and, unless it returns OLSF_OK, leaves its object and outputs as they were.
 *
 * Configurations (float32, the default backend of the build):
 *   olsf_ols       OLS-Transformer, d <= OLSF_C_OLS_MAX_FEATURES (16) features, one target,
 *                  a context window of OLSF_C_OLS_CONTEXT (64) tokens; d is chosen at init
 *   olsf_hopfield  modern Hopfield memory, pattern dimension d <= OLSF_C_HOPFIELD_MAX_DIM (64),
 *                  up to OLSF_C_HOPFIELD_CAPACITY (64) patterns; d is chosen at init
 * A d below the maximum is served by the maximum-size C++ object with the unused features
 * held at zero: exact (zero columns are dropped as rank directions, zero pattern entries
 * add nothing to a dot product), at the cost of the full-size arithmetic. A firmware that
 * needs a tighter fit instantiates the C++ templates at its own sizes instead.
 *   olsf_attention_decode  softmax attention of one query over n keys (no object)
 */
#ifndef OLSFORMER_OLSFORMER_H
#define OLSFORMER_OLSFORMER_H

#include <stddef.h>

#include "olsformer/c_config.h"

#ifdef __cplusplus
#define OLSF_C_ALIGNAS(n) alignas(n)
extern "C" {
#else
#define OLSF_C_ALIGNAS(n) _Alignas(n)
#endif

/* The C++ library's olsf::Status, value for value. */
typedef enum olsf_status {
  OLSF_OK = 0,
  OLSF_INVALID_ARGUMENT = 1,  /* a parameter outside its documented domain */
  OLSF_NON_FINITE_INPUT = 2,  /* NaN or +-Inf where finite numbers are required */
  OLSF_CAPACITY_EXCEEDED = 3, /* a count larger than the configuration allows */
  OLSF_RANK_DEFICIENT = 4,    /* the data does not determine a unique solution */
  OLSF_NOT_CONVERGED = 5,     /* an iteration hit its bound */
  OLSF_EMPTY = 6,             /* nothing to operate on */
  OLSF_ALL_MASKED = 7         /* every logit of a softmax is -inf */
} olsf_status;

/* "ok", "invalid_argument", ... (static strings). */
const char* olsf_status_string(olsf_status status);

/* Name of the backend the library was built to call ("scalar", "highway", "xsimd"). */
const char* olsf_backend_name(void);

/* ---- OLS-Transformer ---------------------------------------------------------------- */

#define OLSF_C_OLS_MAX_FEATURES 16
#define OLSF_C_OLS_CONTEXT 64

typedef struct olsf_ols {
  OLSF_C_ALIGNAS(OLSF_C_ALIGN) unsigned char opaque_[OLSF_C_OLS_BYTES];
} olsf_ols;

/* Prepares `ols` for d features (1 <= d <= 16), with an intercept when `intercept` != 0 and
 * ridge `ridge` >= 0 (0: plain least squares). Statuses: INVALID_ARGUMENT (null, d = 0,
 * ridge < 0 or NaN), CAPACITY_EXCEEDED (d > 16). */
olsf_status olsf_ols_init(olsf_ols* ols, size_t d, int intercept, float ridge);

/* One sample: x (d entries) and its target y. Updates the slow memory (covariance) and the
 * context window. Statuses: INVALID_ARGUMENT (null), NON_FINITE_INPUT. */
olsf_status olsf_ols_observe(olsf_ols* ols, const float* x, float y);

/* Fits L, P and the coefficients from everything observed. Statuses: OK; RANK_DEFICIENT
 * (fewer independent samples than features, a constant or duplicated column: the
 * minimum-norm fit is stored and usable); EMPTY; NOT_CONVERGED; NON_FINITE_INPUT. */
olsf_status olsf_ols_refit(olsf_ols* ols);

/* y = b0 + x^T beta (the state form x^T L P). Statuses: INVALID_ARGUMENT (null or no fit
 * yet), NON_FINITE_INPUT. */
olsf_status olsf_ols_predict(const olsf_ols* ols, const float* x, float* y);

/* The token form: y = sum_i a_i y_i over the context window, with each token's attention
 * score a_i written to scores (olsf_ols_context_size() entries, may be NULL). Same
 * statuses as predict. */
olsf_status olsf_ols_attend(const olsf_ols* ols, const float* x, float* y, float* scores);

/* The coefficients beta (d entries) and the intercept b0 (may be NULL) of the last fit.
 * Statuses: INVALID_ARGUMENT (null or no fit yet). */
olsf_status olsf_ols_coefficients(const olsf_ols* ols, float* beta, float* intercept);

/* Tokens in the context window (<= OLSF_C_OLS_CONTEXT). */
size_t olsf_ols_context_size(const olsf_ols* ols);

/* ---- Modern Hopfield memory ----------------------------------------------------------- */

#define OLSF_C_HOPFIELD_MAX_DIM 64
#define OLSF_C_HOPFIELD_CAPACITY 64

typedef struct olsf_hopfield {
  OLSF_C_ALIGNAS(OLSF_C_ALIGN) unsigned char opaque_[OLSF_C_HOPFIELD_BYTES];
} olsf_hopfield;

/* An empty memory for patterns of dimension d (1 <= d <= 64). Statuses: INVALID_ARGUMENT
 * (null, d = 0), CAPACITY_EXCEEDED (d > 64). */
olsf_status olsf_hopfield_init(olsf_hopfield* memory, size_t d);

/* Stores a pattern (d entries). Statuses: CAPACITY_EXCEEDED (64 stored), NON_FINITE_INPUT,
 * INVALID_ARGUMENT (null). */
olsf_status olsf_hopfield_store(olsf_hopfield* memory, const float* pattern);

/* Retrieval xi <- X^T softmax(beta X xi) from xi = query, at most max_steps steps (>= 1),
 * into out (d entries). steps and entropy (may be NULL) get the steps taken and the
 * softmax entropy of the last step (near 0: one pattern retrieved; near log N: a mixture).
 * Statuses: EMPTY; INVALID_ARGUMENT (null, beta not finite and > 0, max_steps 0, a zero
 * query); NON_FINITE_INPUT. */
olsf_status olsf_hopfield_retrieve(olsf_hopfield* memory, const float* query, float beta, unsigned max_steps,
                                   float* out, unsigned* steps, float* entropy);

/* Patterns stored. */
size_t olsf_hopfield_size(const olsf_hopfield* memory);

/* ---- Attention ------------------------------------------------------------------------ */

/* Softmax attention of one query over n keys: out = V^T softmax(beta K q + mask).
 * K is n x d (row stride ldk >= d), V is n x dv (row stride ldv >= dv); mask (n entries,
 * 0 or -inf) may be NULL; d, dv <= OLSF_C_ATTENTION_MAX_DIM. entropy (may be NULL) gets the
 * entropy of the softmax. Statuses: EMPTY (n = 0), INVALID_ARGUMENT (null, beta),
 * CAPACITY_EXCEEDED, NON_FINITE_INPUT, ALL_MASKED. */
olsf_status olsf_attention_decode(size_t n, size_t d, size_t dv, float beta, const float* q, const float* k,
                                  size_t ldk, const float* v, size_t ldv, const float* mask, float* out,
                                  float* entropy);

#ifdef __cplusplus
}
#endif

#endif /* OLSFORMER_OLSFORMER_H */
