// olsformer footprint firmware (issue #7): what a device pays for the two flagship
// objects, OlsTransformer<float, 8, 1, 32> and ModernHopfield<float, 32, 32>, on the
// default backend: flash (the image up to the end of .data's initial values), static RAM
// (.data + .bss, compared with the objects' own sizes) and the deepest stack any public
// call of the workload reaches, measured with a watermark: the free stack is painted
// before each phase and the lowest overwritten word after it marks the depth.
// Prints "stack", "objects", "flash", "static-ram" <bytes>; exits non-zero if a result is
// wrong (or, with OLSF_FOOTPRINT_BUDGET, a budget is exceeded).
//
// Build configuration (ports/mps2/CMakeLists.txt, olsformer_scalar_footprint): what a user
// of exactly these two objects would pick. The scalar backend and this file at -O2 rather
// than the build's -O3 (-O3 inlines and unrolls past the flash budget: 30.7 KB; -Os saves
// 1 KB more flash but takes 70 B more stack; -ffunction-sections / --gc-sections come with
// every Cortex-M build), plus
//   OLSF_JACOBI_MAX_N=8          the largest eigenproblem is D = 8 (Jacobi scratch: stack);
//   OLSF_ATTENTION_MAX_DIM=32    the largest attention dimension is the pattern size 32;
//   OLSF_ATTENTION_BLOCK=32      32 patterns: one softmax block, half the decode scratch;
//   OLSF_OLS_ACCURATE_SOLVER=0   the covariance solver only (2.2 KB flash, 3.7 KB RAM less).
// With OLSF_FOOTPRINT_BUDGET (Cortex-M4F) the firmware also checks issue #7's budgets:
// flash <= 24 KB, static RAM <= objects + 2 KB, stack <= 1 KB; olsf_footprint_default is
// the same program on the build's -O3 library with default capacities, not held to them.
// The workload runs as separate phases (observe, refit, predict/attend, store/retrieve), as
// in a firmware whose tasks run one after another: the buffers of one phase are not on the
// stack while another calls into the library, so the deepest single call chain counts.
#include <cstddef>
#include <cstdint>

#include "olsformer/modern_hopfield.hpp"
#include "olsformer/ols_transformer.hpp"
#include "semihosting.h"

extern "C" std::uint32_t __bss_end__;
extern "C" std::uint32_t __data_start__;
extern "C" std::uint32_t __data_end__;
extern "C" std::uint32_t __data_load__;

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

std::size_t address(const void* p) { return static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(p)); }

// Observe 64 samples of y = sum_j (j+1) x_j; x and y return the last one. noinline (every
// phase): its frame counts in the measured stack like any caller's would.
__attribute__((noinline)) bool ols_observe(Lcg& g, float (&x)[kDim], float& y) {
  for (std::size_t i = 0; i < 64; ++i) {
    y = 0.0f;
    for (std::size_t j = 0; j < kDim; ++j) {
      x[j] = g.next();
      y += static_cast<float>(j + 1) * x[j];
    }
    if (ols.observe(x, &y) != olsf::Status::ok) return false;
  }
  return true;
}

__attribute__((noinline)) bool ols_refit() { return ols.refit() == olsf::Status::ok; }

// Predict and attend at the last sample.
__attribute__((noinline)) bool ols_use(const float (&x)[kDim], float y) {
  float yhat = 0.0f, yatt = 0.0f, scores[kContext];
  if (ols.predict(x, &yhat) != olsf::Status::ok || ols.attend(x, &yatt, scores) != olsf::Status::ok) return false;
  if (!(yhat > y - 1e-3f && yhat < y + 1e-3f)) return false;
  // Built without the accurate solver, asking for it is an error, not a silent fallback.
  if constexpr (!decltype(ols)::has_accurate_solver) {
    olsf::OlsOptions<float> accurate = ols.options();
    accurate.solver = olsf::OlsSolver::accurate;
    if (ols.set_options(accurate) != olsf::Status::invalid_argument) return false;
    if (ols.options().solver != olsf::OlsSolver::covariance) return false;
  }
  return true;
}

float sign_pattern(Lcg& g) { return g.next() < 0.0f ? -1.0f : 1.0f; }

// Store 32 random +-1 patterns, one at a time (the memory keeps its own copy), and retrieve
// pattern 5 from a copy with 3 flipped signs. Pattern 5 is regenerated from a copy of the
// generator rather than kept in a buffer.
__attribute__((noinline)) bool hopfield_phase(Lcg& g) {
  float pattern[kPatternDim], out[kPatternDim];
  Lcg at5;
  for (std::size_t i = 0; i < kPatterns; ++i) {
    if (i == 5) at5 = g;
    for (float& e : pattern) e = sign_pattern(g);
    if (memory.store(pattern) != olsf::Status::ok) return false;
  }
  Lcg t = at5;
  for (float& e : pattern) e = sign_pattern(t);
  for (std::size_t j = 0; j < 3; ++j) pattern[j] = -pattern[j];  // see bench/arm/arm_cases.hpp
  olsf::HopfieldOptions<float> options;
  options.max_steps = 3;
  if (memory.retrieve(pattern, out, options) != olsf::Status::ok) return false;
  t = at5;
  for (std::size_t j = 0; j < kPatternDim; ++j)
    if (!(out[j] * sign_pattern(t) > 0.0f)) return false;
  return true;
}

// Paints the free stack from the end of .bss up to `top`.
void paint(std::uint32_t* top) {
  for (volatile std::uint32_t* p = &__bss_end__; p < top; ++p) *p = kPaint;
}

// Bytes below `sp` that were written since paint(sp - 16): the lowest overwritten word.
std::size_t depth(std::uint32_t* sp) {
  const volatile std::uint32_t* p = &__bss_end__;
  while (p < sp - 16 && *p == kPaint) ++p;
  return static_cast<std::size_t>(reinterpret_cast<const char*>(sp) - reinterpret_cast<const volatile char*>(p));
}

}  // namespace

int main() {
  std::uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  // Each phase on a freshly painted stack: the depth of each, and the larger one.
  Lcg g;
  paint(sp - 16);
  float x[kDim], y = 0.0f;
  bool ok = ols_observe(g, x, y) && ols_refit() && ols_use(x, y);
  const std::size_t stack_ols = depth(sp);
  paint(sp - 16);
  ok = hopfield_phase(g) && ok;
  const std::size_t stack_hopfield = depth(sp);
  // Depth below main's frame; main's own frame and the startup's are a few words more.
  const std::size_t stack = stack_ols > stack_hopfield ? stack_ols : stack_hopfield;
  const std::size_t objects = sizeof ols + sizeof memory;
  // Flash starts at 0 on these boards: the image ends where .data's initial values end.
  const std::size_t data = address(&__data_end__) - address(&__data_start__);
  const std::size_t flash = address(&__data_load__) + data;
  const std::size_t ram = address(&__bss_end__) - address(&__data_start__);
  report("stack", stack);
  report("stack-ols", stack_ols);
  report("stack-hopfield", stack_hopfield);
  report("objects", objects);
  report("flash", flash);
  report("static-ram", ram);
#if defined(OLSF_FOOTPRINT_BUDGET)
  // Issue #7, Cortex-M4F.
  const bool fits = flash <= 24u * 1024u && ram <= objects + 2048u && stack <= 1024u;
  if (!fits) olsf_semihost_write("footprint OVER BUDGET (flash <= 24576, RAM <= objects + 2048, stack <= 1024)\n");
  olsf_semihost_write(ok ? "footprint workload ok\n" : "footprint workload WRONG-RESULT\n");
  return ok && fits ? 0 : 1;
#else
  olsf_semihost_write(ok ? "footprint workload ok\n" : "footprint workload WRONG-RESULT\n");
  return ok ? 0 : 1;
#endif
}
