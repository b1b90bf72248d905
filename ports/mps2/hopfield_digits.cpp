// Hopfield recall of handwritten digits on the board (issue 6): the UCI digits are
// embedded at configure time (ports/common/embed_digits.cmake); the class templates are
// the binarised means of the even rows; the demo prints a corrupted template and every
// memory's recall as ASCII art (ports/common/hopfield_digits_demo.hpp), then the recall
// rate of corrupted templates and the accuracy on the odd (held-out) rows, over
// semihosting. Exit code 0 when the modern memory recalls >= 80% of the corrupted
// templates (the host test bounds it the same way) and nothing touched the heap.
#include <cstddef>

#include "hopfield_digits_demo.hpp"
#include "olsf_digits_data.hpp"
#include "semihosting.h"

extern "C" unsigned olsf_sbrk_calls;

namespace {

namespace dg = olsf::digits;

void write(const char* s) { olsf_semihost_write(s); }

// "0.xyz" of a/b without printf.
void write_rate(unsigned a, unsigned b) {
  const unsigned permille = b ? (a * 1000u + b / 2) / b : 0;
  char text[8] = {static_cast<char>('0' + permille / 1000), '.', static_cast<char>('0' + permille / 100 % 10),
                  static_cast<char>('0' + permille / 10 % 10), static_cast<char>('0' + permille % 10), ' ', '\0', '\0'};
  write(text);
}

float g_templates[dg::kClasses * dg::kPixels];
dg::DigitMemories<> g_mem;

}  // namespace

int main() {
  // Templates from the even rows, read in place from flash (rows of 65: pixels, class).
  dg::class_templates(kDigitsData, kDigitsData + 64, (kDigitsCount + 1) / 2, g_templates, 2 * 65, 2 * 65);
  if (g_mem.store(g_templates) != olsf::Status::ok) {
    write("FAIL store\n");
    return 1;
  }
  write("Hopfield digits on the board: template, corrupted (6 pixels flipped, 3x3 block blanked), recalls\n");
  for (std::size_t digit = 0; digit < dg::kClasses; digit += 3) (void)dg::demo_recall(write, g_mem, g_templates, digit, 6, 3, 100 + digit);

  // Rates: corrupted templates (exact recall) and held-out rows (classification).
  olsf::testing::SplitMix64 rng(2024);
  unsigned exact[dg::kDigitModelCount] = {}, right[dg::kDigitModelCount] = {}, queries = 0, held = 0;
  static float q[dg::kPixels], out[dg::kPixels];
  for (std::size_t cls = 0; cls < dg::kClasses; ++cls)
    for (int t = 0; t < 10; ++t, ++queries) {
      for (std::size_t i = 0; i < dg::kPixels; ++i) q[i] = g_templates[cls * dg::kPixels + i];
      dg::flip_pixels(q, 6, rng);
      for (std::size_t m = 0; m < dg::kDigitModelCount; ++m) {
        bool ok = g_mem.recall(dg::kDigitModels[m], q, out) == olsf::Status::ok;
        for (std::size_t i = 0; ok && i < dg::kPixels; ++i) ok = out[i] * g_templates[cls * dg::kPixels + i] > 0;
        exact[m] += ok ? 1u : 0u;
      }
    }
  for (std::size_t k = 1; k < kDigitsCount; k += 2, ++held) {
    unsigned char p[dg::kPixels];
    for (std::size_t i = 0; i < dg::kPixels; ++i) p[i] = kDigitsData[k * 65 + i];
    dg::binarize(p, q);
    dg::flip_pixels(q, 6, rng);
    for (std::size_t m = 0; m < dg::kDigitModelCount; ++m)
      if (g_mem.recall(dg::kDigitModels[m], q, out) == olsf::Status::ok &&
          dg::nearest_class(g_templates, out) == kDigitsData[k * 65 + 64])
        ++right[m];
  }
  write("\nmodel       templates (10% noise)  held-out rows (10% noise)\n");
  for (std::size_t m = 0; m < dg::kDigitModelCount; ++m) {
    const char* name = dg::to_string(dg::kDigitModels[m]);
    write(name);
    std::size_t len = 0;
    while (name[len] != '\0') ++len;
    for (; len < 12; ++len) write(" ");
    write_rate(exact[m], queries);
    write("                 ");
    write_rate(right[m], held);
    write("\n");
  }
  const bool ok = exact[dg::kDigitModelCount - 1] * 10u >= queries * 8u && olsf_sbrk_calls == 0;
  write(ok ? "hopfield digits: ok\n" : "FAIL hopfield digits: modern recall below 0.8 or heap used\n");
  return ok ? 0 : 1;
}
