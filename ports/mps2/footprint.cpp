// olsformer footprint firmware (issue #7): what a device pays for the two flagship
// objects, OlsTransformer<float, 8, 1, 32> and ModernHopfield<float, 32, 32>, on the
// default backend: flash (.text + .rodata + .data from the ELF), static RAM
// (.data + .bss, compared with the objects' own sizes) and the deepest stack any public
// call of the workload reaches, measured with a watermark: the free stack is painted
// before the workload and the lowest overwritten word after it marks the depth.
// Prints "objects <bytes>" and "stack <bytes>"; exits non-zero if a result is wrong.
#include <cstddef>
#include <cstdint>

#include "olsformer/modern_hopfield.hpp"
#include "olsformer/ols_transformer.hpp"
#include "semihosting.h"

extern "C" std::uint32_t __bss_end__;

namespace {

constexpr std::size_t kDim = 8, kContext = 32, kPatterns = 32, kPatternDim = 32;
constexpr std::uint32_t kPaint = 0xC5A5C5A5u;

olsf::OlsTransformer<float, kDim, 1, kContext> ols;
olsf::ModernHopfield<float, kPatternDim, kPatterns> memory;

struct Lcg {
  std::uint32_t s = 12345u;
  float next() {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) * 0x1p-23f - 1.0f;
  }
};

const char* to_decimal(std::size_t v, char (&buf)[24]) {
  char* p = buf + sizeof buf - 1;
  *p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return p;
}

void report(const char* what, std::size_t bytes) {
  char buf[24];
  olsf_semihost_write(what);
  olsf_semihost_write(" ");
  olsf_semihost_write(to_decimal(bytes, buf));
  olsf_semihost_write("\n");
}

// The whole public workload: fit y = sum_j (j+1) x_j, predict and attend; store 32
// random +-1 patterns and retrieve pattern 5 from a copy with 3 flipped signs.
// noinline: its frame counts in the measured stack like any caller's would.
__attribute__((noinline)) bool workload() {
  Lcg g;
  float x[kDim], y = 0.0f;
  for (std::size_t i = 0; i < 64; ++i) {
    y = 0.0f;
    for (std::size_t j = 0; j < kDim; ++j) {
      x[j] = g.next();
      y += static_cast<float>(j + 1) * x[j];
    }
    if (ols.observe(x, &y) != olsf::Status::ok) return false;
  }
  if (ols.refit() != olsf::Status::ok) return false;
  float yhat = 0.0f, yatt = 0.0f, scores[kContext];
  if (ols.predict(x, &yhat) != olsf::Status::ok || ols.attend(x, &yatt, scores) != olsf::Status::ok) return false;
  if (!(yhat > y - 1e-3f && yhat < y + 1e-3f)) return false;

  // One pattern at a time (the memory keeps its own copy); pattern 5 is kept for the check.
  float pattern[kPatternDim], target[kPatternDim];
  for (std::size_t i = 0; i < kPatterns; ++i) {
    for (float& e : pattern) e = g.next() < 0.0f ? -1.0f : 1.0f;
    if (memory.store(pattern) != olsf::Status::ok) return false;
    if (i == 5)
      for (std::size_t j = 0; j < kPatternDim; ++j) target[j] = pattern[j];
  }
  float query[kPatternDim], out[kPatternDim];
  for (std::size_t j = 0; j < kPatternDim; ++j) query[j] = target[j];
  for (std::size_t j = 0; j < 3; ++j) query[j] = -query[j];  // see bench/arm/arm_cases.hpp
  olsf::HopfieldOptions<float> options;
  options.max_steps = 3;
  if (memory.retrieve(query, out, options) != olsf::Status::ok) return false;
  for (std::size_t j = 0; j < kPatternDim; ++j)
    if (!(out[j] * target[j] > 0.0f)) return false;
  return true;
}

}  // namespace

int main() {
  // Paint from the end of .bss up to a little below the current stack pointer.
  std::uint32_t* const floor = &__bss_end__;
  std::uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  std::uint32_t* const top = sp - 16;
  for (volatile std::uint32_t* p = floor; p < top; ++p) *p = kPaint;

  const bool ok = workload();

  const volatile std::uint32_t* p = floor;
  while (p < top && *p == kPaint) ++p;
  // Depth below main's frame; main's own frame and the startup's are a few words more.
  report("stack", static_cast<std::size_t>(reinterpret_cast<const char*>(sp) - reinterpret_cast<const volatile char*>(p)));
  report("objects", sizeof ols + sizeof memory);
  olsf_semihost_write(ok ? "footprint workload ok\n" : "footprint workload WRONG-RESULT\n");
  return ok ? 0 : 1;
}
