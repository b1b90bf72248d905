// Fuzzing the OLS-Transformer (issue #8): sequences of observe / observe_batch / refit /
// predict / attend / merge / set_options / reset with NaN, Inf, denormal, huge and tiny
// data, rank-deficient and constant columns, both solvers, ridge and forgetting, every
// backend. Promises checked after every call: a failed call leaves everything a user can
// observe exactly as it was; predict/attend that say ok give finite numbers.
#include <cstring>

#include "fuzz_input.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/ols_transformer.hpp"

namespace {

using olsf::Status;
using olsf::fuzz::fail;
using olsf::fuzz::Input;

constexpr std::size_t kD = 3, kK = 2, kContext = 6;

// Everything observable through the public API, as bytes.
template <typename Model>
struct Observable {
  unsigned char bytes[4096];
  std::size_t size = 0;
  template <typename V>
  void put(const V* p, std::size_t count) {
    std::memcpy(bytes + size, p, count * sizeof(V));
    size += count * sizeof(V);
  }
  explicit Observable(const Model& m) {
    const bool fitted = m.fitted();
    const std::size_t rank = m.rank(), ctx = m.context_size(), count = m.slow_memory().count();
    put(&fitted, 1);
    put(&rank, 1);
    put(&ctx, 1);
    put(&count, 1);
    for (std::size_t i = 0; i < kD; ++i) {
      put(m.l().row(i), kD);
      put(m.p().row(i), kK);
      put(m.coefficients().row(i), kK);
    }
    put(m.intercept(), kK);
    put(m.slow_memory().mean_x(), kD);
    put(m.slow_memory().mean_y(), kK);
    for (std::size_t j = 0; j < ctx; ++j) {
      put(m.context_x(j), kD);
      put(m.context_y(j), kK);
    }
  }
  bool operator==(const Observable& o) const { return size == o.size && std::memcmp(bytes, o.bytes, size) == 0; }
};

template <typename T, class Backend>
void run(Input& in) {
  using Model = olsf::OlsTransformer<T, kD, kK, kContext, Backend>;
  static Model a, b;
  a.reset();
  b.reset();
  olsf::OlsOptions<T> start;  // every input starts from the same state
  (void)a.set_options(start);
  (void)b.set_options(start);
  T x[8 * kD], y[8 * kK], out[kK], scores[kContext];
  for (int step = 0; step < 24 && !in.empty(); ++step) {
    Model& m = in.byte() & 1 ? a : b;
    const Observable<Model> before(m);
    Status s = Status::ok;
    bool reads_only = false;
    const std::uint8_t op = in.byte() % 8;
    if (op <= 4) {
      const bool plain = in.byte() % 4 != 0;  // mostly ordinary data, so fits happen
      for (T& v : x) v = plain ? static_cast<T>(static_cast<std::int8_t>(in.byte())) / T(8) : in.value<T>();
      for (T& v : y) v = plain ? static_cast<T>(static_cast<std::int8_t>(in.byte())) / T(8) : in.value<T>();
    }
    switch (op) {
      case 0:
      case 1: s = m.observe(x, y); break;
      case 2: s = m.observe_batch(in.size(0, 8), x, kD, y, kK); break;
      case 3:
        reads_only = true;
        s = m.predict(x, out);
        if (s == Status::ok && !olsf::fuzz::all_finite(out, kK)) fail("ols", "predict ok with a non-finite output");
        break;
      case 4:
        reads_only = true;
        s = m.attend(x, out, scores);
        if (s == Status::ok && !olsf::fuzz::all_finite(out, kK)) fail("ols", "attend ok with a non-finite output");
        break;
      case 5: s = m.refit(); break;
      case 6: s = m.merge(&m == &a ? b : a); break;
      default: {
        olsf::OlsOptions<T> o;
        o.intercept = in.byte() & 1;
        o.solver = in.byte() & 1 ? olsf::OlsSolver::accurate : olsf::OlsSolver::covariance;
        o.ridge = in.byte() & 1 ? in.value<T>() : T(0);
        o.rank_cutoff = in.byte() & 1 ? in.value<T>() : T(-1);
        o.forgetting = in.byte() & 1 ? in.value<T>() : T(1);
        o.warm_start = in.byte() & 1;
        s = m.set_options(o);
        break;
      }
    }
    const bool changed = !(Observable<Model>(m) == before);
    if (reads_only && changed) fail("ols", "predict/attend changed the model");
    // refit may commit a minimum-norm fit with rank_deficient: that one is a success too.
    if (s != Status::ok && !(op == 5 && s == Status::rank_deficient) && changed)
      fail("ols", "a failed call changed the model");
    if (op == 5 && (s == Status::ok || s == Status::rank_deficient)) {
      for (std::size_t i = 0; i < kD; ++i)
        if (!olsf::fuzz::all_finite(m.coefficients().row(i), kK)) fail("ols", "refit ok with non-finite coefficients");
      if (!olsf::fuzz::all_finite(m.intercept(), kK)) fail("ols", "refit ok with a non-finite intercept");
    }
  }
}

}  // namespace

OLSF_FUZZ_ENTRY_POINT(::run)
