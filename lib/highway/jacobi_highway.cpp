// olsformer Highway backend: Jacobi sweeps (drivers in lib/common/jacobi_sweeps.hpp).
// In round m of the parallel ordering every row's column update is one lane pattern:
// x'[j] = C[j] x[j] + S[j] x[j xor m], i.e. the partner vector (vector index xor
// m / lanes) with its lanes permuted by (lane xor m mod lanes). Nothing moves between
// rounds, and rows are whole vectors.
//
// Compiled for the target the compiler flags select and, with OLSF_HWY_DYNAMIC_DISPATCH,
// also for AVX3 (highway_targets.hpp); the sweep drivers (lib/common/jacobi_sweeps.hpp)
// are baseline code shared by every target. Rows are padded to the library's vector width
// (kSimdBytes, simd_width.hpp: 32 bytes on the host), not to AVX3's 64: there, matrices
// whose rows are not padded to 64 bytes (n = 8 float, lda = 8) run in 256-bit vectors
// (AVX-512VL) instead of dropping to the scalar reference.
#include <cstddef>

#include "../common/jacobi_sweeps.hpp"
#include "highway_targets.hpp"
#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "highway/jacobi_highway.cpp"
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#endif
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T, class D = hn::ScalableTag<T>>
struct HighwayOps {
  using TI = hwy::MakeSigned<T>;
  HWY_ALIGN TI lane_xor[HWY_MAX_BYTES / sizeof(T)] = {};
  static_assert(sizeof(TI) == sizeof(T), "lane indices as wide as the lanes");
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

// The whole sweep for n <= lanes, where every row is one vector: the rotation
// parameters, the pair bookkeeping and the 2x2 blocks are lane masks instead of scalar
// loops (same arithmetic as jacobi_parallel_sweep and jacobi_round_rotations, with the
// compensated diagonal). This is the n = 8 float / n = 4 double case on AVX2.
template <class D, typename T>
std::size_t sweep_one_vector(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                             T abs_tol) noexcept {
  const D d;
  const hn::RebindToSigned<D> di;
  using TI = hn::TFromD<decltype(di)>;
  const std::size_t L = hn::Lanes(d);
  const auto iota = hn::Iota(di, 0);
  const auto vn = hn::Set(di, static_cast<TI>(n));
  const auto one = hn::Set(d, T(1)), half = hn::Set(d, T(0.5)), big = hn::Set(d, T(1e15));
  const auto vrel = hn::Set(d, rel_tol), vabs = hn::Set(d, abs_tol);
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  for (std::size_t j = 0; j < L; ++j) buf[j] = j < n ? a[j * lda + j] : T(0);
  auto dv = hn::Load(d, buf);
  auto dlo = hn::Zero(d);
  std::size_t n2 = 1;
  while (n2 < n) n2 <<= 1;
  std::size_t rotations = 0;
  for (std::size_t m = 1; m < n2; ++m) {
    const auto partner = hn::Xor(iota, hn::Set(di, static_cast<TI>(m)));
    const auto idx = hn::IndicesFromVec(d, partner);
    const auto paired = hn::RebindMask(d, hn::And(hn::Lt(partner, vn), hn::Lt(iota, vn)));
    const auto first = hn::RebindMask(d, hn::Gt(partner, iota));
    // o[j] = a[j][j xor m], then the upper-triangle entry in both members' lanes.
    auto o = hn::Zero(d);
    for (std::size_t j = 0; j < n; ++j) {
      const auto lane = hn::RebindMask(d, hn::Eq(iota, hn::Set(di, static_cast<TI>(j))));
      o = hn::IfThenElse(lane, hn::TableLookupLanes(hn::LoadU(d, a + j * lda), idx), o);
    }
    o = hn::IfThenElseZero(paired, hn::IfThenElse(first, o, hn::TableLookupLanes(o, idx)));
    const auto dq = hn::TableLookupLanes(dv, idx);
    const auto mag = hn::Abs(o);
    const auto need = hn::And(hn::Gt(mag, vabs), hn::Gt(mag, hn::Mul(vrel, hn::Sqrt(hn::Abs(hn::Mul(dv, dq))))));
    const std::size_t active = hn::CountTrue(d, need);
    if (active == 0) continue;
    rotations += active / 2;
    const auto app = hn::IfThenElse(first, dv, dq), aqq = hn::IfThenElse(first, dq, dv);
    const auto theta = hn::Div(hn::Sub(aqq, app), hn::Add(o, o));
    const auto at = hn::Abs(theta);
    const auto tmag = hn::IfThenElse(hn::Gt(at, big), hn::Div(half, at),
                                     hn::Div(one, hn::Add(at, hn::Sqrt(hn::MulAdd(theta, theta, one)))));
    const auto t = hn::IfThenElseZero(need, hn::CopySign(tmag, theta));
    const auto c = hn::IfThenElse(need, hn::Div(one, hn::Sqrt(hn::MulAdd(t, t, one))), one);
    const auto st = hn::IfThenElse(first, t, hn::Neg(t));  // the member's signed t
    const auto cv = c, sv = hn::Neg(hn::Mul(st, c));
    // d -= st o, compensated (TwoSum and the FMA product error, as the generic driver).
    const auto p = hn::Mul(st, o);
    const auto p_err = hn::MulSub(st, o, p);
    const auto sum = hn::Sub(dv, p);
    const auto bp = hn::Sub(sum, dv);
    const auto sum_err = hn::Add(hn::Sub(dv, hn::Sub(sum, bp)), hn::Sub(hn::Neg(p), bp));
    dv = sum;
    dlo = hn::Add(dlo, hn::Sub(sum_err, p_err));
    HWY_ALIGN T cs[2][HWY_MAX_BYTES / sizeof(T)];
    hn::Store(cv, d, cs[0]);
    hn::Store(sv, d, cs[1]);
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t q = j ^ m;
      if (q < j) continue;
      if (q >= n) {  // no partner: the column update only
        const auto r = hn::LoadU(d, a + j * lda);
        hn::StoreU(hn::MulAdd(cv, r, hn::Mul(sv, hn::TableLookupLanes(r, idx))), d, a + j * lda);
        continue;
      }
      const auto cj = hn::Set(d, cs[0][j]), sj = hn::Set(d, cs[1][j]);
      const auto cq = hn::Set(d, cs[0][q]), sq = hn::Set(d, cs[1][q]);
      const auto rj = hn::LoadU(d, a + j * lda), rq = hn::LoadU(d, a + q * lda);
      const auto uj = hn::MulAdd(cj, rj, hn::Mul(sj, rq)), uq = hn::MulAdd(cq, rq, hn::Mul(sq, rj));
      auto wj = hn::MulAdd(cv, uj, hn::Mul(sv, hn::TableLookupLanes(uj, idx)));
      auto wq = hn::MulAdd(cv, uq, hn::Mul(sv, hn::TableLookupLanes(uq, idx)));
      if (cs[1][j] != T(0)) {  // rotated: its 2x2 block is diagonal, exactly
        wj = hn::IfThenZeroElse(hn::RebindMask(d, hn::Eq(iota, hn::Set(di, static_cast<TI>(q)))), wj);
        wq = hn::IfThenZeroElse(hn::RebindMask(d, hn::Eq(iota, hn::Set(di, static_cast<TI>(j)))), wq);
        const auto vj = hn::LoadU(d, vt + j * ldv), vq = hn::LoadU(d, vt + q * ldv);
        hn::StoreU(hn::MulAdd(cj, vj, hn::Mul(sj, vq)), d, vt + j * ldv);
        hn::StoreU(hn::MulAdd(cq, vq, hn::Mul(sq, vj)), d, vt + q * ldv);
      }
      hn::StoreU(wj, d, a + j * lda);
      hn::StoreU(wq, d, a + q * lda);
    }
  }
  hn::Store(hn::Add(dv, dlo), d, buf);
  for (std::size_t j = 0; j < n; ++j) a[j * lda + j] = buf[j];
  return rotations;
}

// Rows (of A and Vt) padded to whole vectors of D?
template <class D>
bool padded_for(std::size_t n, std::size_t lda, std::size_t ldv) noexcept {
  const std::size_t L = hn::Lanes(D());
  return detail::rows_padded(n, lda, L) && detail::rows_padded(n, ldv, L);
}

// Vectors wider than the library's row padding (AVX3 on the host): the library-width tag.
template <typename T>
using PadTag = hn::CappedTag<T, (kSimdBytes >= sizeof(T) ? kSimdBytes / sizeof(T) : 1)>;
template <typename T>
inline constexpr bool kWiderThanPadding = HWY_MAX_BYTES > kSimdBytes && kSimdBytes >= 16;

template <class D, typename T>
std::size_t parallel_sweep_with(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
  const std::size_t L = hn::Lanes(D());
  if (L > 1 && n >= 2 && n <= L && lda >= L && ldv >= L) return sweep_one_vector<D>(n, a, lda, vt, ldv, rel_tol, abs_tol);
  return detail::simd_parallel_sweep<HighwayOps<T, D>>(n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <typename T>
std::size_t parallel_sweep_impl(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
#if defined(OLSF_JACOBI_NEON_SWEEP8)
  // The 8 x 8 float NEON sweep before the n <= lanes tests: ~19 fewer instructions per
  // sweep on the case that runs most (issue #10).
  if constexpr (std::is_same_v<T, float>) {
    if (n == 8 && lda == 8 && ldv == 8) return detail::jacobi_parallel_sweep_neon8(a, vt, rel_tol, abs_tol);
  }
#endif
  if constexpr (kWiderThanPadding<T>) {
    if (!padded_for<hn::ScalableTag<T>>(n, lda, ldv))
      return parallel_sweep_with<PadTag<T>>(n, a, lda, vt, ldv, rel_tol, abs_tol);
  }
  return parallel_sweep_with<hn::ScalableTag<T>>(n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <typename T>
std::size_t svd_sweep_impl(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv, T rel_tol,
                           T abs_tol) noexcept {
  if constexpr (kWiderThanPadding<T>) {
    const std::size_t L = hn::Lanes(hn::ScalableTag<T>());
    if (!detail::rows_padded(m, ldx, L) || !detail::rows_padded(n, ldv, L))
      return detail::simd_svd_sweep<HighwayOps<T, PadTag<T>>>(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
  }
  return detail::simd_svd_sweep<HighwayOps<T>>(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
}

// One entry point per kernel and type for HWY_EXPORT (no overloads, no noexcept). With one
// static target the SVD sweep is the shared driver's, called as it always was.
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#define OLSF_HWY_SVD_SWEEP(T) svd_sweep_impl<T>
#else
#define OLSF_HWY_SVD_SWEEP(T) detail::simd_svd_sweep<HighwayOps<T>>
#endif
#define OLSF_HWY_JACOBI_ENTRIES(T, S)                                                                            \
  OLSF_HWY_ENTRY std::size_t ParallelSweep##S(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,          \
                               T abs_tol) {                                                                      \
    return parallel_sweep_impl(n, a, lda, vt, ldv, rel_tol, abs_tol);                                            \
  }                                                                                                              \
  OLSF_HWY_ENTRY std::size_t SvdSweep##S(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,          \
                          T rel_tol, T abs_tol) {                                                                \
    return OLSF_HWY_SVD_SWEEP(T)(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);                                      \
  }
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
OLSF_HWY_JACOBI_ENTRIES(float, F32)
OLSF_HWY_JACOBI_ENTRIES(double, F64)
#endif

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

#if !defined(OLSF_HWY_DYNAMIC_DISPATCH)
// One static target: the entry points outside the target region (no target attributes),
// so that they fold into the public functions and the code is what it was without them.
namespace olsf::highway::HWY_NAMESPACE {
OLSF_HWY_JACOBI_ENTRIES(float, F32)
OLSF_HWY_JACOBI_ENTRIES(double, F64)
}  // namespace olsf::highway::HWY_NAMESPACE
#endif
#undef OLSF_HWY_JACOBI_ENTRIES

#if HWY_ONCE
namespace olsf::highway {

// The cyclic sweep is one rotation at a time (baseline code, the same on every target).
#define OLSF_HIGHWAY_JACOBI(T, S)                                                                           \
  OLSF_HWY_EXPORT(ParallelSweep##S);                                                                        \
  OLSF_HWY_EXPORT(SvdSweep##S);                                                                             \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol, \
                                    T abs_tol) noexcept {                                                   \
    return OLSF_HWY_CALL(ParallelSweep##S)(n, a, lda, vt, ldv, rel_tol, abs_tol);                           \
  }                                                                                                         \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                  T abs_tol) noexcept {                                                     \
    return detail::simd_cyclic_sweep(n, a, lda, vt, ldv, rel_tol, abs_tol);                                 \
  }                                                                                                         \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,        \
                        T rel_tol, T abs_tol) noexcept {                                                    \
    return OLSF_HWY_CALL(SvdSweep##S)(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);                            \
  }

OLSF_HIGHWAY_JACOBI(float, F32)
OLSF_HIGHWAY_JACOBI(double, F64)
#undef OLSF_HIGHWAY_JACOBI

}  // namespace olsf::highway
#endif  // HWY_ONCE
