/* olsformer C API test (C11): the documented behaviour of include/olsformer/olsformer.h,
 * on the host and as Cortex-M firmware. Prints "c_api: N passed, M failed" and exits
 * with the failure count. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "olsformer/olsformer.h"

#if defined(OLSF_BARE_METAL_PORT)
#include "semihosting.h"
static void say(const char* s) { olsf_semihost_write(s); }
#else
#include <stdio.h>
static void say(const char* s) { fputs(s, stdout); }
#endif

static unsigned passed, failed;

static void check(int ok, const char* what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    say("FAIL ");
    say(what);
    say("\n");
  }
}

static const char* decimal(unsigned v, char* buf) { /* buf: 16 chars */
  char* p = buf + 15;
  *p = '\0';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

static uint32_t lcg = 12345u;
static float draw(void) { /* in [-1, 1) */
  lcg = lcg * 1664525u + 1013904223u;
  return (float)(lcg >> 8) * 0x1p-23f - 1.0f;
}

static olsf_ols ols, ols_raw; /* storage in .bss, as firmware would hold it */
static olsf_hopfield memory;

static void test_ols(void) {
  const float beta[3] = {2.0f, -3.0f, 0.5f};
  float x[3], b[3], b0 = 0.0f, y = 0.0f, ya = 0.0f, scores[OLSF_C_OLS_CONTEXT];
  check(olsf_ols_init(&ols, 17, 1, 0.0f) == OLSF_CAPACITY_EXCEEDED, "ols d = 17 is capacity_exceeded");
  check(olsf_ols_init(&ols, 0, 1, 0.0f) == OLSF_INVALID_ARGUMENT, "ols d = 0 is invalid_argument");
  check(olsf_ols_init(&ols, 3, 1, -1.0f) == OLSF_INVALID_ARGUMENT, "ols negative ridge is invalid_argument");
  check(olsf_ols_observe(&ols_raw, x, 1.0f) == OLSF_INVALID_ARGUMENT, "ols storage never initialised is refused");
  check(olsf_ols_init(&ols, 3, 1, 0.0f) == OLSF_OK, "ols init d = 3");
  check(olsf_ols_refit(&ols) == OLSF_EMPTY, "ols refit with no data is empty");
  check(olsf_ols_predict(&ols, x, &y) == OLSF_INVALID_ARGUMENT, "ols predict before a fit is invalid_argument");
  for (int i = 0; i < 20; ++i) {
    x[0] = draw();
    x[1] = draw();
    x[2] = draw();
    check(olsf_ols_observe(&ols, x, 1.0f + beta[0] * x[0] + beta[1] * x[1] + beta[2] * x[2]) == OLSF_OK, "ols observe");
  }
  x[0] = NAN;
  check(olsf_ols_observe(&ols, x, 1.0f) == OLSF_NON_FINITE_INPUT, "ols NaN sample is non_finite_input");
  check(olsf_ols_context_size(&ols) == 20, "ols the NaN sample did not enter the context");
  check(olsf_ols_refit(&ols) == OLSF_OK, "ols refit (d = 3 inside the 16-feature object) is ok");
  check(olsf_ols_coefficients(&ols, b, &b0) == OLSF_OK, "ols coefficients");
  /* Exact data in float: the fit is good to a few ulp times cond (small here). */
  check(fabsf(b0 - 1.0f) < 1e-4f && fabsf(b[0] - 2.0f) < 1e-4f && fabsf(b[1] + 3.0f) < 1e-4f &&
            fabsf(b[2] - 0.5f) < 1e-4f,
        "ols coefficients equal the generating ones");
  x[0] = 0.25f;
  x[1] = -0.5f;
  x[2] = 0.75f;
  check(olsf_ols_predict(&ols, x, &y) == OLSF_OK && fabsf(y - (1.0f + 0.5f + 1.5f + 0.375f)) < 1e-4f,
        "ols predict (state form) equals the model");
  check(olsf_ols_attend(&ols, x, &ya, scores) == OLSF_OK && fabsf(ya - y) < 1e-4f,
        "ols attend (token form over the context) equals predict");

  /* A duplicated feature: no unique solution, but a usable minimum-norm fit. */
  check(olsf_ols_init(&ols, 2, 0, 0.0f) == OLSF_OK, "ols init d = 2");
  for (int i = 0; i < 8; ++i) {
    x[0] = x[1] = draw();
    (void)olsf_ols_observe(&ols, x, 3.0f * x[0]);
  }
  check(olsf_ols_refit(&ols) == OLSF_RANK_DEFICIENT, "ols duplicated feature is rank_deficient");
  check(olsf_ols_coefficients(&ols, b, NULL) == OLSF_OK && fabsf(b[0] - 1.5f) < 1e-4f && fabsf(b[1] - 1.5f) < 1e-4f,
        "ols minimum-norm fit splits the weight evenly");
}

static void test_hopfield(void) {
  enum { D = 40, N = 12 };
  static float patterns[N][D];
  float q[D], out[D], entropy = -1.0f;
  unsigned steps = 0;
  check(olsf_hopfield_init(&memory, 65) == OLSF_CAPACITY_EXCEEDED, "hopfield d = 65 is capacity_exceeded");
  check(olsf_hopfield_init(&memory, D) == OLSF_OK, "hopfield init d = 40");
  check(olsf_hopfield_retrieve(&memory, q, 1.0f, 1, out, NULL, NULL) == OLSF_EMPTY, "hopfield empty memory");
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < D; ++j) patterns[i][j] = draw() < 0.0f ? -1.0f : 1.0f;
    check(olsf_hopfield_store(&memory, patterns[i]) == OLSF_OK, "hopfield store");
  }
  check(olsf_hopfield_size(&memory) == N, "hopfield size");
  memcpy(q, patterns[7], sizeof q);
  q[0] = -q[0];
  q[1] = -q[1];
  q[2] = -q[2];
  q[3] = -q[3];
  check(olsf_hopfield_retrieve(&memory, q, 1.0f, 3, out, &steps, &entropy) == OLSF_OK, "hopfield retrieve");
  int same = 1;
  for (int j = 0; j < D; ++j) same &= out[j] * patterns[7][j] > 0.0f;
  check(same, "hopfield retrieves pattern 7 from 4 flipped signs");
  check(steps >= 1 && steps <= 3 && entropy >= 0.0f && entropy < 0.1f, "hopfield steps and a near-0 entropy");
  q[5] = INFINITY;
  check(olsf_hopfield_retrieve(&memory, q, 1.0f, 3, out, NULL, NULL) == OLSF_NON_FINITE_INPUT,
        "hopfield Inf query is non_finite_input");
  check(olsf_hopfield_retrieve(&memory, patterns[0], 0.0f, 3, out, NULL, NULL) == OLSF_INVALID_ARGUMENT,
        "hopfield beta 0 is invalid_argument");
  for (int i = N; i < OLSF_C_HOPFIELD_CAPACITY; ++i) (void)olsf_hopfield_store(&memory, patterns[i % N]);
  check(olsf_hopfield_store(&memory, patterns[0]) == OLSF_CAPACITY_EXCEEDED, "hopfield store past capacity");
  check(olsf_hopfield_size(&memory) == OLSF_C_HOPFIELD_CAPACITY, "hopfield a refused store changes nothing");
}

static void test_attention(void) {
  /* Logits 0 and log 3: p = (1/4, 3/4), out = 4/4 + 3 * 8/4 = 7. */
  const float q[1] = {1.0f}, k[2] = {0.0f, logf(3.0f)}, v[2] = {4.0f, 8.0f};
  const float all_masked[2] = {-INFINITY, -INFINITY};
  float out[1] = {0.0f}, entropy = 0.0f;
  check(olsf_attention_decode(2, 1, 1, 1.0f, q, k, 1, v, 1, NULL, out, &entropy) == OLSF_OK && fabsf(out[0] - 7.0f) < 1e-5f,
        "attention decode value");
  check(fabsf(entropy - (-(0.25f * logf(0.25f) + 0.75f * logf(0.75f)))) < 1e-5f, "attention decode entropy");
  out[0] = 123.0f;
  check(olsf_attention_decode(2, 1, 1, 1.0f, q, k, 1, v, 1, all_masked, out, NULL) == OLSF_ALL_MASKED && out[0] == 123.0f,
        "attention all masked: status, output untouched");
  check(olsf_attention_decode(0, 1, 1, 1.0f, q, k, 1, v, 1, NULL, out, NULL) == OLSF_EMPTY, "attention n = 0 is empty");
  check(olsf_attention_decode(2, OLSF_C_ATTENTION_MAX_DIM + 1, 1, 1.0f, q, k, 1, v, 1, NULL, out, NULL) ==
            OLSF_CAPACITY_EXCEEDED,
        "attention d over the maximum is capacity_exceeded");
}

int main(void) {
  char buf[16];
  check(strcmp(olsf_status_string(OLSF_RANK_DEFICIENT), "rank_deficient") == 0, "status strings");
  test_ols();
  test_hopfield();
  test_attention();
  say("c_api (");
  say(olsf_backend_name());
  say("): ");
  say(decimal(passed, buf));
  say(" passed, ");
  say(decimal(failed, buf));
  say(" failed\n");
  return (int)failed;
}
