// olsformer (internal): the batched slow-memory kernels (detail/covariance_api.inc) for the
// SIMD backends, written once over an `Ops` type that supplies the vector operations:
//   using V = <vector of T>;  static constexpr std::size_t L = <lanes>;
//   static V zero(); static V set(T); static V load(const T*) (aligned); static V loadu(const T*);
//   static void store(V, T*) (aligned); static void storeu(V, T*);
//   static V add(V, V); static V sub(V, V); static V fma(V a, V b, V c) (a b + c);
//   static V abs(V); static V max(V, V);
//
// centred_gram_update is a symmetric rank-m update (syrk) on centred data. Each chunk of
// samples is centred once into a row-major scratch (x - cx zero-padded to whole vectors,
// then the k values y - cy and a constant 1). A register tile holds R rows x V vectors of
// the Gram matrix: per sample it loads V column vectors and broadcasts R scalars, R V
// FMAs. Row tiles cover the lower triangle in vector-wide steps; the rows y_t give S_xy and
// the row of ones gives the residual sums r = sum (x - cx) at no extra cost. Every entry
// is summed sample by sample within a chunk, so the result matches the scalar reference
// up to the association of chunk partial sums.
// Included once per Highway target by lib/highway (hwy/foreach_target.h): Highway's
// per-target include guard, and a per-target namespace wherever Highway is in scope.
#if defined(OLSF_COMMON_COVARIANCE_BLOCK_HPP_) == defined(HWY_TARGET_TOGGLE)
#ifdef OLSF_COMMON_COVARIANCE_BLOCK_HPP_
#undef OLSF_COMMON_COVARIANCE_BLOCK_HPP_
#else
#define OLSF_COMMON_COVARIANCE_BLOCK_HPP_
#endif
#include <cstddef>

#include "olsformer/kernels.hpp"

namespace olsf::detail {
#if defined(HWY_NAMESPACE)
namespace HWY_NAMESPACE {
#endif

// Scratch for one chunk of centred samples (on the stack: these backends run on
// application cores). Larger d than kCovMaxD goes to the scalar reference.
inline constexpr std::size_t kCovScratchBytes = 16384;
inline constexpr std::size_t kCovMaxD = 256;

template <typename T, class Ops>
void simd_column_sums(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {
  using V = typename Ops::V;
  constexpr std::size_t L = Ops::L;
  std::size_t j = 0;
  for (; j + L <= n; j += L) {
    // Two rows per step: independent chains hide the add latency.
    V s0 = Ops::zero(), s1 = Ops::zero(), a0 = Ops::zero(), a1 = Ops::zero();
    std::size_t i = 0;
    for (; i + 2 <= m; i += 2) {
      const V u = Ops::loadu(x + i * ldx + j), w = Ops::loadu(x + (i + 1) * ldx + j);
      s0 = Ops::add(s0, u);
      s1 = Ops::add(s1, w);
      a0 = Ops::max(a0, Ops::abs(u));
      a1 = Ops::max(a1, Ops::abs(w));
    }
    if (i < m) {
      const V u = Ops::loadu(x + i * ldx + j);
      s0 = Ops::add(s0, u);
      a0 = Ops::max(a0, Ops::abs(u));
    }
    Ops::storeu(Ops::add(s0, s1), sum + j);
    Ops::storeu(Ops::max(a0, a1), amax + j);
  }
  for (; j < n; ++j) {
    T s = 0, a = 0;
    for (std::size_t i = 0; i < m; ++i) {
      const T v = x[i * ldx + j];
      s += v;
      const T av = v < T(0) ? -v : v;
      a = av > a ? av : a;
    }
    sum[j] = s;
    amax[j] = a;
  }
}

// acc (R x V vectors) = sum over the bc samples of z[s][rb + r] * z[s][c0 + v L .. + L).
// U = 2 runs even and odd samples in separate accumulators when R V is too small to
// cover the FMA latency.
template <std::size_t R, std::size_t VN, std::size_t U, typename T, class Ops>
void gram_tile(std::size_t bc, const T* z, std::size_t ldz, std::size_t rb, std::size_t c0, T* out) noexcept {
  using V = typename Ops::V;
  constexpr std::size_t L = Ops::L;
  V acc[U][R][VN];
  for (std::size_t u = 0; u < U; ++u)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t v = 0; v < VN; ++v) acc[u][r][v] = Ops::zero();
  std::size_t s = 0;
  for (; s + U <= bc; s += U) {
    for (std::size_t u = 0; u < U; ++u) {
      const T* zr = z + (s + u) * ldz;
      V col[VN];
      for (std::size_t v = 0; v < VN; ++v) col[v] = Ops::load(zr + c0 + v * L);
      for (std::size_t r = 0; r < R; ++r) {
        const V b = Ops::set(zr[rb + r]);
        for (std::size_t v = 0; v < VN; ++v) acc[u][r][v] = Ops::fma(b, col[v], acc[u][r][v]);
      }
    }
  }
  for (; s < bc; ++s) {
    const T* zr = z + s * ldz;
    for (std::size_t r = 0; r < R; ++r) {
      const V b = Ops::set(zr[rb + r]);
      for (std::size_t v = 0; v < VN; ++v) acc[0][r][v] = Ops::fma(b, Ops::load(zr + c0 + v * L), acc[0][r][v]);
    }
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t v = 0; v < VN; ++v) {
      V a = acc[0][r][v];
      for (std::size_t u = 1; u < U; ++u) a = Ops::add(a, acc[u][r][v]);
      Ops::store(a, out + (r * VN + v) * L);
    }
}

template <std::size_t R, typename T, class Ops>
void gram_tile_v(std::size_t vn, std::size_t bc, const T* z, std::size_t ldz, std::size_t rb, std::size_t c0,
                 T* out) noexcept {
  // Sample unrolling when the tile has fewer than 8 accumulators.
  if (vn == 1) return gram_tile<R, 1, (R * 1 < 8 ? 2 : 1), T, Ops>(bc, z, ldz, rb, c0, out);
  if (vn == 2) return gram_tile<R, 2, (R * 2 < 8 ? 2 : 1), T, Ops>(bc, z, ldz, rb, c0, out);
  return gram_tile<R, 3, 1, T, Ops>(bc, z, ldz, rb, c0, out);
}

template <typename T, class Ops>
void gram_tile_rv(std::size_t rn, std::size_t vn, std::size_t bc, const T* z, std::size_t ldz, std::size_t rb,
                  std::size_t c0, T* out) noexcept {
  switch (rn) {
    case 1: return gram_tile_v<1, T, Ops>(vn, bc, z, ldz, rb, c0, out);
    case 2: return gram_tile_v<2, T, Ops>(vn, bc, z, ldz, rb, c0, out);
    case 3: return gram_tile_v<3, T, Ops>(vn, bc, z, ldz, rb, c0, out);
    default: return gram_tile_v<4, T, Ops>(vn, bc, z, ldz, rb, c0, out);
  }
}

// Returns false (nothing done) when the shape does not fit the scratch: the caller then
// runs the scalar reference.
template <typename T, class Ops>
bool simd_centred_gram(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx, const T* cx,
                       const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx, T* sxy,
                       std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {
  constexpr std::size_t L = Ops::L;
  constexpr std::size_t kR = 4, kV = 3;  // largest tile: 12 accumulators
  const std::size_t nvx = (d + L - 1) / L, dp = nvx * L;
  const std::size_t extra = k + 1;  // rows y_0 .. y_{k-1} and the row of ones
  const std::size_t ldz = dp + ((extra + L - 1) / L) * L;
  alignas(64) T z[kCovScratchBytes / sizeof(T)];
  const std::size_t cap = (kCovScratchBytes / sizeof(T)) / ldz;
  if (d == 0 || d > kCovMaxD || cap < 2) return false;
  alignas(64) T cxp[kCovMaxD];
  alignas(64) T tile[kR * kV * (64 / sizeof(T))];  // R x V vectors of at most 64 bytes
  static_assert(sizeof(tile) >= kR * kV * L * sizeof(T), "tile buffer too small for the vector width");
  for (std::size_t j = 0; j < dp; ++j) cxp[j] = j < d ? cx[j] : T(0);
  for (std::size_t j = 0; j < d; ++j) rx[j] = T(0);
  for (std::size_t t = 0; t < k; ++t) ry[t] = T(0);
  const std::size_t dfull = d / L * L;
  // The constant part of every scratch row, written once: zero padding after x and
  // after the ones, and the ones.
  for (std::size_t s = 0; s < cap; ++s) {
    T* zr = z + s * ldz;
    for (std::size_t j = d; j < ldz; ++j) zr[j] = T(0);
    zr[dp + k] = T(1);
  }
  const std::size_t nve = nvx + (extra + L - 1) / L;  // column vectors of the extra rows
  for (std::size_t s0 = 0; s0 < m; s0 += cap) {
    const std::size_t bc = m - s0 < cap ? m - s0 : cap;
    // Centre the chunk into the scratch.
    for (std::size_t s = 0; s < bc; ++s) {
      const T* xs = x + (s0 + s) * ldx;
      const T* ys = y + (s0 + s) * ldy;
      T* zr = z + s * ldz;
      std::size_t j = 0;
      for (; j < dfull; j += L) Ops::store(Ops::sub(Ops::loadu(xs + j), Ops::load(cxp + j)), zr + j);
      for (; j < d; ++j) zr[j] = xs[j] - cxp[j];
      if (k == 1) {  // the common case, without the vectorised loop's set-up
        zr[dp] = ys[0] - cy[0];
      } else {
        for (std::size_t t = 0; t < k; ++t) zr[dp + t] = ys[t] - cy[t];
      }
    }
    // Lower triangle of S_xx: row tiles of kR rows, columns up to the tile's last row.
    for (std::size_t i0 = 0; i0 < d; i0 += kR) {
      const std::size_t rn = d - i0 < kR ? d - i0 : kR;
      const std::size_t nv = (i0 + rn + L - 1) / L;
      for (std::size_t v0 = 0; v0 < nv; v0 += kV) {
        const std::size_t vn = nv - v0 < kV ? nv - v0 : kV;
        gram_tile_rv<T, Ops>(rn, vn, bc, z, ldz, i0, v0 * L, tile);
        for (std::size_t r = 0; r < rn; ++r) {
          T* srow = sxx + (i0 + r) * ldsxx;
          for (std::size_t v = 0; v < vn; ++v) {
            const std::size_t c = (v0 + v) * L;
            const T* a = tile + (r * vn + v) * L;
            if (c + L <= d) {
              Ops::storeu(Ops::add(Ops::loadu(srow + c), Ops::load(a)), srow + c);
            } else {
              for (std::size_t q = 0; c + q < d; ++q) srow[c + q] += a[q];
            }
          }
        }
      }
    }
    // Rows y_t and the ones against every column: S_xy (a row here, a column there),
    // r_x, and from the y columns diag(S_yy) and r_y.
    for (std::size_t e0 = 0; e0 < extra; e0 += kR) {
      const std::size_t rn = extra - e0 < kR ? extra - e0 : kR;
      for (std::size_t v0 = 0; v0 < nve; v0 += kV) {
        const std::size_t vn = nve - v0 < kV ? nve - v0 : kV;
        gram_tile_rv<T, Ops>(rn, vn, bc, z, ldz, dp + e0, v0 * L, tile);
        for (std::size_t r = 0; r < rn; ++r) {
          const std::size_t t = e0 + r;
          for (std::size_t v = 0; v < vn; ++v) {
            const std::size_t c = (v0 + v) * L;
            const T* a = tile + (r * vn + v) * L;
            for (std::size_t q = 0; q < L; ++q) {
              const std::size_t col = c + q;
              if (col < d) {
                if (t < k) {
                  sxy[col * ldsxy + t] += a[q];
                } else {
                  rx[col] += a[q];
                }
              } else if (col >= dp && col < dp + k) {
                const std::size_t u = col - dp;
                if (t == k) {
                  ry[u] += a[q];
                } else if (t == u) {
                  syy[u] += a[q];
                }
              }
            }
          }
        }
      }
    }
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < i; ++j) sxx[j * ldsxx + i] = sxx[i * ldsxx + j];
  return true;
}

#if defined(HWY_NAMESPACE)
}  // namespace HWY_NAMESPACE
#endif
}  // namespace olsf::detail
#endif  // OLSF_COMMON_COVARIANCE_BLOCK_HPP_
