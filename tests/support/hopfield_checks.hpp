// olsformer tests: the Hopfield memory checks, written once and run by GoogleTest on
// x86-64 and aarch64 and by the bare-metal self-test on Cortex-M, for every backend.
//
// References, all in long double, straight from the definitions (nobody here wrote them):
//  - modern: one step is softmax attention with keys = values = patterns, so each step is
//    held to reference_row (attention_checks.hpp: long double values and the derived
//    first-order rounding bounds); the energy E = F + 1/2 xi^T xi adds the rounding of a
//    d-term dot product (gamma_d); a k-step retrieve must equal k chained single steps bit
//    for bit, and the energy along the chain may not rise (Ramsauer et al. 2021, Thm 1)
//    by more than the first-order effect of each step's error bound;
//  - Hebbian: the weight matrix W = sum x x^T with zero diagonal, formed explicitly, and
//    sign(W s) / the sequential update / -1/2 s^T W s: integers, compared exactly;
//  - dense: the energy difference of eq. (3) of Krotov & Hopfield 2016 evaluated from
//    scratch for both signs of every neuron (no overlap bookkeeping); polynomial energies
//    are integers below 2^24 here, so float must match exactly; the exponential is
//    compared where the field is farther from 0 than its rounding bound;
//  - linear: X^T X xi |xi| / |X^T X xi| with the gemv/gemv_t/norm rounding bounds.
// No heap: buffers are static, so the same code runs on a microcontroller.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "attention_checks.hpp"
#include "kernel_checks.hpp"
#include "olsformer/hopfield.hpp"

namespace olsf::testing {

// Rows of the Sylvester-Hadamard matrix: +-1 patterns, mutually orthogonal.
template <typename V>
void hadamard_row(std::size_t row, std::size_t d, V* out) noexcept {
  for (std::size_t i = 0; i < d; ++i) out[i] = (__builtin_popcountll(static_cast<unsigned long long>(row & i)) & 1) ? V(-1) : V(1);
}

template <typename V>
void fill_signs(V* p, std::size_t count, SplitMix64& rng) noexcept {
  for (std::size_t i = 0; i < count; ++i) p[i] = (rng.next() >> 63) ? V(1) : V(-1);
}

// ---- modern ----------------------------------------------------------------------------

inline constexpr std::size_t kHopD = 8, kHopDv = 4, kHopN = 40, kHopChain = 6;

template <typename T>
struct HopBuffers {
  T x[kHopN * (kHopD + kHopDv)];  // rows [key | value], row stride kHopD + kHopDv
  T q[kHopD + kHopDv];
  T out[kHopD + kHopDv + 1];
  T chain[kHopChain + 1][kHopD];
  T before[kHopN * (kHopD + kHopDv)];
  static HopBuffers& get() noexcept {
    static HopBuffers b;
    return b;
  }
};

// One step of the backend (got: `count` entries from column `offset` of the [key|value]
// read-out, info of the step) against the reference at the same input q.
// delta2 receives the 2-norm of the key-space error bound (for the energy-descent check),
// grad2 the 2-norm of the energy gradient q - K^T p, e_ref the reference energy and its bound.
template <typename T>
bool modern_step_ok(std::size_t n, std::size_t width, std::size_t ld, T beta, const T* q, const T* x,
                    std::size_t offset, std::size_t count, const T* got, const HopfieldInfo<T>& info,
                    const AttentionTable<T>& t, Ref* delta2 = nullptr, Ref* e_ref = nullptr,
                    Ref* e_bound = nullptr) noexcept {
  static RowReference ref;
  reference_row(n, kHopD, width, beta, q, x, ld, x, ld, static_cast<const T*>(nullptr), t.exp_max_ulp, t.block, ref);
  bool ok = !ref.all_masked;
  for (std::size_t c = 0; c < count; ++c)
    ok = ok && std::fabs(static_cast<Ref>(got[c]) - ref.out[offset + c]) <= ref.bound[offset + c];
  Ref half_q2 = 0, d2 = 0;
  for (std::size_t c = 0; c < kHopD; ++c) {
    half_q2 += static_cast<Ref>(q[c]) * static_cast<Ref>(q[c]) / 2;
    d2 += ref.bound[c] * ref.bound[c];
  }
  const Ref energy = ref.obs[2] + half_q2;
  // F as bounded, the d-term dot product (gamma_d, plus u for the product and the halving
  // being exact), and the final addition (u |E|, u of T and of the reference).
  const Ref u = unit_roundoff<T>() + unit_roundoff<Ref>();
  const Ref bound = ref.obs_bound[2] + gamma_with_ref<T>(kHopD + 1) * half_q2 + u * (std::fabs(energy) + half_q2);
  ok = ok && std::fabs(static_cast<Ref>(info.energy) - energy) <= bound;
  ok = ok && std::fabs(static_cast<Ref>(info.entropy) - ref.obs[1]) <= ref.obs_bound[1];
  ok = ok && std::fabs(static_cast<Ref>(info.log_partition) - ref.obs[0]) <= ref.obs_bound[0];
  if (delta2) *delta2 = std::sqrt(d2);
  if (e_ref) *e_ref = energy;
  if (e_bound) *e_bound = bound;
  return ok;
}

template <typename T, class Backend, class Sink>
void check_modern_hopfield(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = HopBuffers<T>::get();
  constexpr std::size_t D = kHopD, Dv = kHopDv, W = kHopD + kHopDv;
  SplitMix64 rng(61);
  static ModernHopfield<T, D, kHopN, 0, Backend> mem;
  static ModernHopfield<T, D, kHopN, Dv, Backend> hetero;

  // Auto-association, random real patterns: single steps at two temperatures.
  mem.clear();
  const std::size_t n = 37;
  fill_uniform(b.x, n * D, rng);
  bool stored = true;
  for (std::size_t j = 0; j < n; ++j) stored = stored && mem.store(b.x + j * D) == Status::ok;
  sink(stored && mem.size() == n, CheckInfo{t.name, "ModernHopfield", "store n patterns", n, D});
  for (const T beta : {T(0.5), T(4)}) {
    bool ok = true;
    for (int trial = 0; trial < 4; ++trial) {
      for (std::size_t c = 0; c < D; ++c) b.q[c] = b.x[static_cast<std::size_t>(trial) * 5 * D + c] + static_cast<T>(rng.uniform(-0.3, 0.3));
      HopfieldInfo<T> info;
      ok = ok && mem.retrieve(b.q, b.out, {beta, 1, T(0)}, &info) == Status::ok && info.steps == 1;
      ok = ok && modern_step_ok(n, D, D, beta, b.q, b.x, 0, D, b.out, info, t);
      // energy() is the same quantity computed by its own call.
      T e = T(0), s = T(0);
      ok = ok && mem.energy(b.q, beta, e, &s) == Status::ok && ulp_distance(e, info.energy) <= 2 &&
           ulp_distance(s, info.entropy) <= 2;
    }
    sink(ok, CheckInfo{t.name, "ModernHopfield", "one step = reference attention, energy, entropy, log Z", n,
                       static_cast<std::size_t>(beta * 10)});
  }

  // A chain of single steps: each within its bound at its own input, the energy never
  // rising beyond first-order error effects, and retrieve(k steps) = the chain bit for bit.
  {
    const T beta = T(2);
    for (std::size_t c = 0; c < D; ++c) b.chain[0][c] = static_cast<T>(rng.uniform(-1, 1));
    bool ok = true, descent = true;
    Ref e_prev = 0, eb_prev = 0, delta_prev = 0;
    for (std::size_t step = 0; step < kHopChain; ++step) {
      HopfieldInfo<T> info;
      ok = ok && mem.retrieve(b.chain[step], b.chain[step + 1], {beta, 1, T(0)}, &info) == Status::ok;
      Ref delta = 0, e = 0, eb = 0;
      ok = ok && modern_step_ok(n, D, D, beta, b.chain[step], b.x, 0, D, b.chain[step + 1], info, t, &delta, &e, &eb);
      if (step > 0) {
        // E(xi_t) <= E(f(xi_(t-1))) + |grad E(xi_t)| |delta| + 1/2 H |delta|^2, with
        // E(f(xi_(t-1))) <= E(xi_(t-1)) (Thm 1) and H <= 1 + beta max |x_j|^2.
        static RowReference ref;
        reference_row(n, D, D, beta, b.chain[step], b.x, D, b.x, D, static_cast<const T*>(nullptr), t.exp_max_ulp,
                      t.block, ref);
        Ref g2 = 0, xmax = 0;
        for (std::size_t c = 0; c < D; ++c) {
          const Ref g = static_cast<Ref>(b.chain[step][c]) - ref.out[c];
          g2 += g * g;
        }
        for (std::size_t j = 0; j < n; ++j) {
          Ref r = 0;
          for (std::size_t c = 0; c < D; ++c) r += static_cast<Ref>(b.x[j * D + c]) * static_cast<Ref>(b.x[j * D + c]);
          xmax = r > xmax ? r : xmax;
        }
        const Ref h = 1 + static_cast<Ref>(beta) * xmax;
        descent = descent && e <= e_prev + std::sqrt(g2) * delta_prev + h * delta_prev * delta_prev / 2 + eb + eb_prev;
      }
      e_prev = e;
      eb_prev = eb;
      delta_prev = delta;
    }
    sink(ok, CheckInfo{t.name, "ModernHopfield", "chain of steps within bound at every input", n, kHopChain});
    sink(descent, CheckInfo{t.name, "ModernHopfield", "energy does not rise along the iteration", n, kHopChain});
    HopfieldInfo<T> info;
    const bool same = mem.retrieve(b.chain[0], b.out, {beta, static_cast<unsigned>(kHopChain), T(0)}, &info) ==
                      Status::ok;
    bool bits = same && info.steps <= kHopChain && info.steps >= 1;
    // With tol 0 it stops only at an exact fixed point, which the chain shows as a repeat.
    for (std::size_t c = 0; bits && c < D; ++c) bits = ulp_distance(b.out[c], b.chain[info.steps][c]) == 0;
    if (bits && !info.converged) bits = info.steps == kHopChain;
    // Without info (no observables asked of the kernel) the states are the same.
    bits = bits && mem.retrieve(b.chain[0], b.q, {beta, static_cast<unsigned>(kHopChain), T(0)}) == Status::ok;
    for (std::size_t c = 0; bits && c < D; ++c) bits = ulp_distance(b.out[c], b.q[c]) == 0;
    sink(bits, CheckInfo{t.name, "ModernHopfield", "k steps = k chained single steps, bit for bit", n, info.steps});
  }

  // Fixed points: orthogonal +-1 patterns (Hadamard rows, separation Delta = d), query = a
  // pattern. Ramsauer Thm 4: the fixed point is within 2 (N - 1) e^(-beta Delta) max|x|
  // of the pattern; one step moves less than that plus rounding, so it converges in 2.
  {
    mem.clear();
    const std::size_t np = 6;
    for (std::size_t j = 0; j < np; ++j) {
      hadamard_row(j + 1, D, b.x + j * D);
      (void)mem.store(b.x + j * D);
    }
    const T beta = T(2);
    bool ok = true;
    for (std::size_t k = 0; k < np; ++k) {
      HopfieldInfo<T> info;
      ok = ok && mem.retrieve(b.x + k * D, b.out, {beta, 5, T(16) * std::numeric_limits<T>::epsilon()}, &info) ==
                     Status::ok;
      // Every state stays within `spread` of x_k; the last step adds its rounding bound.
      const Ref spread = 2 * static_cast<Ref>(np - 1) * std::exp(-static_cast<Ref>(beta) * static_cast<Ref>(D));
      static RowReference ref;
      reference_row(np, D, D, beta, b.x + k * D, b.x, D, b.x, D, static_cast<const T*>(nullptr), t.exp_max_ulp,
                    t.block, ref);
      for (std::size_t c = 0; c < D; ++c)
        ok = ok && std::fabs(static_cast<Ref>(b.out[c]) - static_cast<Ref>(b.x[k * D + c])) <= 2 * spread + ref.bound[c];
      // Step 1 moves by ~spread, step 2 by spread times the tiny Jacobian, step 3 by nothing.
      ok = ok && info.converged && info.steps <= 3;
    }
    sink(ok, CheckInfo{t.name, "ModernHopfield", "stored orthogonal patterns are fixed points", np, D});
  }

  // Hetero-association: [key | value] rows, read-out V^T p of the last step.
  {
    hetero.clear();
    const std::size_t nh = 23;
    fill_uniform(b.x, nh * W, rng);
    bool ok = true;
    for (std::size_t j = 0; j < nh; ++j) ok = ok && hetero.store(b.x + j * W, b.x + j * W + D) == Status::ok;
    for (int trial = 0; trial < 3; ++trial) {
      for (std::size_t c = 0; c < D; ++c) b.q[c] = b.x[static_cast<std::size_t>(trial) * 7 * W + c] + static_cast<T>(rng.uniform(-0.2, 0.2));
      HopfieldInfo<T> info;
      ok = ok && hetero.retrieve(b.q, b.out, {T(3), 1, T(0)}, &info) == Status::ok;
      ok = ok && modern_step_ok(nh, W, W, T(3), b.q, b.x, D, Dv, b.out, info, t);
    }
    sink(ok, CheckInfo{t.name, "ModernHopfield", "hetero: one step = reference V^T softmax(beta K q)", nh, Dv});
    // Orthogonal keys: a stored key recalls its own value.
    hetero.clear();
    for (std::size_t j = 0; j < 5; ++j) {
      hadamard_row(j + 2, D, b.x + j * W);
      fill_uniform(b.x + j * W + D, Dv, rng);
      (void)hetero.store(b.x + j * W, b.x + j * W + D);
    }
    bool recall = true;
    for (std::size_t k = 0; k < 5; ++k) {
      recall = recall && hetero.retrieve(b.x + k * W, b.out, {T(2), 3, T(1e-4)}) == Status::ok;
      for (std::size_t c = 0; c < Dv; ++c)
        recall = recall && std::fabs(static_cast<Ref>(b.out[c]) - static_cast<Ref>(b.x[k * W + D + c])) <=
                               8 * std::exp(-2.0L * D) + 64 * unit_roundoff<T>();
    }
    sink(recall, CheckInfo{t.name, "ModernHopfield", "hetero: a key recalls its value", 5, Dv});
  }

  // Bad input: a status, out untouched, the memory unchanged (same patterns, same answer).
  {
    mem.clear();
    fill_uniform(b.x, kHopN * D, rng);
    bool ok = true;
    for (std::size_t j = 0; j < kHopN; ++j) ok = ok && mem.store(b.x + j * D) == Status::ok;
    for (std::size_t c = 0; c < D; ++c) b.q[c] = b.x[c] + T(0.1);
    T first[kHopD];
    ok = ok && mem.retrieve(b.q, first, {T(1), 3, T(0)}) == Status::ok;
    ok = ok && mem.store(b.x) == Status::capacity_exceeded;
    mem.clear();
    for (std::size_t j = 0; j + 1 < kHopN; ++j) (void)mem.store(b.x + j * D);
    T nan_row[kHopD];
    for (std::size_t c = 0; c < D; ++c) nan_row[c] = b.x[c];
    nan_row[D - 1] = std::numeric_limits<T>::quiet_NaN();
    ok = ok && mem.store(nan_row) == Status::non_finite_input && mem.size() == kHopN - 1;
    nan_row[D - 1] = std::numeric_limits<T>::infinity();
    ok = ok && mem.store(nan_row) == Status::non_finite_input && mem.size() == kHopN - 1;
    (void)mem.store(b.x + (kHopN - 1) * D);
    sink(ok, CheckInfo{t.name, "ModernHopfield", "store: capacity, NaN, Inf refused", kHopN, D});

    struct Bad {
      T beta;
      unsigned steps;
      T tol;
      int query;  // 0 fine, 1 NaN, 2 zero, 3 Inf
      Status want;
    };
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    const Bad cases[] = {{T(0), 1, T(0), 0, Status::invalid_argument},  {T(-1), 1, T(0), 0, Status::invalid_argument},
                         {inf, 1, T(0), 0, Status::invalid_argument},   {nan, 1, T(0), 0, Status::invalid_argument},
                         {T(1), 0, T(0), 0, Status::invalid_argument},  {T(1), 1, T(-1), 0, Status::invalid_argument},
                         {T(1), 1, nan, 0, Status::invalid_argument},   {T(1), 1, T(0), 1, Status::non_finite_input},
                         {T(1), 1, T(0), 3, Status::non_finite_input},  {T(1), 1, T(0), 2, Status::invalid_argument},
                         {std::numeric_limits<T>::max(), 1, T(0), 0, Status::non_finite_input}};
    bool bad_ok = true;
    for (const Bad& c : cases) {
      for (std::size_t i = 0; i < D; ++i) b.q[i] = c.query == 2 ? T(0) : b.x[i] + T(0.1);
      if (c.query == 1) b.q[3] = nan;
      if (c.query == 3) b.q[5] = -inf;
      fill_sentinel(b.out, D + 1);
      HopfieldInfo<T> info;
      info.steps = 77;
      bad_ok = bad_ok && mem.retrieve(b.q, b.out, {c.beta, c.steps, c.tol}, &info) == c.want &&
               all_sentinel(b.out, D + 1) && info.steps == 77;
      T e = T(5);
      if (c.steps == 1 && !(c.tol < T(0)) && c.tol == c.tol) bad_ok = bad_ok && mem.energy(b.q, c.beta, e) == c.want && e == T(5);
    }
    static ModernHopfield<T, D, kHopN, 0, Backend> empty_mem;
    bad_ok = bad_ok && empty_mem.retrieve(b.x, b.out) == Status::empty;
    // The memory answers as before, bit for bit.
    for (std::size_t c = 0; c < D; ++c) b.q[c] = b.x[c] + T(0.1);
    T again[kHopD];
    bad_ok = bad_ok && mem.retrieve(b.q, again, {T(1), 3, T(0)}) == Status::ok && mem.size() == kHopN;
    for (std::size_t c = 0; c < D; ++c) bad_ok = bad_ok && ulp_distance(first[c], again[c]) == 0;
    sink(bad_ok, CheckInfo{t.name, "ModernHopfield", "bad beta/steps/tol/query: status, nothing written, memory intact",
                           kHopN, D});
  }
}

// ---- Hebbian ---------------------------------------------------------------------------

inline constexpr std::size_t kHebD = 37, kHebN = 6;

struct HebReference {
  Ref w[kHebD * kHebD];
  void build(const signed char* x, std::size_t n) noexcept {
    for (std::size_t i = 0; i < kHebD; ++i)
      for (std::size_t j = 0; j < kHebD; ++j) {
        Ref s = 0;
        for (std::size_t mu = 0; mu < n; ++mu) s += static_cast<Ref>(x[mu * kHebD + i]) * static_cast<Ref>(x[mu * kHebD + j]);
        w[i * kHebD + j] = i == j ? 0 : s;
      }
  }
  Ref field(const signed char* s, std::size_t i) const noexcept {
    Ref h = 0;
    for (std::size_t j = 0; j < kHebD; ++j) h += w[i * kHebD + j] * s[j];
    return h;
  }
  Ref energy(const signed char* s) const noexcept {
    Ref e = 0;
    for (std::size_t i = 0; i < kHebD; ++i) e += static_cast<Ref>(s[i]) * field(s, i);
    return -e / 2;
  }
  // One update; returns whether anything changed.
  bool step(signed char* s, bool synchronous) const noexcept {
    static signed char next[kHebD];
    bool changed = false;
    for (std::size_t i = 0; i < kHebD; ++i) {
      const Ref h = field(s, i);
      const signed char v = h > 0 ? 1 : h < 0 ? -1 : s[i];
      changed = changed || v != s[i];
      if (synchronous)
        next[i] = v;
      else
        s[i] = v;
    }
    if (synchronous)
      for (std::size_t i = 0; i < kHebD; ++i) s[i] = next[i];
    return changed;
  }
};

template <class Sink>
void check_hebbian_hopfield(Sink& sink) noexcept {
  static signed char x[kHebN * kHebD], q[kHebD], s[kHebD], got[kHebD], prev[kHebD], prev2[kHebD];
  static HebReference ref;
  static HebbianHopfield<kHebD, kHebN> mem;
  SplitMix64 rng(71);
  for (std::size_t n : {std::size_t(1), std::size_t(3), kHebN}) {
    mem.clear();
    fill_signs(x, n * kHebD, rng);
    for (std::size_t mu = 0; mu < n; ++mu) (void)mem.store(x + mu * kHebD);
    ref.build(x, n);
    bool ok = mem.size() == n;
    for (int trial = 0; trial < 6; ++trial) {
      fill_signs(q, kHebD, rng);
      for (const bool sync : {true, false}) {
        // Reference trajectory with the same stopping rules.
        for (std::size_t i = 0; i < kHebD; ++i) s[i] = prev[i] = prev2[i] = q[i];
        unsigned steps = 0;
        HopfieldOutcome outcome = HopfieldOutcome::step_limit;
        for (unsigned k = 1; k <= 20; ++k) {
          steps = k;
          for (std::size_t i = 0; i < kHebD; ++i) prev2[i] = prev[i], prev[i] = s[i];
          if (!ref.step(s, sync)) {
            outcome = HopfieldOutcome::fixed_point;
            break;
          }
          bool cycle = sync && k > 1;
          for (std::size_t i = 0; cycle && i < kHebD; ++i) cycle = s[i] == prev2[i];
          if (cycle) {
            outcome = HopfieldOutcome::two_cycle;
            break;
          }
        }
        HebbianInfo info;
        const HebbianOptions opt{sync ? HopfieldUpdate::synchronous : HopfieldUpdate::asynchronous, 20};
        ok = ok && mem.retrieve(q, got, opt, &info) == Status::ok;
        for (std::size_t i = 0; i < kHebD; ++i) ok = ok && got[i] == s[i];
        ok = ok && info.steps == steps && info.outcome == outcome && static_cast<Ref>(info.energy) == ref.energy(s);
        std::int64_t e = 0;
        ok = ok && mem.energy(q, e) == Status::ok && static_cast<Ref>(e) == ref.energy(q);
      }
    }
    sink(ok, CheckInfo{"integer", "HebbianHopfield", "sync/async trajectory, steps, outcome, energy = explicit W", n,
                       kHebD});
  }
  // Orthogonal patterns are fixed points: h = (d - N) x_k.
  {
    static HebbianHopfield<16, 4> small;
    signed char p[4][16], out[16];
    bool ok = true;
    for (std::size_t k = 0; k < 4; ++k) {
      hadamard_row(k + 3, 16, p[k]);
      ok = ok && small.store(p[k]) == Status::ok;
    }
    for (std::size_t k = 0; k < 4; ++k)
      for (const auto u : {HopfieldUpdate::synchronous, HopfieldUpdate::asynchronous}) {
        HebbianInfo info;
        ok = ok && small.retrieve(p[k], out, {u, 10}, &info) == Status::ok && info.steps == 1 &&
             info.outcome == HopfieldOutcome::fixed_point && info.energy == -(16 * 16 - 4 * 16) / 2;
        for (std::size_t i = 0; i < 16; ++i) ok = ok && out[i] == p[k][i];
      }
    sink(ok, CheckInfo{"integer", "HebbianHopfield", "orthogonal patterns are fixed points, E = -(d^2 - N d)/2", 4, 16});
  }
  // The smallest 2-cycle: pattern (1, -1), W = [[0, -1], [-1, 0]]; (1, 1) <-> (-1, -1).
  {
    static HebbianHopfield<2, 1> two;
    const signed char p[2] = {1, -1}, q2[2] = {1, 1};
    signed char out[2];
    HebbianInfo info;
    bool ok = two.store(p) == Status::ok &&
              two.retrieve(q2, out, {HopfieldUpdate::synchronous, 10}, &info) == Status::ok &&
              info.outcome == HopfieldOutcome::two_cycle && info.steps == 2 && out[0] == 1 && out[1] == 1;
    ok = ok && two.retrieve(q2, out, {HopfieldUpdate::asynchronous, 10}, &info) == Status::ok &&
         info.outcome == HopfieldOutcome::fixed_point && out[0] == -out[1];
    ok = ok && two.retrieve(q2, out, {HopfieldUpdate::synchronous, 1}, &info) == Status::ok &&
         info.outcome == HopfieldOutcome::step_limit && info.steps == 1 && out[0] == -1 && out[1] == -1;
    sink(ok, CheckInfo{"integer", "HebbianHopfield", "2-cycle detected (sync), fixed point (async), step limit", 1, 2});
  }
  // Bad input.
  {
    mem.clear();
    fill_signs(x, kHebN * kHebD, rng);
    bool ok = true;
    for (std::size_t mu = 0; mu + 1 < kHebN; ++mu) ok = ok && mem.store(x + mu * kHebD) == Status::ok;
    for (std::size_t i = 0; i < kHebD; ++i) q[i] = x[i];
    q[kHebD - 1] = 0;
    ok = ok && mem.store(q) == Status::invalid_argument;
    q[kHebD - 1] = 2;
    ok = ok && mem.store(q) == Status::invalid_argument;
    float qf[kHebD], outf[kHebD];
    for (std::size_t i = 0; i < kHebD; ++i) qf[i] = x[i];
    qf[4] = std::numeric_limits<float>::quiet_NaN();
    ok = ok && mem.store(qf) == Status::non_finite_input;
    for (std::size_t i = 0; i < kHebD; ++i) outf[i] = -7.f;
    ok = ok && mem.retrieve(qf, outf) == Status::non_finite_input;
    qf[4] = 0.5f;
    ok = ok && mem.retrieve(qf, outf) == Status::invalid_argument;
    ok = ok && mem.retrieve(x, got, {HopfieldUpdate::asynchronous, 0}) == Status::invalid_argument;
    for (std::size_t i = 0; i < kHebD; ++i) ok = ok && outf[i] == -7.f;
    ok = ok && mem.size() == kHebN - 1 && mem.store(x + (kHebN - 1) * kHebD) == Status::ok;
    ok = ok && mem.store(x) == Status::capacity_exceeded && mem.size() == kHebN;
    for (std::size_t mu = 0; mu < kHebN; ++mu) {
      mem.pattern(mu, got);
      for (std::size_t i = 0; i < kHebD; ++i) ok = ok && got[i] == x[mu * kHebD + i];
    }
    static HebbianHopfield<kHebD, kHebN> empty_mem;
    ok = ok && empty_mem.retrieve(x, got) == Status::empty;
    sink(ok, CheckInfo{"integer", "HebbianHopfield", "bad values, NaN, capacity, steps 0: status, memory intact",
                       kHebN, kHebD});
  }
}

// ---- dense ------------------------------------------------------------------------------

inline constexpr std::size_t kDenD = 16, kDenN = 6;

// F of the reference, in long double, and E(s) = -sum F(m_mu) (-log sum e^m for exp).
inline Ref dense_f(Ref z, const DenseOptions& o) noexcept {
  if (o.interaction == DenseInteraction::exponential) return std::exp(z);
  if (o.interaction == DenseInteraction::rectified_polynomial && z < 0) return 0;
  Ref r = 1;
  for (unsigned k = 0; k < o.power; ++k) r *= z;
  return r;
}

template <typename T>
Ref dense_energy_ref(const T* x, std::size_t n, const T* s, const DenseOptions& o) noexcept {
  Ref e = 0;
  for (std::size_t mu = 0; mu < n; ++mu) {
    Ref m = 0;
    for (std::size_t i = 0; i < kDenD; ++i) m += static_cast<Ref>(x[mu * kDenD + i]) * static_cast<Ref>(s[i]);
    e += dense_f(m, o);
  }
  return o.interaction == DenseInteraction::exponential ? -std::log(e) : -e;
}

// One reference update of s. Returns false if a field was within `margin` of zero (the
// backend may then legitimately differ): margin_rel times the sum of |terms|.
template <typename T>
bool dense_step_ref(const T* x, std::size_t n, T* s, const DenseOptions& o, bool sync, Ref margin_rel) noexcept {
  static T next[kDenD];
  bool clear = true;
  for (std::size_t i = 0; i < kDenD; ++i) {
    Ref h = 0, mag = 0;
    for (std::size_t mu = 0; mu < n; ++mu) {
      Ref m = 0;
      for (std::size_t j = 0; j < kDenD; ++j) m += static_cast<Ref>(x[mu * kDenD + j]) * static_cast<Ref>(s[j]);
      const Ref xi = static_cast<Ref>(x[mu * kDenD + i]);
      Ref term;
      if (sync) {
        // sign(X^T F'(m)): F'(m) = a m^(a-1) (factor a dropped), max(m,0)^(a-1), e^m.
        DenseOptions d = o;
        d.power = o.power - 1;
        term = xi * dense_f(m, d);
      } else {
        // Eq. (3): F(b + x_i) - F(b - x_i) with b the overlap without neuron i.
        const Ref bb = m - xi * static_cast<Ref>(s[i]);
        term = dense_f(bb + xi, o) - dense_f(bb - xi, o);
      }
      h += term;
      mag += std::fabs(term);
    }
    if (std::fabs(h) <= margin_rel * mag) clear = false;
    const T v = h > 0 ? T(1) : h < 0 ? T(-1) : s[i];
    if (sync)
      next[i] = v;
    else
      s[i] = v;
  }
  if (sync)
    for (std::size_t i = 0; i < kDenD; ++i) s[i] = next[i];
  return clear;
}

template <typename T, class Backend, class Sink>
void check_dense_hopfield(const AttentionTable<T>& t, Sink& sink) noexcept {
  static T x[kDenN * kDenD], q[kDenD], s[kDenD], got[kDenD];
  static DenseHopfield<T, kDenD, kDenN, Backend> mem;
  SplitMix64 rng(83);
  mem.clear();
  fill_signs(x, kDenN * kDenD, rng);
  for (std::size_t mu = 0; mu < kDenN; ++mu) (void)mem.store(x + mu * kDenD);
  // Polynomials: every quantity is an integer below 2^24, so float and double are exact.
  for (const auto kind : {DenseInteraction::polynomial, DenseInteraction::rectified_polynomial}) {
    for (unsigned a = 2; a <= 5; ++a) {
      bool ok = true;
      for (int trial = 0; trial < 4; ++trial) {
        fill_signs(q, kDenD, rng);
        for (const bool sync : {true, false}) {
          const DenseOptions o{kind, a, sync ? HopfieldUpdate::synchronous : HopfieldUpdate::asynchronous, 1};
          for (std::size_t i = 0; i < kDenD; ++i) s[i] = q[i];
          (void)dense_step_ref(x, kDenN, s, o, sync, 0);
          DenseInfo<T> info;
          ok = ok && mem.retrieve(q, got, o, &info) == Status::ok && info.steps == 1;
          for (std::size_t i = 0; i < kDenD; ++i) ok = ok && got[i] == s[i];
          ok = ok && static_cast<Ref>(info.energy) == dense_energy_ref(x, kDenN, s, o);
        }
      }
      sink(ok, CheckInfo{t.name, "DenseHopfield",
                         kind == DenseInteraction::polynomial ? "z^a: one step = reference, exact energy"
                                                              : "max(z,0)^a: one step = reference, exact energy",
                         a, sizeof(T)});
    }
  }
  // a = 2 asynchronous is the classical zero-diagonal Hebbian memory, whole trajectories.
  {
    static HebbianHopfield<kDenD, kDenN> heb;
    heb.clear();
    for (std::size_t mu = 0; mu < kDenN; ++mu) (void)heb.store(x + mu * kDenD);
    bool ok = true;
    for (int trial = 0; trial < 6; ++trial) {
      fill_signs(q, kDenD, rng);
      DenseInfo<T> di;
      HebbianInfo hi;
      ok = ok && mem.retrieve(q, got, {DenseInteraction::polynomial, 2, HopfieldUpdate::asynchronous, 50}, &di) ==
                     Status::ok;
      ok = ok && heb.retrieve(q, s, {HopfieldUpdate::asynchronous, 50}, &hi) == Status::ok;
      for (std::size_t i = 0; i < kDenD; ++i) ok = ok && got[i] == s[i];
      // E_dense = -sum m^2 = 2 E_hebbian - N d.
      ok = ok && di.steps == hi.steps && di.outcome == hi.outcome &&
           static_cast<Ref>(di.energy) == 2 * static_cast<Ref>(hi.energy) - static_cast<Ref>(kDenN * kDenD);
    }
    sink(ok, CheckInfo{t.name, "DenseHopfield", "a = 2 async = HebbianHopfield, trajectory and energy", kDenN, kDenD});
  }
  // Exponential: compared where the reference field is clear of zero by its rounding
  // bound: terms carry the argument rounding and the backend's exp (2k + 2 ulps), the sum
  // gamma_N, plus the reference's own (u of long double).
  {
    const DenseOptions base{DenseInteraction::exponential, 0, HopfieldUpdate::synchronous, 1};
    const Ref margin = 2 * (static_cast<Ref>(kDenN + 2 * t.exp_max_ulp + 4 + 2 * kDenD)) *
                       (unit_roundoff<T>() + unit_roundoff<Ref>());
    int compared = 0;
    bool ok = true;
    for (int trial = 0; trial < 8; ++trial) {
      fill_signs(q, kDenD, rng);
      for (const bool sync : {true, false}) {
        DenseOptions o = base;
        o.update = sync ? HopfieldUpdate::synchronous : HopfieldUpdate::asynchronous;
        for (std::size_t i = 0; i < kDenD; ++i) s[i] = q[i];
        if (!dense_step_ref(x, kDenN, s, o, sync, margin)) continue;
        ++compared;
        DenseInfo<T> info;
        ok = ok && mem.retrieve(q, got, o, &info) == Status::ok;
        for (std::size_t i = 0; i < kDenD; ++i) ok = ok && got[i] == s[i];
        const Ref e = dense_energy_ref(x, kDenN, s, o);
        ok = ok && std::fabs(static_cast<Ref>(info.energy) - e) <=
                       (static_cast<Ref>(kDenN + 2 * t.exp_max_ulp + 8) + std::fabs(e)) *
                           (unit_roundoff<T>() + unit_roundoff<Ref>()) * 4;
      }
    }
    sink(ok && compared >= 8, CheckInfo{t.name, "DenseHopfield", "exp: one step = reference off ties, energy",
                                        static_cast<std::size_t>(compared), sizeof(T)});
  }
  // Capacity beyond the classical memory on a tiny case: all 6 patterns in d = 16 are
  // fixed points of a = 5 (asynchronous: energy descent) when orthogonal.
  {
    static DenseHopfield<T, kDenD, 12, Backend> orth;
    orth.clear();
    T p[12][kDenD];
    bool ok = true;
    for (std::size_t k = 0; k < 12; ++k) {
      hadamard_row(k + 1, kDenD, p[k]);
      ok = ok && orth.store(p[k]) == Status::ok;
    }
    for (std::size_t k = 0; k < 12; ++k)
      for (const auto kind : {DenseInteraction::polynomial, DenseInteraction::exponential}) {
        DenseInfo<T> info;
        ok = ok && orth.retrieve(p[k], got, {kind, 5, HopfieldUpdate::asynchronous, 10}, &info) == Status::ok &&
             info.outcome == HopfieldOutcome::fixed_point && info.steps == 1;
        for (std::size_t i = 0; i < kDenD; ++i) ok = ok && got[i] == p[k][i];
      }
    sink(ok, CheckInfo{t.name, "DenseHopfield", "12 orthogonal patterns in d = 16 are fixed points (a = 5, exp)", 12,
                       kDenD});
  }
  // Bad input.
  {
    bool ok = mem.store(x) == Status::capacity_exceeded && mem.size() == kDenN;
    for (std::size_t i = 0; i < kDenD; ++i) q[i] = x[i];
    for (std::size_t i = 0; i < kDenD; ++i) got[i] = T(-7);
    DenseInfo<T> info;
    info.steps = 77;
    ok = ok && mem.retrieve(q, got, {DenseInteraction::polynomial, 1, HopfieldUpdate::asynchronous, 10}, &info) ==
                   Status::invalid_argument;
    ok = ok && mem.retrieve(q, got, {DenseInteraction::polynomial, 9, HopfieldUpdate::asynchronous, 10}, &info) ==
                   Status::invalid_argument;
    ok = ok && mem.retrieve(q, got, {static_cast<DenseInteraction>(9), 3, HopfieldUpdate::asynchronous, 10}, &info) ==
                   Status::invalid_argument;
    ok = ok && mem.retrieve(q, got, {DenseInteraction::polynomial, 3, HopfieldUpdate::asynchronous, 0}, &info) ==
                   Status::invalid_argument;
    q[2] = T(0);
    ok = ok && mem.retrieve(q, got, {}, &info) == Status::invalid_argument;
    q[2] = std::numeric_limits<T>::quiet_NaN();
    ok = ok && mem.retrieve(q, got, {}, &info) == Status::non_finite_input;
    for (std::size_t i = 0; i < kDenD; ++i) ok = ok && got[i] == T(-7);
    ok = ok && info.steps == 77;
    static DenseHopfield<T, kDenD, kDenN, Backend> fresh;
    fresh.clear();
    ok = ok && fresh.retrieve(x, got) == Status::empty;
    q[2] = T(0.5);
    ok = ok && fresh.store(q) == Status::invalid_argument && fresh.size() == 0;
    for (std::size_t mu = 0; mu < kDenN; ++mu)
      for (std::size_t i = 0; i < kDenD; ++i) ok = ok && mem.pattern(mu)[i] == x[mu * kDenD + i];
    sink(ok, CheckInfo{t.name, "DenseHopfield", "bad power/kind/steps/query: status, nothing written, memory intact",
                       kDenN, kDenD});
  }
}

// ---- linear -----------------------------------------------------------------------------

template <typename T, class Backend, class Sink>
void check_linear_hopfield(const AttentionTable<T>& t, Sink& sink) noexcept {
  constexpr std::size_t D = 12, N = 9;
  static T x[N * D], q[D], got[D];
  static LinearHopfield<T, D, N, Backend> mem;
  SplitMix64 rng(97);
  mem.clear();
  fill_uniform(x, N * D, rng);
  for (std::size_t mu = 0; mu < N; ++mu) (void)mem.store(x + mu * D);
  // One step: y = X q (gamma_D per entry), z = X^T y (gamma_N, and the y errors), the two
  // norms (gamma_(D+2) each), the scale and the product (u each): first-order bound with
  // u of T plus u of the reference.
  bool ok = true;
  for (int trial = 0; trial < 5; ++trial) {
    fill_uniform(q, D, rng);
    LinearHopfieldInfo<T> info;
    ok = ok && mem.retrieve(q, got, {1, T(0)}, &info) == Status::ok && info.steps == 1;
    Ref y[N], a[N], z[D], zb[D], z2 = 0, zb2 = 0, q2 = 0;
    const Ref u = unit_roundoff<T>() + unit_roundoff<Ref>();
    for (std::size_t mu = 0; mu < N; ++mu) {
      y[mu] = a[mu] = 0;
      for (std::size_t i = 0; i < D; ++i) {
        y[mu] += static_cast<Ref>(x[mu * D + i]) * static_cast<Ref>(q[i]);
        a[mu] += std::fabs(static_cast<Ref>(x[mu * D + i]) * static_cast<Ref>(q[i]));
      }
    }
    for (std::size_t i = 0; i < D; ++i) {
      z[i] = zb[i] = 0;
      for (std::size_t mu = 0; mu < N; ++mu) {
        z[i] += static_cast<Ref>(x[mu * D + i]) * y[mu];
        zb[i] += std::fabs(static_cast<Ref>(x[mu * D + i])) * (std::fabs(y[mu]) + a[mu]);
      }
      zb[i] *= gam(static_cast<Ref>(N + D + 1), u);
      z2 += z[i] * z[i];
      zb2 += zb[i] * zb[i];
      q2 += static_cast<Ref>(q[i]) * static_cast<Ref>(q[i]);
    }
    const Ref scale = std::sqrt(q2 / z2);
    const Ref rel = std::sqrt(zb2 / z2) + 2 * gam(static_cast<Ref>(D + 2), u) + 3 * u;
    Ref e = 0, eb = 0;
    for (std::size_t mu = 0; mu < N; ++mu) {
      e -= y[mu] * y[mu] / 2;
      eb += (2 * gam(static_cast<Ref>(D), u) * a[mu] * std::fabs(y[mu]) + gam(static_cast<Ref>(N + 1), u) * y[mu] * y[mu]) / 2;
    }
    for (std::size_t i = 0; i < D; ++i)
      ok = ok && std::fabs(static_cast<Ref>(got[i]) - z[i] * scale) <= scale * (zb[i] + std::fabs(z[i]) * rel);
    ok = ok && std::fabs(static_cast<Ref>(info.energy) - e) <= eb + u * std::fabs(e);
  }
  sink(ok, CheckInfo{t.name, "LinearHopfield", "one step = X^T X q |q| / |X^T X q| within bound, energy", N, D});
  // Many steps: power iteration, the top eigenvector of X^T X (not a stored pattern):
  // converged with |X^T X xi| = lambda_max |xi|; lambda_max checked by the Rayleigh quotient.
  {
    LinearHopfieldInfo<T> info;
    const T tol = sizeof(T) == 4 ? T(1e-5) : T(1e-11);
    bool conv = mem.retrieve(x, got, {2000, tol}, &info) == Status::ok && info.converged;
    // Rayleigh quotient of the result vs the largest over every stored pattern and the result.
    Ref num = 0, den = 0;
    for (std::size_t mu = 0; mu < N; ++mu) {
      Ref m = 0;
      for (std::size_t i = 0; i < D; ++i) m += static_cast<Ref>(x[mu * D + i]) * static_cast<Ref>(got[i]);
      num += m * m;
    }
    for (std::size_t i = 0; i < D; ++i) den += static_cast<Ref>(got[i]) * static_cast<Ref>(got[i]);
    const Ref rq = num / den;
    for (std::size_t k = 0; k < N; ++k) {
      Ref nk = 0, dk = 0;
      for (std::size_t mu = 0; mu < N; ++mu) {
        Ref m = 0;
        for (std::size_t i = 0; i < D; ++i) m += static_cast<Ref>(x[mu * D + i]) * static_cast<Ref>(x[k * D + i]);
        nk += m * m;
      }
      for (std::size_t i = 0; i < D; ++i) dk += static_cast<Ref>(x[k * D + i]) * static_cast<Ref>(x[k * D + i]);
      conv = conv && rq >= nk / dk;
    }
    sink(conv, CheckInfo{t.name, "LinearHopfield", "iterated: converges to the top eigenvector (a mixture)", N,
                         info.steps});
  }
  // Bad input.
  {
    for (std::size_t i = 0; i < D; ++i) got[i] = T(-7);
    bool bad = mem.store(x) == Status::capacity_exceeded && mem.size() == N;
    for (std::size_t i = 0; i < D; ++i) q[i] = T(0);
    bad = bad && mem.retrieve(q, got) == Status::invalid_argument;
    q[1] = std::numeric_limits<T>::quiet_NaN();
    bad = bad && mem.retrieve(q, got) == Status::non_finite_input;
    q[1] = T(1);
    bad = bad && mem.retrieve(q, got, {0, T(0)}) == Status::invalid_argument;
    bad = bad && mem.retrieve(q, got, {1, T(-1)}) == Status::invalid_argument;
    static LinearHopfield<T, D, 2, Backend> ortho;
    ortho.clear();
    T e0[D] = {}, e1[D] = {};
    e0[0] = T(1);
    e1[1] = T(1);
    (void)ortho.store(e0);
    bad = bad && ortho.retrieve(e1, got) == Status::rank_deficient;
    for (std::size_t i = 0; i < D; ++i) bad = bad && got[i] == T(-7);
    static LinearHopfield<T, D, 2, Backend> none;
    none.clear();
    bad = bad && none.retrieve(e1, got) == Status::empty;
    sink(bad, CheckInfo{t.name, "LinearHopfield", "zero/NaN/orthogonal query, bad options: status, nothing written", N,
                        D});
  }
}

template <typename T, class Backend, class Sink>
void check_all_hopfield(const AttentionTable<T>& t, Sink& sink) noexcept {
  check_modern_hopfield<T, Backend>(t, sink);
  check_dense_hopfield<T, Backend>(t, sink);
  check_linear_hopfield<T, Backend>(t, sink);
}

}  // namespace olsf::testing
