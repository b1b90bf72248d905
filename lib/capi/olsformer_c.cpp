// olsformer C API (include/olsformer/olsformer.h): thin wrappers over fixed instantiations
// of the C++ templates, constructed in the caller's storage (placement new: no heap).
#include "olsformer/olsformer.h"

#include <cmath>
#include <cstring>
#include <new>

#include "c_api_objects.hpp"
#include "olsformer/backend.hpp"

namespace {

using olsf::Status;
using olsf::c_api::Hopfield;
using olsf::c_api::Ols;

static_assert(sizeof(Ols) <= sizeof(olsf_ols) && alignof(Ols) <= alignof(olsf_ols), "olsf_ols too small");
static_assert(sizeof(Hopfield) <= sizeof(olsf_hopfield) && alignof(Hopfield) <= alignof(olsf_hopfield),
              "olsf_hopfield too small");
static_assert(OLSF_C_ATTENTION_MAX_DIM == olsf::kAttentionMaxDim, "c_config.h is from another build");

constexpr std::size_t kOlsMax = OLSF_C_OLS_MAX_FEATURES, kHopMax = OLSF_C_HOPFIELD_MAX_DIM;

olsf_status to_c(Status s) { return static_cast<olsf_status>(static_cast<int>(s)); }

Ols* ols_of(olsf_ols* p) {
  Ols* o = p ? std::launder(reinterpret_cast<Ols*>(p->opaque_)) : nullptr;
  return o && o->tag == olsf::c_api::kOlsTag ? o : nullptr;
}
const Ols* ols_of(const olsf_ols* p) { return ols_of(const_cast<olsf_ols*>(p)); }
Hopfield* hop_of(olsf_hopfield* p) {
  Hopfield* h = p ? std::launder(reinterpret_cast<Hopfield*>(p->opaque_)) : nullptr;
  return h && h->tag == olsf::c_api::kHopfieldTag ? h : nullptr;
}

// x (d entries) zero-padded to the object's 16 features.
void pad(const float* x, std::size_t d, float (&out)[kOlsMax]) {
  for (std::size_t j = 0; j < kOlsMax; ++j) out[j] = j < d ? x[j] : 0.0f;
}

}  // namespace

extern "C" {

const char* olsf_status_string(olsf_status status) {
  return olsf::to_string(static_cast<Status>(static_cast<unsigned char>(status)));
}

const char* olsf_backend_name(void) { return olsf::DefaultBackend::name(); }

olsf_status olsf_ols_init(olsf_ols* ols, size_t d, int intercept, float ridge) {
  if (!ols || d == 0 || !(ridge >= 0.0f) || !std::isfinite(ridge)) return OLSF_INVALID_ARGUMENT;
  if (d > kOlsMax) return OLSF_CAPACITY_EXCEEDED;
  olsf::OlsOptions<float> options;
  options.intercept = intercept != 0;
  options.ridge = ridge;
  Ols* o = new (ols->opaque_) Ols{olsf::OlsTransformer<float, 16, 1, 64>(options), d, olsf::c_api::kOlsTag};
  (void)o;
  return OLSF_OK;
}

olsf_status olsf_ols_observe(olsf_ols* ols, const float* x, float y) {
  Ols* o = ols_of(ols);
  if (!o || !x) return OLSF_INVALID_ARGUMENT;
  float xp[kOlsMax];
  pad(x, o->d, xp);
  return to_c(o->model.observe(xp, &y));
}

olsf_status olsf_ols_refit(olsf_ols* ols) {
  Ols* o = ols_of(ols);
  if (!o) return OLSF_INVALID_ARGUMENT;
  const Status s = o->model.refit();
  // The padded features are always dropped: only the caller's d count.
  if (s == Status::rank_deficient && o->model.rank() >= o->d) return OLSF_OK;
  return to_c(s);
}

olsf_status olsf_ols_predict(const olsf_ols* ols, const float* x, float* y) {
  const Ols* o = ols_of(ols);
  if (!o || !x || !y || !o->model.fitted()) return OLSF_INVALID_ARGUMENT;
  float xp[kOlsMax];
  pad(x, o->d, xp);
  return to_c(o->model.predict(xp, y));
}

olsf_status olsf_ols_attend(const olsf_ols* ols, const float* x, float* y, float* scores) {
  const Ols* o = ols_of(ols);
  if (!o || !x || !y || !o->model.fitted()) return OLSF_INVALID_ARGUMENT;
  float xp[kOlsMax];
  pad(x, o->d, xp);
  return to_c(o->model.attend(xp, y, scores));
}

olsf_status olsf_ols_coefficients(const olsf_ols* ols, float* beta, float* intercept) {
  const Ols* o = ols_of(ols);
  if (!o || !beta || !o->model.fitted()) return OLSF_INVALID_ARGUMENT;
  for (std::size_t j = 0; j < o->d; ++j) beta[j] = o->model.coefficients()(j, 0);
  if (intercept) *intercept = o->model.intercept()[0];
  return OLSF_OK;
}

size_t olsf_ols_context_size(const olsf_ols* ols) {
  const Ols* o = ols_of(ols);
  return o ? o->model.context_size() : 0;
}

olsf_status olsf_hopfield_init(olsf_hopfield* memory, size_t d) {
  if (!memory || d == 0) return OLSF_INVALID_ARGUMENT;
  if (d > kHopMax) return OLSF_CAPACITY_EXCEEDED;
  new (memory->opaque_) Hopfield{{}, d, olsf::c_api::kHopfieldTag};
  return OLSF_OK;
}

olsf_status olsf_hopfield_store(olsf_hopfield* memory, const float* pattern) {
  Hopfield* h = hop_of(memory);
  if (!h || !pattern) return OLSF_INVALID_ARGUMENT;
  float p[kHopMax] = {};
  std::memcpy(p, pattern, h->d * sizeof(float));
  return to_c(h->memory.store(p));
}

olsf_status olsf_hopfield_retrieve(olsf_hopfield* memory, const float* query, float beta, unsigned max_steps,
                                   float* out, unsigned* steps, float* entropy) {
  Hopfield* h = hop_of(memory);
  if (!h || !query || !out) return OLSF_INVALID_ARGUMENT;
  float q[kHopMax] = {}, r[kHopMax];
  std::memcpy(q, query, h->d * sizeof(float));
  olsf::HopfieldOptions<float> options;
  options.beta = beta;
  options.max_steps = max_steps;
  olsf::HopfieldInfo<float> info;
  const Status s = h->memory.retrieve(q, r, options, &info);
  if (s != Status::ok) return to_c(s);
  std::memcpy(out, r, h->d * sizeof(float));
  if (steps) *steps = info.steps;
  if (entropy) *entropy = info.entropy;
  return OLSF_OK;
}

size_t olsf_hopfield_size(const olsf_hopfield* memory) {
  const Hopfield* h = hop_of(const_cast<olsf_hopfield*>(memory));
  return h ? h->memory.size() : 0;
}

olsf_status olsf_attention_decode(size_t n, size_t d, size_t dv, float beta, const float* q, const float* k,
                                  size_t ldk, const float* v, size_t ldv, const float* mask, float* out,
                                  float* entropy) {
  if (!q || !k || !v || !out) return OLSF_INVALID_ARGUMENT;
  olsf::AttentionObservables<float> obs{};
  const Status s =
      olsf::DefaultBackend::attention_decode(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, entropy ? &obs : nullptr);
  if (s == Status::ok && entropy) *entropy = obs.entropy;
  return to_c(s);
}

}  // extern "C"
