// olsformer tests/agreement: prints this ISA's results of agreement_cases.hpp (one line
// each) for tests/agreement/compare.py. The Cortex-M twin is ports/mps2/agreement.cpp.
#include <cstdio>

#include "agreement_cases.hpp"

namespace {
struct Print {
  void operator()(const char* name, unsigned index, double value, double scale, double k) const {
    char line[160];
    olsf::agreement::format_line(line, name, index, value, scale, k);
    std::fputs(line, stdout);
  }
};
}  // namespace

int main() {
  Print print;
  std::printf("isa %s %s\n", olsf::DefaultBackend::name(), olsf::DefaultBackend::isa());
  olsf::agreement::all_cases(print);
  return 0;
}
