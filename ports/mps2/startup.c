/* olsformer ports/mps2: one startup for every board (the boards differ only in the
 * memory map of their linker script). Enables the FPU (and MVE on Cortex-M55) before
 * any floating-point instruction can run, sets up .data and .bss, runs the C++ static
 * constructors, calls main and reports its return value as the exit code. */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void) __attribute__((noreturn));

void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  /* CPACR: full access to coprocessors 10 and 11 (FPU, and MVE on v8.1-M). */
  volatile uint32_t* const cpacr = (volatile uint32_t*)0xE000ED88u;
  *cpacr |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  for (uint32_t *src = &__data_load__, *dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  for (void (**ctor)(void) = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  olsf_semihost_exit(main());
}

/* Any fault ends the run with exit code 99, so a crash is never mistaken for a pass. */
void Fault_Handler(void) {
  olsf_semihost_write("FAULT: the CPU took an exception\n");
  olsf_semihost_exit(99);
}

/* Cortex-M vector table: initial stack pointer, reset, then the system exceptions. */
__attribute__((section(".vectors"), used)) void (*const olsf_vector_table[16])(void) = {
    (void (*)(void))(&__stack_top__),
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (v8-M) */
    0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};

/* newlib-nano's malloc would grow the heap through _sbrk. The library must never get
 * there; if anything does, allocation fails and the self-test reports it. */
void* _sbrk(int increment);
unsigned olsf_sbrk_calls = 0;
void* _sbrk(int increment) {
  (void)increment;
  ++olsf_sbrk_calls;
  return (void*)-1;
}
