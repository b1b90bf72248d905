// olsformer Highway backend: Jacobi sweeps (drivers in lib/common/jacobi_sweeps.hpp).
// In round m of the parallel ordering every row's column update is one lane pattern:
// x'[j] = C[j] x[j] + S[j] x[j xor m], i.e. the partner vector (vector index xor
// m / lanes) with its lanes permuted by (lane xor m mod lanes). Nothing moves between
// rounds, and rows are whole vectors.
#include <cstddef>

#include <hwy/highway.h>

#include "../common/jacobi_sweeps.hpp"
#include "olsformer/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct HighwayOps {
  using D = hn::ScalableTag<T>;

  std::size_t lanes() const noexcept { return hn::Lanes(D()); }

  void rotate_rows(std::size_t nvec, T* x, T* y, T c, T s) const noexcept {
    const D d;
    const std::size_t L = hn::Lanes(d);
    const auto vc = hn::Set(d, c), vs = hn::Set(d, s);
    for (std::size_t k = 0; k < nvec * L; k += L) {
      const auto xv = hn::LoadU(d, x + k), yv = hn::LoadU(d, y + k);
      hn::StoreU(hn::MulSub(vc, xv, hn::Mul(vs, yv)), d, x + k);
      hn::StoreU(hn::MulAdd(vs, xv, hn::Mul(vc, yv)), d, y + k);
    }
  }

  void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec, std::size_t m) const noexcept {
    const D d;
    const hn::RebindToSigned<D> di;
    using TI = hn::TFromD<decltype(di)>;
    const std::size_t L = hn::Lanes(d);
    const std::size_t vxor = m / L, lxor = m % L;
    HWY_ALIGN TI lane_xor[HWY_MAX_BYTES / sizeof(T)];
    for (std::size_t j = 0; j < L; ++j) lane_xor[j] = static_cast<TI>(j ^ lxor);
    const auto idx = hn::IndicesFromVec(d, hn::Load(di, lane_xor));
    for (std::size_t v = 0; v < nvec; ++v) {
      const std::size_t w = v ^ vxor;
      if (w < v || w >= nvec) continue;  // done with its partner, or no lane rotates
      const auto cv = hn::LoadU(d, cvec + v * L), sv = hn::LoadU(d, svec + v * L);
      const auto xv = hn::LoadU(d, row + v * L);
      const auto pv = lxor ? hn::TableLookupLanes(xv, idx) : xv;
      if (w == v) {
        hn::StoreU(hn::MulAdd(cv, xv, hn::Mul(sv, pv)), d, row + v * L);
      } else {
        const auto cw = hn::LoadU(d, cvec + w * L), sw = hn::LoadU(d, svec + w * L);
        const auto xw = hn::LoadU(d, row + w * L);
        const auto pw = lxor ? hn::TableLookupLanes(xw, idx) : xw;
        hn::StoreU(hn::MulAdd(cv, xv, hn::Mul(sv, pw)), d, row + v * L);
        hn::StoreU(hn::MulAdd(cw, xw, hn::Mul(sw, pv)), d, row + w * L);
      }
    }
  }

  void gram(std::size_t mvec, const T* x, const T* y, T& xx, T& yy, T& xy) const noexcept {
    const D d;
    const std::size_t L = hn::Lanes(d);
    auto sa = hn::Zero(d), sb = hn::Zero(d), sg = hn::Zero(d);
    for (std::size_t k = 0; k < mvec * L; k += L) {
      const auto u = hn::LoadU(d, x + k), w = hn::LoadU(d, y + k);
      sa = hn::MulAdd(u, u, sa);
      sb = hn::MulAdd(w, w, sb);
      sg = hn::MulAdd(u, w, sg);
    }
    xx = hn::GetLane(hn::SumOfLanes(d, sa));
    yy = hn::GetLane(hn::SumOfLanes(d, sb));
    xy = hn::GetLane(hn::SumOfLanes(d, sg));
  }
};

// Rows must be padded to whole vectors; otherwise (or with one lane) use the reference.
inline bool padded(std::size_t n, std::size_t stride, std::size_t lanes) noexcept {
  return lanes > 1 && stride >= (n + lanes - 1) / lanes * lanes;
}

template <typename T>
std::size_t parallel_sweep_impl(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
  const HighwayOps<T> ops;
  if (!padded(n, lda, ops.lanes()) || !padded(n, ldv, ops.lanes()))
    return scalar::jacobi_sweep_parallel(n, a, lda, vt, ldv, rel_tol, abs_tol);
  return detail::jacobi_parallel_sweep(ops, n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <typename T>
std::size_t svd_sweep_impl(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,
                           T rel_tol, T abs_tol) noexcept {
  const HighwayOps<T> ops;
  if (!padded(m, ldx, ops.lanes()) || !padded(n, ldv, ops.lanes()))
    return scalar::svd_sweep(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
  return detail::svd_cyclic_sweep(ops, n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
}

template <typename T>
std::size_t cyclic_sweep_impl(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                              T abs_tol) noexcept {
  return scalar::jacobi_sweep_cyclic(n, a, lda, vt, ldv, rel_tol, abs_tol);
}

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

namespace olsf::highway {
using HWY_NAMESPACE::cyclic_sweep_impl;
using HWY_NAMESPACE::parallel_sweep_impl;
using HWY_NAMESPACE::svd_sweep_impl;

OLSF_DEFINE_JACOBI_KERNELS(float)
OLSF_DEFINE_JACOBI_KERNELS(double)

}  // namespace olsf::highway
