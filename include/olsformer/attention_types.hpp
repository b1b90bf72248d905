// olsformer: the types of the attention kernels (detail/attention_api.inc), shared by
// every backend namespace.
#pragma once
#include <cstddef>

namespace olsf {

// Largest head dimension d and value dimension dv the attention kernels accept. The
// kernels keep per-call scratch of this many entries on the stack, so it sets their stack
// depth: CMake's OLSF_ATTENTION_MAX_DIM (256 on Linux, 64 on bare metal) defines it for
// the library and every user alike; a firmware that never uses d > 32 can lower it.
#ifndef OLSF_ATTENTION_MAX_DIM
#define OLSF_ATTENTION_MAX_DIM 256
#endif
inline constexpr std::size_t kAttentionMaxDim = OLSF_ATTENTION_MAX_DIM;
static_assert(kAttentionMaxDim >= 1, "OLSF_ATTENTION_MAX_DIM must be at least 1");

// Softmax attention is the Boltzmann distribution p_j = e^(-E_j / T) / Z over the keys
// (Kim 2026, arXiv 2602.08216; papers.md section 3) with temperature T = 1 / beta and
// energies E_j = -l_j / beta, where l_j = beta q.k_j + mask_j are the logits (so
// E_j = -q.k_j without a mask, as in the paper). Masked keys (l_j = -inf) have E_j = +inf
// and p_j = 0; they contribute nothing to the sums below.
template <typename T>
struct AttentionObservables {
  T log_partition;  // log Z = log sum_j e^(l_j)
  T entropy;        // S = -sum_j p_j log p_j = log Z - <l>            (>= 0)
  T free_energy;    // F = -T log Z = <E> - T S
  T mean_energy;    // <E> = sum_j p_j E_j = -<l> / beta
  T specific_heat;  // C = Var_p(E) / T^2 = Var_p(l)                   (>= 0)
};

// Feature maps phi of linear attention (Katharopoulos et al. 2020, eq. 7).
enum class FeatureMap : unsigned char {
  identity,      // phi(x) = x
  elu_plus_one,  // phi(x) = elu(x) + 1 = x + 1 for x > 0, e^x otherwise (positive)
};

}  // namespace olsf
