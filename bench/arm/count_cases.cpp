// olsformer bench/arm: runs one case of the ARM comparison (issue #10) on one backend
// OLSF_CALLS times, for exact instruction counts under QEMU (bench/arm/insncount.c).
//   usage: olsf_count_N <case> <backend>
//   case:    jacobi8 jacobi16 ols decode hopfield
//   backend: scalar highway xsimd helium eigen (those compiled in)
// On Cortex-M the arguments come over semihosting (qemu -semihosting-config arg=...).
// Prints "<case> <backend> ok" and exits 0, or exits 1 (wrong result), 2 (bad arguments).
#include <cstdio>
#include <cstring>

#include "arm_cases.hpp"
#if defined(OLSF_COUNT_WITH_EIGEN)
#include "eigen_cases.hpp"
#endif
#if defined(OLSF_BARE_METAL_PORT)
#include "semihosting.h"
#endif

#ifndef OLSF_CALLS
#error "build with -DOLSF_CALLS=<calls per run>"
#endif

namespace {

using namespace olsf::bench_arm;

// Inputs are built once, outside the per-call difference.
const JacobiInput<8>& jacobi8_input() {
  static const JacobiInput<8> in;
  return in;
}
const JacobiInput<16>& jacobi16_input() {
  static const JacobiInput<16> in;
  return in;
}

template <class Cases>
int run(const char* name) {
  bool ok = false;
  if (!std::strcmp(name, "jacobi8")) {
    ok = Cases::template jacobi<8>(jacobi8_input(), OLSF_CALLS);
  } else if (!std::strcmp(name, "jacobi16")) {
    ok = Cases::template jacobi<16>(jacobi16_input(), OLSF_CALLS);
  } else if (!std::strcmp(name, "ols")) {
    static const OlsInput in;
    ok = Cases::ols(in, OLSF_CALLS);
  } else if (!std::strcmp(name, "decode")) {
    static const DecodeInput in;
    ok = Cases::decode(in, OLSF_CALLS);
  } else if (!std::strcmp(name, "hopfield")) {
    static const HopfieldInput in;
    ok = Cases::hopfield(in, OLSF_CALLS);
  } else {
    return 2;
  }
  return ok ? 0 : 1;
}

int dispatch(const char* name, const char* backend) {
  if (!std::strcmp(backend, "scalar")) return run<OlsformerCases<olsf::ScalarBackend>>(name);
#if defined(OLSF_HAVE_HIGHWAY)
  if (!std::strcmp(backend, "highway")) return run<OlsformerCases<olsf::HighwayBackend>>(name);
#endif
#if defined(OLSF_HAVE_XSIMD)
  if (!std::strcmp(backend, "xsimd")) return run<OlsformerCases<olsf::XsimdBackend>>(name);
#endif
#if defined(OLSF_HAVE_HELIUM)
  if (!std::strcmp(backend, "helium")) return run<OlsformerCases<olsf::HeliumBackend>>(name);
#endif
#if defined(OLSF_COUNT_WITH_EIGEN)
  if (!std::strcmp(backend, "eigen")) return run<EigenCases>(name);
#endif
  return 2;
}

void say(const char* a, const char* b, const char* c) {
#if defined(OLSF_BARE_METAL_PORT)
  olsf_semihost_write(a);
  olsf_semihost_write(" ");
  olsf_semihost_write(b);
  olsf_semihost_write(" ");
  olsf_semihost_write(c);
  olsf_semihost_write("\n");
#else
  std::printf("%s %s %s\n", a, b, c);
#endif
}

int main_with(const char* name, const char* backend) {
  const int rc = dispatch(name, backend);
  say(name, backend, rc == 0 ? "ok" : rc == 1 ? "WRONG-RESULT" : "UNKNOWN-CASE-OR-BACKEND");
  return rc;
}

}  // namespace

#if defined(OLSF_BARE_METAL_PORT)
int main() {
  // "<case> <backend>" from qemu's -semihosting-config arg=<case>,arg=<backend>.
  static char cmdline[64];
  char* backend = nullptr;
  if (olsf_semihost_cmdline(cmdline, sizeof cmdline) == 0) {
    // qemu passes the program name first when it has one; the case is the second-to-last word.
    char* words[4] = {};
    int count = 0;
    for (char* p = cmdline; *p != '\0' && count < 4;) {
      while (*p == ' ') *p++ = '\0';
      if (*p == '\0') break;
      words[count++] = p;
      while (*p != '\0' && *p != ' ') ++p;
    }
    if (count >= 2) {
      backend = words[count - 1];
      olsf_semihost_exit(main_with(words[count - 2], backend));
    }
  }
  say("usage:", "<case>", "<backend>");
  olsf_semihost_exit(2);
}
#else
int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <case> <backend>\n", argv[0]);
    return 2;
  }
  return main_with(argv[1], argv[2]);
}
#endif
