// olsformer scalar backend: attention kernels (drivers in lib/common/attention_impl.hpp).
// Plain loops in textbook order: the reference the SIMD backends are tested against, and
// what runs on Cortex-M.
#include <cmath>
#include <cstddef>

#include "../common/attention_impl.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::scalar {
namespace {

template <typename T>
struct ScalarAttentionOps {
  static constexpr std::size_t kPad = 1;
  void scores(std::size_t nq, std::size_t nk, std::size_t d, const T* q, std::size_t ldq, const T* k,
              std::size_t ldk, T scale, T* s, std::size_t lds) const noexcept {
    for (std::size_t r = 0; r < nq; ++r)
      for (std::size_t j = 0; j < nk; ++j) s[r * lds + j] = scale * ::olsf::scalar::dot(d, q + r * ldq, 1, k + j * ldk, 1);
  }
  T exp_shift(std::size_t count, T* s, T m) const noexcept {
    T sum = 0;
    for (std::size_t j = 0; j < count; ++j) {
      s[j] = std::exp(s[j] - m);  // <= 1; -inf gives 0
      sum += s[j];
    }
    return sum;
  }
  void accumulate(std::size_t nq, std::size_t nk, std::size_t dv, const T* p, std::size_t ldp, const T* v,
                  std::size_t ldv, T* acc, std::size_t ldacc) const noexcept {
    for (std::size_t r = 0; r < nq; ++r)
      for (std::size_t j = 0; j < nk; ++j) {
        const T w = p[r * ldp + j];
        for (std::size_t c = 0; c < dv; ++c) acc[r * ldacc + c] += w * v[j * ldv + c];
      }
  }
  void feature(std::size_t n, const T* x, T* y, FeatureMap phi) const noexcept {
    for (std::size_t i = 0; i < n; ++i)
      y[i] = phi == FeatureMap::identity ? x[i] : (x[i] > T(0) ? x[i] + T(1) : std::exp(x[i]));
  }
  T dot(std::size_t n, const T* x, const T* y) const noexcept { return ::olsf::scalar::dot(n, x, 1, y, 1); }
  bool logit_max(std::size_t n, const T* l, T& m) const noexcept { return ::olsf::detail::logit_max_loop(n, l, m); }
  void rank1(std::size_t rows, std::size_t cols, const T* f, const T* v, T* s, std::size_t lds) const noexcept {
    for (std::size_t i = 0; i < rows; ++i) ::olsf::scalar::axpy(cols, f[i], v, 1, s + i * lds, 1);
  }
};

template <typename T>
ScalarAttentionOps<T> attention_ops() noexcept {
  return {};
}

}  // namespace

std::size_t attention_block_keys() noexcept { return detail::kAttentionBlock; }

OLSF_DEFINE_ATTENTION_KERNELS(float)
OLSF_DEFINE_ATTENTION_KERNELS(double)

}  // namespace olsf::scalar
