// olsformer benchmarks: the Highway backend pinned to one of its compiled targets, so one
// run shows "highway" (what dispatch picks) beside "highway_avx2" and "highway_avx3".
//
// olsf_bench::highway_avx2 / highway_avx3 are kernel namespaces like olsf::highway (the
// interface of detail/*_api.inc) whose functions call that target's copy directly
// (lib/highway's per-target entry points, N_AVX2::DotF32 ...) through a pointer fetched
// once: the same cost as Highway's dispatch (one indirect call per kernel call).
// olsf::HighwayAvx2Backend / HighwayAvx3Backend are their backend policies (backend.hpp).
// On a CPU without AVX-512 the avx3 names run the dispatched target (see note() below):
// never an illegal instruction.
#pragma once
#if defined(OLSF_HAVE_HIGHWAY) && defined(OLSF_HWY_DYNAMIC_DISPATCH)
#define OLSF_BENCH_HWY_TARGETS 1
#include <hwy/targets.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "../lib/highway/highway_targets.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/kernels.hpp"

// The per-target entry points of lib/highway (kernels_highway.cpp, attention_highway.cpp,
// jacobi_highway.cpp, covariance_highway.cpp), float (F32) and double (F64).
#define OLSF_BENCH_HWY_ENTRIES(T, S)                                                                               \
  T Dot##S(std::size_t, const T*, std::size_t, const T*, std::size_t);                                           \
  void Axpy##S(std::size_t, T, const T*, std::size_t, T*, std::size_t);                                           \
  void Gemv##S(std::size_t, std::size_t, T, const T*, std::size_t, const T*, std::size_t, T, T*, std::size_t);    \
  void GemvT##S(std::size_t, std::size_t, T, const T*, std::size_t, const T*, std::size_t, T, T*, std::size_t);   \
  T ReduceMax##S(std::size_t, const T*, std::size_t);                                                             \
  T ReduceSum##S(std::size_t, const T*, std::size_t);                                                             \
  void Exp##S(std::size_t, const T*, T*);                                                                         \
  Status Softmax##S(std::size_t, const T*, std::size_t, T*, std::size_t);                                         \
  Status AttentionDecode##S(std::size_t, std::size_t, std::size_t, T, const T*, const T*, std::size_t, const T*,  \
                            std::size_t, const T*, T*, AttentionObservables<T>*);                                 \
  Status AttentionPrefill##S(std::size_t, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t,        \
                             const T*, std::size_t, const T*, std::size_t, const T*, std::size_t, bool, T*,       \
                             std::size_t, AttentionObservables<T>*);                                              \
  Status LinearUpdate##S(std::size_t, std::size_t, FeatureMap, const T*, const T*, T*, std::size_t, T*);          \
  Status LinearQuery##S(std::size_t, std::size_t, FeatureMap, const T*, const T*, std::size_t, const T*, bool,    \
                        T*);                                                                                      \
  Status Linear##S(std::size_t, std::size_t, std::size_t, std::size_t, FeatureMap, bool, bool, const T*,          \
                   std::size_t, const T*, std::size_t, const T*, std::size_t, T*, std::size_t);                   \
  std::size_t ParallelSweep##S(std::size_t, T*, std::size_t, T*, std::size_t, T, T);                              \
  std::size_t SvdSweep##S(std::size_t, std::size_t, T*, std::size_t, T*, std::size_t, T, T);                      \
  void ColumnSums##S(std::size_t, std::size_t, const T*, std::size_t, T*, T*);                                    \
  void CentredGram##S(std::size_t, std::size_t, std::size_t, const T*, std::size_t, const T*, const T*,           \
                      std::size_t, const T*, T*, std::size_t, T*, std::size_t, T*, T*, T*);
#define OLSF_BENCH_HWY_DECLARE(TGT)     \
  namespace olsf::highway::TGT {        \
  OLSF_BENCH_HWY_ENTRIES(float, F32)    \
  OLSF_BENCH_HWY_ENTRIES(double, F64)   \
  std::size_t LanesF32();               \
  std::size_t LanesF64();               \
  std::int64_t Target();                \
  }
OLSF_BENCH_HWY_DECLARE(N_AVX2)
OLSF_BENCH_HWY_DECLARE(N_AVX3)
#undef OLSF_BENCH_HWY_DECLARE

namespace olsf_bench {

// Is `target` compiled and supported here? If not, its names run the dispatched kernels.
inline bool usable(std::int64_t target) noexcept {
  return (olsf::highway::compiled_targets() & hwy::SupportedTargets() & target) != 0;
}
inline bool note(std::int64_t target, const char* name) noexcept {
  if (!usable(target)) std::fprintf(stderr, "%s: this CPU lacks it; its benchmarks run the dispatched target\n", name);
  return true;
}

}  // namespace olsf_bench

// One forwarding function: target TGT's Entry when usable, else olsf::highway::name.
#define OLSF_BENCH_HWY_FWD(TGT, R, name, Entry, params, args)                                  \
  inline R name params noexcept {                                                              \
    using Fn = R(*) params;                                                                    \
    static const Fn fn = ::olsf_bench::usable(HWY_##TGT) ? Fn(&::olsf::highway::N_##TGT::Entry) \
                                                         : Fn(&::olsf::highway::name);         \
    return fn args;                                                                            \
  }
#define OLSF_BENCH_HWY_TYPED(TGT, T, S)                                                                                \
  OLSF_BENCH_HWY_FWD(TGT, T, dot, Dot##S, (std::size_t n, const T* x, std::size_t ix, const T* y, std::size_t iy),    \
                     (n, x, ix, y, iy))                                                                                 \
  OLSF_BENCH_HWY_FWD(TGT, void, axpy, Axpy##S, (std::size_t n, T a, const T* x, std::size_t ix, T* y, std::size_t iy), \
                     (n, a, x, ix, y, iy))                                                                              \
  OLSF_BENCH_HWY_FWD(TGT, void, gemv, Gemv##S,                                                                         \
                     (std::size_t r, std::size_t c, T al, const T* a, std::size_t lda, const T* x, std::size_t ix,     \
                      T be, T* y, std::size_t iy),                                                                     \
                     (r, c, al, a, lda, x, ix, be, y, iy))                                                              \
  OLSF_BENCH_HWY_FWD(TGT, void, gemv_t, GemvT##S,                                                                      \
                     (std::size_t r, std::size_t c, T al, const T* a, std::size_t lda, const T* x, std::size_t ix,     \
                      T be, T* y, std::size_t iy),                                                                     \
                     (r, c, al, a, lda, x, ix, be, y, iy))                                                              \
  OLSF_BENCH_HWY_FWD(TGT, T, reduce_max, ReduceMax##S, (std::size_t n, const T* x, std::size_t ix), (n, x, ix))        \
  OLSF_BENCH_HWY_FWD(TGT, T, reduce_sum, ReduceSum##S, (std::size_t n, const T* x, std::size_t ix), (n, x, ix))        \
  OLSF_BENCH_HWY_FWD(TGT, void, exp, Exp##S, (std::size_t n, const T* x, T* y), (n, x, y))                             \
  OLSF_BENCH_HWY_FWD(TGT, Status, softmax, Softmax##S, (std::size_t n, const T* x, std::size_t ix, T* y, std::size_t iy), \
                     (n, x, ix, y, iy))                                                                                 \
  OLSF_BENCH_HWY_FWD(TGT, Status, attention_decode, AttentionDecode##S,                                                \
                     (std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, const T* k, std::size_t ldk,   \
                      const T* v, std::size_t ldv, const T* mask, T* out, AttentionObservables<T>* obs),               \
                     (n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs))                                               \
  OLSF_BENCH_HWY_FWD(TGT, Status, attention_prefill, AttentionPrefill##S,                                              \
                     (std::size_t m, std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, std::size_t ldq, \
                      const T* k, std::size_t ldk, const T* v, std::size_t ldv, const T* mask, std::size_t ldm,        \
                      bool causal, T* out, std::size_t ldo, AttentionObservables<T>* obs),                             \
                     (m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, ldm, causal, out, ldo, obs))                     \
  OLSF_BENCH_HWY_FWD(TGT, Status, linear_attention_update, LinearUpdate##S,                                            \
                     (std::size_t d, std::size_t dv, FeatureMap phi, const T* k, const T* v, T* s, std::size_t lds,    \
                      T* z),                                                                                           \
                     (d, dv, phi, k, v, s, lds, z))                                                                     \
  OLSF_BENCH_HWY_FWD(TGT, Status, linear_attention_query, LinearQuery##S,                                              \
                     (std::size_t d, std::size_t dv, FeatureMap phi, const T* q, const T* s, std::size_t lds,          \
                      const T* z, bool nrm, T* out),                                                                   \
                     (d, dv, phi, q, s, lds, z, nrm, out))                                                              \
  OLSF_BENCH_HWY_FWD(TGT, Status, linear_attention, Linear##S,                                                         \
                     (std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi, bool causal,        \
                      bool nrm, const T* q, std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv, \
                      T* out, std::size_t ldo),                                                                        \
                     (m, n, d, dv, phi, causal, nrm, q, ldq, k, ldk, v, ldv, out, ldo))                                 \
  OLSF_BENCH_HWY_FWD(TGT, std::size_t, jacobi_sweep_parallel, ParallelSweep##S,                                        \
                     (std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel, T abs),                     \
                     (n, a, lda, vt, ldv, rel, abs))                                                                    \
  inline std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel,          \
                                         T abs) noexcept {                                                             \
    return ::olsf::highway::jacobi_sweep_cyclic(n, a, lda, vt, ldv, rel, abs); /* the same on every target */          \
  }                                                                                                                    \
  OLSF_BENCH_HWY_FWD(TGT, std::size_t, svd_sweep, SvdSweep##S,                                                         \
                     (std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv, T rel, T abs),     \
                     (n, m, xt, ldx, vt, ldv, rel, abs))                                                                \
  OLSF_BENCH_HWY_FWD(TGT, void, column_sums, ColumnSums##S,                                                            \
                     (std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax),                     \
                     (m, n, x, ldx, sum, amax))                                                                         \
  OLSF_BENCH_HWY_FWD(TGT, void, centred_gram_update, CentredGram##S,                                                   \
                     (std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx, const T* cx,           \
                      const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx, T* sxy, std::size_t ldsxy,  \
                      T* syy, T* rx, T* ry),                                                                           \
                     (m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry))

#define OLSF_BENCH_HWY_NAMESPACE(ns, TGT, isa)                                                           \
  namespace olsf_bench::ns {                                                                             \
  using ::olsf::AttentionObservables;                                                                    \
  using ::olsf::FeatureMap;                                                                              \
  using ::olsf::Status;                                                                                  \
  inline const bool kNoted = note(HWY_##TGT, #ns);                                                       \
  inline const char* backend_name() noexcept { return #ns; }                                             \
  inline const char* isa_name() noexcept { return usable(HWY_##TGT) ? isa : ::olsf::highway::isa_name(); } \
  inline std::size_t lanes_f32() noexcept {                                                              \
    return usable(HWY_##TGT) ? ::olsf::highway::N_##TGT::LanesF32() : ::olsf::highway::lanes_f32();      \
  }                                                                                                      \
  inline std::size_t lanes_f64() noexcept {                                                              \
    return usable(HWY_##TGT) ? ::olsf::highway::N_##TGT::LanesF64() : ::olsf::highway::lanes_f64();      \
  }                                                                                                      \
  using ::olsf::highway::attention_block_keys;                                                           \
  using ::olsf::highway::exp_max_ulp_f32;                                                                \
  using ::olsf::highway::exp_max_ulp_f64;                                                                \
  OLSF_BENCH_HWY_TYPED(TGT, float, F32)                                                                  \
  OLSF_BENCH_HWY_TYPED(TGT, double, F64)                                                                 \
  }
OLSF_BENCH_HWY_NAMESPACE(highway_avx2, AVX2, "AVX2")
OLSF_BENCH_HWY_NAMESPACE(highway_avx3, AVX3, "AVX3")
#undef OLSF_BENCH_HWY_NAMESPACE
#undef OLSF_BENCH_HWY_TYPED
#undef OLSF_BENCH_HWY_FWD
#undef OLSF_BENCH_HWY_ENTRIES

namespace olsf {
OLSF_BACKEND_POLICY(HighwayAvx2Backend, ::olsf_bench::highway_avx2);
OLSF_BACKEND_POLICY(HighwayAvx3Backend, ::olsf_bench::highway_avx3);
}  // namespace olsf

#endif  // OLSF_HAVE_HIGHWAY && OLSF_HWY_DYNAMIC_DISPATCH
