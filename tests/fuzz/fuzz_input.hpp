// olsformer fuzzing: turns libFuzzer's bytes into sizes and floating-point values, biased
// toward what breaks numerical code: NaN, +-Inf, denormals, the largest and smallest
// normals, signed zeros, and arbitrary bit patterns beside ordinary small numbers.
// Every harness checks the library's promise for each call: a documented status, no
// crash or UB (ASan + UBSan), no NaN out of a call that said ok, and a failed call leaves
// its object byte for byte as it was.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "olsformer/backend.hpp"

namespace olsf::fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) noexcept : p_(data), end_(data + size) {}
  bool empty() const noexcept { return p_ == end_; }

  std::uint8_t byte() noexcept { return p_ == end_ ? 0 : *p_++; }

  // A size in [lo, hi].
  std::size_t size(std::size_t lo, std::size_t hi) noexcept { return lo + byte() % (hi - lo + 1); }

  template <typename T>
  T value() noexcept {
    using Lim = std::numeric_limits<T>;
    const std::uint8_t sel = byte();
    switch (sel) {
      case 0: return Lim::quiet_NaN();
      case 1: return Lim::infinity();
      case 2: return -Lim::infinity();
      case 3: return Lim::denorm_min();
      case 4: return Lim::max();
      case 5: return -Lim::max();
      case 6: return Lim::min();
      case 7: return T(0);
      case 8: return -T(0);
      case 9: {  // any bit pattern at all
        using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        Bits b = 0;
        for (std::size_t i = 0; i < sizeof(Bits); ++i) b = (b << 8) | byte();
        T v;
        std::memcpy(&v, &b, sizeof v);
        return v;
      }
      case 10: return static_cast<T>(static_cast<std::int8_t>(byte())) * T(1e30);
      case 11: return static_cast<T>(static_cast<std::int8_t>(byte())) * T(1e-30);
      default:  // ordinary numbers: small integers over 16, most inputs
        return static_cast<T>(static_cast<std::int8_t>(byte())) / T(16);
    }
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// The byte image of an object, to prove a failed call changed nothing.
template <typename Obj>
struct Snapshot {
  alignas(Obj) unsigned char bytes[sizeof(Obj)];
  explicit Snapshot(const Obj& o) noexcept { std::memcpy(bytes, static_cast<const void*>(&o), sizeof(Obj)); }
  bool same_as(const Obj& o) const noexcept { return std::memcmp(bytes, static_cast<const void*>(&o), sizeof(Obj)) == 0; }
};

// A broken promise: report and abort, so libFuzzer keeps the input as a finding.
[[noreturn]] inline void fail(const char* harness, const char* what) noexcept {
  std::fprintf(stderr, "olsformer fuzz %s: %s\n", harness, what);
  std::abort();
}

template <typename T>
bool all_finite(const T* p, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (!(p[i] - p[i] == T(0))) return false;
  return true;
}

// The usual harness entry: the input's first byte picks the backend, the next float or
// double, then Harness::run<T, Backend>(in) consumes the rest.
template <class Harness>
int run_any_backend_and_type(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t backend = in.byte() % 3;
  const bool single = (in.byte() & 1) != 0;
  auto go = [&](auto backend_tag) {
    using B = decltype(backend_tag);
    if (single)
      Harness::template run<float, B>(in);
    else
      Harness::template run<double, B>(in);
  };
  if (backend == 0)
    go(olsf::ScalarBackend{});
  else if (backend == 1)
    go(olsf::HighwayBackend{});
  else
    go(olsf::XsimdBackend{});
  return 0;
}

}  // namespace olsf::fuzz

// The libFuzzer entry point of a harness file: its `run<T, Backend>(Input&)` (a function
// template, which cannot be a template argument itself) over every backend and type.
#define OLSF_FUZZ_ENTRY_POINT(harness_run)                                                   \
  namespace {                                                                                \
  struct Harness {                                                                           \
    template <typename T, class Backend>                                                     \
    static void run(::olsf::fuzz::Input& in) {                                               \
      harness_run<T, Backend>(in);                                                           \
    }                                                                                        \
  };                                                                                         \
  }                                                                                          \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {        \
    return ::olsf::fuzz::run_any_backend_and_type<Harness>(data, size);                      \
  }
