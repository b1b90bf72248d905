// olsformer bench/arm: one case of the ARM comparison on the default backend and nothing
// else, so the linker keeps only what that case needs; built once per case and once with
// no case (OLSF_SIZE_CASE_none) as the baseline its .text is compared with.
#include "arm_cases.hpp"
#if defined(OLSF_BARE_METAL_PORT)
#include "semihosting.h"
#endif

namespace {

using Cases = olsf::bench_arm::OlsformerCases<olsf::DefaultBackend>;
using namespace olsf::bench_arm;

bool run_case() {
#if defined(OLSF_SIZE_CASE_jacobi8)
  static const JacobiInput<8> in;
  return Cases::jacobi<8>(in, 1);
#elif defined(OLSF_SIZE_CASE_jacobi16)
  static const JacobiInput<16> in;
  return Cases::jacobi<16>(in, 1);
#elif defined(OLSF_SIZE_CASE_ols)
  static const OlsInput in;
  return Cases::ols(in, 1);
#elif defined(OLSF_SIZE_CASE_decode)
  static const DecodeInput in;
  return Cases::decode(in, 1);
#elif defined(OLSF_SIZE_CASE_hopfield)
  static const HopfieldInput in;
  return Cases::hopfield(in, 1);
#else
  return true;
#endif
}

}  // namespace

int main() {
  const int rc = run_case() ? 0 : 1;
#if defined(OLSF_BARE_METAL_PORT)
  olsf_semihost_exit(rc);
#else
  return rc;
#endif
}
