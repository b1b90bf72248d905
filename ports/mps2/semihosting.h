/* olsformer ports/mps2: Arm semihosting, the debug channel QEMU (and a real debug probe)
 * offers to a bare-metal program: text output and an exit code, at almost no code size. */
#ifndef OLSF_PORTS_MPS2_SEMIHOSTING_H
#define OLSF_PORTS_MPS2_SEMIHOSTING_H

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a NUL-terminated string to the host (SYS_WRITE0). */
void olsf_semihost_write(const char* text);
/* Copies the command line qemu was given (-semihosting-config arg=...) into buf,
 * NUL-terminated (SYS_GET_CMDLINE). Returns 0 on success. */
int olsf_semihost_cmdline(char* buf, unsigned size);
/* Ends the program with this exit code (SYS_EXIT_EXTENDED: qemu exits with `code`). */
void olsf_semihost_exit(int code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif
