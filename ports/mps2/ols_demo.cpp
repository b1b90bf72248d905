// olsformer demo firmware (Cortex-M, QEMU mps2/mps3): the OLS-Transformer on the diabetes
// data, the same code as the Linux demo's diabetes section (ports/common/ols_diabetes_demo.hpp)
// with the data embedded at configure time. Output over semihosting; the exit code is 0
// when the double fit meets the bar (1e-10 of the exact reference) and no heap was touched.
#include "ols_diabetes_demo.hpp"
#include "semihosting.h"

extern "C" unsigned olsf_sbrk_calls;

int main() {
  auto out = [](const char* text) { olsf_semihost_write(text); };
  olsf_semihost_write("olsformer diabetes demo on ");
  olsf_semihost_write(olsf::kernels::isa_name());
  olsf_semihost_write("\n");
  int rc = olsf_demo::diabetes_demo(out);
  // startup.c makes _sbrk fail and count: nothing may have reached the heap.
  if (olsf_sbrk_calls != 0) {
    olsf_semihost_write("FAIL heap: _sbrk was called\n");
    rc = 1;
  }
  olsf_semihost_exit(rc);
}
