// Fuzzing the Hopfield memories (issue #8): store / retrieve / energy with NaN, Inf, huge,
// denormal and non-+-1 inputs, any beta and option, past capacity, every backend. ok means
// finite results (+-1 for the binary memories); anything else leaves the stored patterns
// and the outputs exactly as they were.
#include <cstring>

#include "fuzz_input.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/hopfield.hpp"

namespace {

using olsf::Status;
using olsf::fuzz::fail;
using olsf::fuzz::Input;

constexpr std::size_t kD = 7, kCap = 5;

template <typename T>
void draw(Input& in, T* p, std::size_t n, bool binary) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t sel = in.byte();
    p[i] = binary && sel > 24 ? (sel & 1 ? T(1) : T(-1)) : in.value<T>();
  }
}

template <typename T>
bool binary(const T* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != T(1) && p[i] != T(-1)) return false;
  return true;
}

// What a memory stores, as bytes: its size and every pattern (scratch state excluded).
struct Stored {
  unsigned char bytes[2048];
  std::size_t size = 0;
  template <typename V>
  void put(const V* p, std::size_t n) {
    std::memcpy(bytes + size, p, n * sizeof(V));
    size += n * sizeof(V);
  }
  bool operator==(const Stored& o) const { return size == o.size && std::memcmp(bytes, o.bytes, size) == 0; }
};

template <typename M1, typename M2, typename M3, typename M4, typename M5>
Stored stored(const M1& modern, const M2& hetero, const M3& dense, const M4& linear, const M5& hebbian) {
  Stored st;
  const std::size_t sizes[5] = {modern.size(), hetero.size(), dense.size(), linear.size(), hebbian.size()};
  st.put(sizes, 5);
  for (std::size_t i = 0; i < modern.size(); ++i) st.put(modern.key(i), kD);
  for (std::size_t i = 0; i < hetero.size(); ++i) {
    st.put(hetero.key(i), kD);
    st.put(hetero.value(i), 3);
  }
  for (std::size_t i = 0; i < dense.size(); ++i) st.put(dense.pattern(i), kD);
  for (std::size_t i = 0; i < linear.size(); ++i) st.put(linear.pattern(i), kD);
  for (std::size_t i = 0; i < hebbian.size(); ++i) {
    signed char p[kD];
    hebbian.pattern(i, p);
    st.put(p, kD);
  }
  return st;
}

template <typename T, class Backend>
void run(Input& in) {
  static olsf::ModernHopfield<T, kD, kCap, 0, Backend> modern;
  static olsf::ModernHopfield<T, kD, kCap, 3, Backend> hetero;
  static olsf::DenseHopfield<T, kD, kCap, Backend> dense;
  static olsf::LinearHopfield<T, kD, kCap, Backend> linear;
  static olsf::HebbianHopfield<kD, kCap> hebbian;
  modern.clear();
  hetero.clear();
  dense.clear();
  linear.clear();
  hebbian.clear();
  T x[kD], v[3], out[kD];
  for (int step = 0; step < 16 && !in.empty(); ++step) {
    const std::uint8_t op = in.byte() % 10;
    const bool bin = (in.byte() & 3) != 0;
    draw(in, x, kD, bin);
    draw(in, v, 3, false);
    for (T& o : out) o = T(777);
    Status s = Status::ok;
    bool read = false, want_binary = false;
    // The stored patterns before the call, to prove a failure changed none of them.
    const Stored before = stored(modern, hetero, dense, linear, hebbian);
    switch (op) {
      case 0: s = modern.store(x); break;
      case 1: s = hetero.store(x, v); break;
      case 2: s = dense.store(x); break;
      case 3: s = linear.store(x); break;
      case 4: s = hebbian.store(x); break;
      case 5: {
        olsf::HopfieldOptions<T> o;
        o.beta = in.byte() & 1 ? in.value<T>() : T(2);
        o.max_steps = static_cast<unsigned>(in.size(0, 4));
        o.tol = in.byte() & 1 ? in.value<T>() : T(0);
        read = true;
        s = in.byte() & 1 ? modern.retrieve(x, out, o) : hetero.retrieve(x, out, o);
        break;
      }
      case 6: {
        olsf::DenseOptions o;
        o.interaction = static_cast<olsf::DenseInteraction>(in.byte() % 4);
        o.power = static_cast<unsigned>(in.size(0, 10));
        o.update = in.byte() & 1 ? olsf::HopfieldUpdate::synchronous : olsf::HopfieldUpdate::asynchronous;
        o.max_steps = static_cast<unsigned>(in.size(0, 5));
        read = want_binary = true;
        s = dense.retrieve(x, out, o);
        break;
      }
      case 7: {
        olsf::LinearHopfieldOptions<T> o;
        o.max_steps = static_cast<unsigned>(in.size(0, 4));
        read = true;
        s = linear.retrieve(x, out, o);
        break;
      }
      case 8: {
        olsf::HebbianOptions o;
        o.update = in.byte() & 1 ? olsf::HopfieldUpdate::synchronous : olsf::HopfieldUpdate::asynchronous;
        o.max_steps = static_cast<unsigned>(in.size(0, 5));
        read = want_binary = true;
        s = hebbian.retrieve(x, out, o);
        break;
      }
      default: {
        T e = T(777);
        s = modern.energy(x, in.byte() & 1 ? in.value<T>() : T(1), e);
        if (s == Status::ok && !olsf::fuzz::all_finite(&e, 1)) fail("hopfield", "energy ok but not finite");
        if (s != Status::ok && e != T(777)) fail("hopfield", "failed energy wrote its output");
        break;
      }
    }
    if (s != Status::ok) {
      if (!(stored(modern, hetero, dense, linear, hebbian) == before))
        fail("hopfield", "a failed call changed a memory");
      for (const T& o : out)
        if (o != T(777)) fail("hopfield", "a failed retrieve wrote its output");
    } else if (read) {
      // (hetero-association writes 3 entries; the others keep the finite sentinel)
      if (!olsf::fuzz::all_finite(out, kD)) fail("hopfield", "retrieve ok with a non-finite output");
      if (want_binary && !binary(out, kD)) fail("hopfield", "binary retrieve ok with an entry other than +-1");
    }
  }
}

}  // namespace

OLSF_FUZZ_ENTRY_POINT(::run)
