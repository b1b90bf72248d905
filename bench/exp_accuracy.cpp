// Measures each backend's exp against long double over a dense sweep: the worst error in
// ulps (from the correctly rounded result) and the worst relative error, on the full
// normal range and on the softmax range [-30, 0]. Prints a table; used for the notes.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "../tests/support/kernel_checks.hpp"

namespace {

template <typename T>
void sweep(const olsf::testing::KernelTable<T>& k, double lo, double hi, const char* label) {
  constexpr std::size_t kChunk = 4096;
  static T x[kChunk], y[kChunk];
  const std::size_t total = std::size_t(1) << 22;
  std::uint64_t worst_ulp = 0;
  long double worst_rel = 0, worst_at = 0;
  for (std::size_t base = 0; base < total; base += kChunk) {
    for (std::size_t i = 0; i < kChunk; ++i)
      x[i] = static_cast<T>(lo + (hi - lo) * static_cast<double>(base + i) / static_cast<double>(total));
    k.exp(kChunk, x, y);
    for (std::size_t i = 0; i < kChunk; ++i) {
      const long double e = std::exp(static_cast<long double>(x[i]));
      const std::uint64_t u = olsf::testing::ulp_distance(y[i], static_cast<T>(e));
      const long double rel = std::fabs((static_cast<long double>(y[i]) - e) / e);
      if (u > worst_ulp) worst_ulp = u;
      if (rel > worst_rel) {
        worst_rel = rel;
        worst_at = x[i];
      }
    }
  }
  std::printf("| %-7s | %-6s | %-16s | %4llu | %.3Le (at %.6Lg) |\n", k.name, sizeof(T) == 4 ? "float" : "double",
              label, static_cast<unsigned long long>(worst_ulp), worst_rel, worst_at);
}

}  // namespace

int main() {
  std::printf("| backend | type   | range            | ulps | max relative error |\n|---|---|---|---|---|\n");
  for (std::size_t b = 0; b < olsf::testing::Backends<float>::kCount; ++b) {
    sweep(olsf::testing::Backends<float>::all()[b], -87.0, 88.0, "[-87, 88]");
    sweep(olsf::testing::Backends<float>::all()[b], -30.0, 0.0, "[-30, 0] softmax");
    sweep(olsf::testing::Backends<double>::all()[b], -707.0, 709.0, "[-707, 709]");
    sweep(olsf::testing::Backends<double>::all()[b], -30.0, 0.0, "[-30, 0] softmax");
  }
  return 0;
}
