#include "semihosting.h"

enum { kSysWrite0 = 0x04, kSysGetCmdline = 0x15, kSysExitExtended = 0x20, kAdpStoppedApplicationExit = 0x20026 };

static inline int semihost_call(int op, const void* arg) {
  register int r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void olsf_semihost_write(const char* text) { (void)semihost_call(kSysWrite0, text); }

int olsf_semihost_cmdline(char* buf, unsigned size) {
  /* The host writes at most size - 1 characters plus a NUL and returns the length. */
  void* block[2] = {buf, (void*)(unsigned long)size};
  return semihost_call(kSysGetCmdline, block);
}

void olsf_semihost_exit(int code) {
  /* Plain SYS_EXIT can only say 0 or 1; the extended call carries the code itself. */
  const int block[2] = {kAdpStoppedApplicationExit, code};
  (void)semihost_call(kSysExitExtended, block);
  for (;;) {
  }
}
