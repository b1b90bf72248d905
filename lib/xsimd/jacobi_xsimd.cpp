// olsformer xsimd backend: Jacobi sweeps (drivers in lib/common/jacobi_sweeps.hpp).
// The column update of round m permutes lanes by (lane xor m mod lanes): xsimd 8.1 only
// swizzles by compile-time constants, so each xor value has its own constant.
#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "../common/jacobi_sweeps.hpp"
#include "batch_support.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::xsimd {
namespace {
namespace xs = ::xsimd;
using xsimd_detail::exact_div;

template <typename T>
using Batch = xs::batch<T>;
template <typename T>
using IndexBatch = xs::batch<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>;

template <unsigned X>
struct LaneXor {
  static constexpr unsigned get(unsigned i, unsigned) { return i ^ X; }
};

// v with lanes permuted by lane xor x, for the runtime x in [1, size).
template <typename T, unsigned X = 1>
Batch<T> permute_xor(const Batch<T>& v, std::size_t x) noexcept {
  if constexpr (X < Batch<T>::size) {
    if (x == X) return xs::swizzle(v, xs::make_batch_constant<IndexBatch<T>, LaneXor<X>>());
    return permute_xor<T, X + 1>(v, x);
  } else {
    return v;  // unreachable: x < size
  }
}

template <typename T>
struct XsimdOps {
  static constexpr std::size_t L = Batch<T>::size;
  std::size_t vxor = 0, lxor = 0;

  std::size_t lanes() const noexcept { return L; }

  void rotate_pair(std::size_t nvec, T* x, T* y, T cx, T sx, T cy, T sy) const noexcept {
    const Batch<T> vcx(cx), vsx(sx), vcy(cy), vsy(sy);
    for (std::size_t k = 0; k < nvec * L; k += L) {
      const auto xv = Batch<T>::load_unaligned(x + k), yv = Batch<T>::load_unaligned(y + k);
      xs::fma(vcx, xv, vsx * yv).store_unaligned(x + k);
      xs::fma(vcy, yv, vsy * xv).store_unaligned(y + k);
    }
  }

  void begin_round(std::size_t m) noexcept {
    vxor = m / L;
    lxor = m % L;
  }

  void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec) const noexcept {
    for (std::size_t v = 0; v < nvec; ++v) {
      const std::size_t w = v ^ vxor;
      if (w < v || w >= nvec) continue;  // done with its partner, or no lane rotates
      const auto cv = Batch<T>::load_aligned(cvec + v * L), sv = Batch<T>::load_aligned(svec + v * L);
      const auto xv = Batch<T>::load_unaligned(row + v * L);
      const auto pv = lxor ? permute_xor<T>(xv, lxor) : xv;
      if (w == v) {
        xs::fma(cv, xv, sv * pv).store_unaligned(row + v * L);
      } else {
        const auto cw = Batch<T>::load_aligned(cvec + w * L), sw = Batch<T>::load_aligned(svec + w * L);
        const auto xw = Batch<T>::load_unaligned(row + w * L);
        const auto pw = lxor ? permute_xor<T>(xw, lxor) : xw;
        xs::fma(cv, xv, sv * pw).store_unaligned(row + v * L);
        xs::fma(cw, xw, sw * pv).store_unaligned(row + w * L);
      }
    }
  }

  // detail::jacobi_round_rotations, a batch of lanes at a time.
  std::size_t rotations(std::size_t nvec, const T* dvec, const T* dq, const T* o, const T* sgn, T* cvec,
                        T* svec, T* tvec, T rel_tol, T abs_tol) const noexcept {
    const Batch<T> one(T(1)), half(T(0.5)), big(T(1e15)), zero(T(0)), vrel(rel_tol), vabs(abs_tol);
    std::size_t active = 0;
    for (std::size_t k = 0; k < nvec * L; k += L) {
      const auto dv = Batch<T>::load_aligned(dvec + k), qv = Batch<T>::load_aligned(dq + k);
      const auto ov = Batch<T>::load_aligned(o + k), sg = Batch<T>::load_aligned(sgn + k);
      const auto mag = xs::abs(ov);
      const auto need = (mag > vabs) && (mag > vrel * xs::sqrt(xs::abs(dv * qv)));
      if (!xs::any(need)) {
        one.store_aligned(cvec + k);
        zero.store_aligned(svec + k);
        zero.store_aligned(tvec + k);
        continue;
      }
      alignas(Batch<T>::arch_type::alignment()) T flags[L];
      xs::select(need, one, zero).store_aligned(flags);
      for (std::size_t j = 0; j < L; ++j) active += flags[j] != T(0) ? 1 : 0;
      // theta of the pair, (a_qq - a_pp) / (2 a_pq), the same in both members' lanes.
      // (computed from the same operands in both lanes: -(x - y) would give -0 for +0)
      const auto first = sg > zero;
      const auto theta = exact_div(xs::select(first, qv, dv) - xs::select(first, dv, qv), ov + ov);
      const auto at = xs::abs(theta);
      const auto tmag = xs::select(at > big, exact_div(half, at), exact_div(one, at + xs::sqrt(xs::fma(theta, theta, one))));
      const auto t = xs::select(need, xs::copysign(tmag, theta), zero);
      const auto c = exact_div(one, xs::sqrt(xs::fma(t, t, one)));
      const auto st = sg * t;  // the member's signed t
      xs::select(need, c, one).store_aligned(cvec + k);
      (-(st * c)).store_aligned(svec + k);
      st.store_aligned(tvec + k);
    }
    return active;
  }

  void gram(std::size_t mvec, const T* x, const T* y, T& xx, T& yy, T& xy) const noexcept {
    Batch<T> sa(T(0)), sb(T(0)), sg(T(0));
    for (std::size_t k = 0; k < mvec * L; k += L) {
      const auto u = Batch<T>::load_unaligned(x + k), w = Batch<T>::load_unaligned(y + k);
      sa = xs::fma(u, u, sa);
      sb = xs::fma(w, w, sb);
      sg = xs::fma(u, w, sg);
    }
    xx = xs::hadd(sa);
    yy = xs::hadd(sb);
    xy = xs::hadd(sg);
  }

};

}  // namespace

OLSF_DEFINE_SIMD_JACOBI_KERNELS(float, XsimdOps)
OLSF_DEFINE_SIMD_JACOBI_KERNELS(double, XsimdOps)

}  // namespace olsf::xsimd
