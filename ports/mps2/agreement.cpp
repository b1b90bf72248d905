// olsformer ports/mps2: this board's results for the cross-ISA agreement cases
// (tests/agreement/agreement_cases.hpp), one line each over semihosting; the check
// workflow compares them with the other ISAs' (tests/agreement/compare.py).
#include "agreement_cases.hpp"
#include "semihosting.h"

namespace {
struct Write {
  void operator()(const char* name, unsigned index, double value, double scale, double k) const noexcept {
    char line[160];
    olsf::agreement::format_line(line, name, index, value, scale, k);
    olsf_semihost_write(line);
  }
};
}  // namespace

int main() {
  Write write;
  olsf_semihost_write("isa ");
  olsf_semihost_write(olsf::DefaultBackend::name());
  olsf_semihost_write(" ");
  olsf_semihost_write(olsf::DefaultBackend::isa());
  olsf_semihost_write("\n");
  olsf::agreement::all_cases(write);
  olsf_semihost_exit(0);
}
