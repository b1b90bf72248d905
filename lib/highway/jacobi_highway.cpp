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
  using TI = hwy::MakeSigned<T>;
  HWY_ALIGN TI lane_xor[HWY_MAX_BYTES / sizeof(T)] = {};
  std::size_t vxor = 0, lxor = 0;

  std::size_t lanes() const noexcept { return hn::Lanes(D()); }

  void rotate_pair(std::size_t nvec, T* x, T* y, T cx, T sx, T cy, T sy) const noexcept {
    const D d;
    const std::size_t L = hn::Lanes(d);
    const auto vcx = hn::Set(d, cx), vsx = hn::Set(d, sx), vcy = hn::Set(d, cy), vsy = hn::Set(d, sy);
    for (std::size_t k = 0; k < nvec * L; k += L) {
      const auto xv = hn::LoadU(d, x + k), yv = hn::LoadU(d, y + k);
      hn::StoreU(hn::MulAdd(vcx, xv, hn::Mul(vsx, yv)), d, x + k);
      hn::StoreU(hn::MulAdd(vcy, yv, hn::Mul(vsy, xv)), d, y + k);
    }
  }

  void begin_round(std::size_t m) noexcept {
    const std::size_t L = lanes();
    vxor = m / L;
    lxor = m % L;
    for (std::size_t j = 0; j < L; ++j) lane_xor[j] = static_cast<TI>(j ^ lxor);
  }

  void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec) const noexcept {
    const D d;
    const hn::RebindToSigned<D> di;
    const std::size_t L = hn::Lanes(d);
    const auto idx = hn::IndicesFromVec(d, hn::Load(di, lane_xor));
    for (std::size_t v = 0; v < nvec; ++v) {
      const std::size_t w = v ^ vxor;
      if (w < v || w >= nvec) continue;  // done with its partner, or no lane rotates
      const auto cv = hn::Load(d, cvec + v * L), sv = hn::Load(d, svec + v * L);
      const auto xv = hn::LoadU(d, row + v * L);
      const auto pv = lxor ? hn::TableLookupLanes(xv, idx) : xv;
      if (w == v) {
        hn::StoreU(hn::MulAdd(cv, xv, hn::Mul(sv, pv)), d, row + v * L);
      } else {
        const auto cw = hn::Load(d, cvec + w * L), sw = hn::Load(d, svec + w * L);
        const auto xw = hn::LoadU(d, row + w * L);
        const auto pw = lxor ? hn::TableLookupLanes(xw, idx) : xw;
        hn::StoreU(hn::MulAdd(cv, xv, hn::Mul(sv, pw)), d, row + v * L);
        hn::StoreU(hn::MulAdd(cw, xw, hn::Mul(sw, pv)), d, row + w * L);
      }
    }
  }

  // detail::jacobi_round_rotations, a vector of lanes at a time.
  std::size_t rotations(std::size_t nvec, const T* dvec, const T* dq, const T* o, const T* sgn, T* cvec,
                        T* svec, T* tvec, T rel_tol, T abs_tol) const noexcept {
    const D d;
    const std::size_t L = hn::Lanes(d);
    const auto one = hn::Set(d, T(1)), half = hn::Set(d, T(0.5)), big = hn::Set(d, T(1e15));
    const auto vrel = hn::Set(d, rel_tol), vabs = hn::Set(d, abs_tol);
    std::size_t active = 0;
    for (std::size_t k = 0; k < nvec * L; k += L) {
      const auto dv = hn::Load(d, dvec + k), qv = hn::Load(d, dq + k), ov = hn::Load(d, o + k);
      const auto sg = hn::Load(d, sgn + k);
      const auto mag = hn::Abs(ov);
      const auto need = hn::And(hn::Gt(mag, vabs), hn::Gt(mag, hn::Mul(vrel, hn::Sqrt(hn::Abs(hn::Mul(dv, qv))))));
      const std::size_t count = hn::CountTrue(d, need);
      if (count == 0) {
        hn::Store(one, d, cvec + k);
        hn::Store(hn::Zero(d), d, svec + k);
        hn::Store(hn::Zero(d), d, tvec + k);
        continue;
      }
      active += count;
      // theta of the pair, (a_qq - a_pp) / (2 a_pq), the same in both members' lanes.
      // (computed from the same operands in both lanes: -(x - y) would give -0 for +0)
      const auto first = hn::Gt(sg, hn::Zero(d));
      const auto app = hn::IfThenElse(first, dv, qv), aqq = hn::IfThenElse(first, qv, dv);
      const auto theta = hn::Div(hn::Sub(aqq, app), hn::Add(ov, ov));
      const auto at = hn::Abs(theta);
      const auto tmag = hn::IfThenElse(hn::Gt(at, big), hn::Div(half, at),
                                       hn::Div(one, hn::Add(at, hn::Sqrt(hn::MulAdd(theta, theta, one)))));
      const auto t = hn::IfThenElseZero(need, hn::CopySign(tmag, theta));
      const auto c = hn::Div(one, hn::Sqrt(hn::MulAdd(t, t, one)));
      const auto st = hn::Mul(sg, t);  // the member's signed t
      hn::Store(hn::IfThenElse(need, c, one), d, cvec + k);
      hn::Store(hn::Neg(hn::Mul(st, c)), d, svec + k);
      hn::Store(st, d, tvec + k);
    }
    return active;
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

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

namespace olsf::highway {

OLSF_DEFINE_SIMD_JACOBI_KERNELS(float, HWY_NAMESPACE::HighwayOps)
OLSF_DEFINE_SIMD_JACOBI_KERNELS(double, HWY_NAMESPACE::HighwayOps)

}  // namespace olsf::highway
