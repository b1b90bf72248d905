// olsformer: Hopfield recall of handwritten digits (UCI optical digits, 8 x 8 pixels of
// 0..16, as bundled with scikit-learn; tests/data/digits.csv), for the tests, the Linux
// demo and firmware alike: no heap, no stdio (text goes through a write callback, e.g.
// std::fputs to stdout or olsf_semihost_write on a board).
//
// Pixels are binarised (>= 8 -> +1, else -1: d = 64). A class template is the binarised
// mean of that class's samples. Queries are corrupted by flipping random pixels or by
// blanking a block (set to -1, "ink removed"); each memory recalls a state, which is
// classified as the template it overlaps most (ties: lowest class).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../tests/support/rng.hpp"
#include "olsformer/hopfield.hpp"

namespace olsf::digits {

inline constexpr std::size_t kSide = 8, kPixels = 64, kClasses = 10;

enum class DigitModel : unsigned char { hebbian, linear, dense3, dense_exp, modern };
inline constexpr std::size_t kDigitModelCount = 5;
inline constexpr DigitModel kDigitModels[kDigitModelCount] = {DigitModel::hebbian, DigitModel::linear,
                                                              DigitModel::dense3, DigitModel::dense_exp,
                                                              DigitModel::modern};
constexpr const char* to_string(DigitModel m) noexcept {
  switch (m) {
    case DigitModel::hebbian: return "hebbian";
    case DigitModel::linear: return "linear";
    case DigitModel::dense3: return "dense3";
    case DigitModel::dense_exp: return "dense_exp";
    case DigitModel::modern: return "modern";
  }
  return "unknown";
}

inline void binarize(const unsigned char* pixels, float* out) noexcept {
  for (std::size_t i = 0; i < kPixels; ++i) out[i] = pixels[i] >= 8 ? 1.0f : -1.0f;
}

// Templates (kClasses x kPixels, +-1) from n samples: binarised class means. Sample s
// has its pixels at pixels + s * stride and its class at labels[s * label_stride] (the
// strides let firmware read the embedded rows in place).
inline void class_templates(const unsigned char* pixels, const unsigned char* labels, std::size_t n,
                            float* templates, std::size_t stride = kPixels, std::size_t label_stride = 1) noexcept {
  for (std::size_t c = 0; c < kClasses; ++c) {
    unsigned sum[kPixels] = {};
    unsigned count = 0;
    for (std::size_t s = 0; s < n; ++s) {
      if (labels[s * label_stride] != c) continue;
      ++count;
      for (std::size_t i = 0; i < kPixels; ++i) sum[i] += pixels[s * stride + i];
    }
    for (std::size_t i = 0; i < kPixels; ++i) templates[c * kPixels + i] = sum[i] >= 8u * count && count ? 1.0f : -1.0f;
  }
}

inline void flip_pixels(float* x, std::size_t flips, testing::SplitMix64& rng) noexcept {
  bool used[kPixels] = {};
  for (std::size_t f = 0; f < flips && f < kPixels;) {
    const std::size_t i = static_cast<std::size_t>(rng.next() % kPixels);
    if (used[i]) continue;
    used[i] = true;
    x[i] = -x[i];
    ++f;
  }
}

// Blanks a size x size block at a random position.
inline void mask_block(float* x, std::size_t size, testing::SplitMix64& rng) noexcept {
  const std::size_t r0 = static_cast<std::size_t>(rng.next() % (kSide - size + 1));
  const std::size_t c0 = static_cast<std::size_t>(rng.next() % (kSide - size + 1));
  for (std::size_t r = r0; r < r0 + size; ++r)
    for (std::size_t c = c0; c < c0 + size; ++c) x[r * kSide + c] = -1.0f;
}

// The class whose template overlaps x most.
inline std::size_t nearest_class(const float* templates, const float* x) noexcept {
  std::size_t best = 0;
  float best_overlap = -1e30f;
  for (std::size_t c = 0; c < kClasses; ++c) {
    float o = 0.0f;
    for (std::size_t i = 0; i < kPixels; ++i) o += templates[c * kPixels + i] * x[i];
    if (o > best_overlap) {
      best_overlap = o;
      best = c;
    }
  }
  return best;
}

// The memories holding the same ten templates. Digit templates are strongly correlated
// (they share most of their blank background), which is what the classical and the
// z^3 memories cannot cope with: they fall into one spurious mixture state. The
// exponential interactions (dense e^z, modern softmax) separate the nearest template.
template <class Backend = DefaultBackend>
class DigitMemories {
 public:
  // beta of the modern memory: templates overlap by up to ~40 of 64 pixels, so beta = 1
  // already makes the nearest template's weight dominate (e^-(gap) for a gap of ~10).
  static constexpr float kBeta = 1.0f;

  Status store(const float* templates) noexcept {
    hebbian_.clear();
    linear_.clear();
    dense_.clear();
    modern_.clear();
    for (std::size_t c = 0; c < kClasses; ++c) {
      const float* t = templates + c * kPixels;
      Status s = hebbian_.store(t);
      if (s == Status::ok) s = linear_.store(t);
      if (s == Status::ok) s = dense_.store(t);
      if (s == Status::ok) s = modern_.store(t);
      if (s != Status::ok) return s;
    }
    return Status::ok;
  }

  // Recalls from query into out (+-1 for the binary memories, real for modern/linear).
  Status recall(DigitModel m, const float* query, float* out) noexcept {
    switch (m) {
      case DigitModel::hebbian: return hebbian_.retrieve(query, out, {HopfieldUpdate::asynchronous, 50});
      case DigitModel::linear: return linear_.retrieve(query, out, {1, 0.0f});
      case DigitModel::dense3:
        return dense_.retrieve(query, out, {DenseInteraction::polynomial, 3, HopfieldUpdate::asynchronous, 50});
      case DigitModel::dense_exp:
        return dense_.retrieve(query, out, {DenseInteraction::exponential, 0, HopfieldUpdate::asynchronous, 50});
      case DigitModel::modern: return modern_.retrieve(query, out, {kBeta, 3, 1e-4f});
    }
    return Status::invalid_argument;
  }

 private:
  HebbianHopfield<kPixels, kClasses> hebbian_;
  LinearHopfield<float, kPixels, kClasses, Backend> linear_;
  DenseHopfield<float, kPixels, kClasses, Backend> dense_;
  ModernHopfield<float, kPixels, kClasses, 0, Backend> modern_;
};

// Prints images side by side as ASCII art ('#' for > 0.5, '+' for > 0, '.' otherwise),
// each with its caption above, through write(const char*) (no printf needed).
inline void print_images(void (*write)(const char*), const float* const* images, const char* const* captions,
                         std::size_t count) noexcept {
  char line[128];
  std::size_t p = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const char* c = captions[k];
    std::size_t w = 0;
    for (; c[w] != '\0' && w < 14; ++w) line[p++] = c[w];
    for (; w < 14; ++w) line[p++] = ' ';
  }
  line[p++] = '\n';
  line[p] = '\0';
  write(line);
  for (std::size_t r = 0; r < kSide; ++r) {
    p = 0;
    for (std::size_t k = 0; k < count && p + 16 < sizeof line; ++k) {
      for (std::size_t c = 0; c < kSide; ++c) {
        const float v = images[k][r * kSide + c];
        line[p++] = v > 0.5f ? '#' : v > 0.0f ? '+' : '.';
      }
      for (int s = 0; s < 6; ++s) line[p++] = ' ';
    }
    line[p++] = '\n';
    line[p] = '\0';
    write(line);
  }
}

// The demo: template `digit` corrupted by `flips` random pixels and a blanked block of
// block x block pixels, then every memory's recall beside it. Returns the number of
// memories whose recall is classified as `digit`.
template <class Backend = DefaultBackend>
std::size_t demo_recall(void (*write)(const char*), DigitMemories<Backend>& mem, const float* templates,
                        std::size_t digit, std::size_t flips, std::size_t block, std::uint64_t seed) noexcept {
  static float query[kPixels], out[kDigitModelCount][kPixels];
  testing::SplitMix64 rng(seed);
  for (std::size_t i = 0; i < kPixels; ++i) query[i] = templates[digit * kPixels + i];
  flip_pixels(query, flips, rng);
  if (block > 0) mask_block(query, block, rng);
  const float* images[2 + kDigitModelCount] = {templates + digit * kPixels, query, out[0], out[1], out[2], out[3],
                                               out[4]};
  const char* captions[2 + kDigitModelCount] = {"template", "corrupted", "hebbian", "linear", "dense z^3",
                                                "dense e^z", "modern"};
  std::size_t right = 0;
  for (std::size_t m = 0; m < kDigitModelCount; ++m) {
    if (mem.recall(kDigitModels[m], query, out[m]) != Status::ok) {
      for (std::size_t i = 0; i < kPixels; ++i) out[m][i] = 0.0f;
      continue;
    }
    right += nearest_class(templates, out[m]) == digit ? 1u : 0u;
  }
  print_images(write, images, captions, 2 + kDigitModelCount);
  return right;
}

}  // namespace olsf::digits
