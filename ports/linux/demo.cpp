// olsformer demo (Linux): which backend and ISA this build runs, and the first kernels
// on real numbers: one attention read-out written with them, scores = K q,
// p = softmax(beta * scores), out = V^T p, computed by every compiled backend; then the
// OLS-Transformer on the diabetes data (ports/common/ols_diabetes_demo.hpp, the same
// code the Cortex-M4 firmware runs). Exit code 1 if the diabetes fit misses its bar.
#include <cmath>
#include <cstdio>
#include <limits>

#include "ols_diabetes_demo.hpp"
#include "olsformer/olsformer.hpp"

namespace {

// Four keys in R^3 and their values in R^2: the query is closest to key 2.
constexpr std::size_t kKeys = 4, kDim = 3, kValDim = 2;
const float kK[kKeys * kDim] = {1, 0, 0, 0, 1, 0, 0.6f, 0.8f, 0, 0, 0, 1};
const float kV[kKeys * kValDim] = {10, 0, 0, 10, 5, 5, -3, 7};
const float kQuery[kDim] = {0.5f, 0.9f, 0.1f};

template <class Read>
void attention_readout(const char* backend, const char* isa, std::size_t lanes, Read&& read) {
  std::printf("%-8s (%s, %zu float lanes):\n", backend, isa, lanes);
  read();
}

#define OLSF_DEMO_BACKEND(ns)                                                                   \
  attention_readout(ns::backend_name(), ns::isa_name(), ns::lanes_f32(), [] {                   \
    float scores[kKeys], p[kKeys], out[kValDim];                                                \
    ns::gemv(kKeys, kDim, 4.0f /* beta */, kK, kDim, kQuery, 1, 0.0f, scores, 1);             \
    const olsf::Status s = ns::softmax(kKeys, scores, 1, p, 1);                               \
    ns::gemv_t(kKeys, kValDim, 1.0f, kV, kValDim, p, 1, 0.0f, out, 1);                        \
    std::printf("  beta*Kq = [%.4f %.4f %.4f %.4f]\n", scores[0], scores[1], scores[2], scores[3]); \
    std::printf("  softmax = [%.4f %.4f %.4f %.4f] (%s), sum %.7f\n", p[0], p[1], p[2], p[3],   \
                olsf::to_string(s), ns::reduce_sum(kKeys, p, 1));                               \
    std::printf("  V^T p   = [%.4f %.4f]\n", out[0], out[1]);                                  \
    const float inf = std::numeric_limits<float>::infinity();                                  \
    const float extreme[4] = {1e4f, -1e4f, -inf, 1e4f}, masked[2] = {-inf, -inf};               \
    float q[4];                                                                                 \
    const olsf::Status se = ns::softmax(4, extreme, 1, q, 1);                                   \
    std::printf("  softmax[1e4, -1e4, -inf, 1e4] = [%.3f %.3f %.3f %.3f] (%s)\n", q[0], q[1],   \
                q[2], q[3], olsf::to_string(se));                                               \
    std::printf("  softmax[-inf, -inf] -> status %s\n", olsf::to_string(ns::softmax(2, masked, 1, q, 1))); \
  })

}  // namespace

int main() {
  std::printf("olsformer demo: algorithms call the '%s' backend (%s)\n\n", olsf::kernels::backend_name(),
              olsf::kernels::isa_name());
  OLSF_DEMO_BACKEND(olsf::scalar);
#if defined(OLSF_HAVE_HIGHWAY)
  OLSF_DEMO_BACKEND(olsf::highway);
#endif
#if defined(OLSF_HAVE_XSIMD)
  OLSF_DEMO_BACKEND(olsf::xsimd);
#endif
  std::printf("\n");
  auto out = [](const char* text) { std::fputs(text, stdout); };
  return olsf_demo::diabetes_demo(out);
}
