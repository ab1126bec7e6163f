/* Minimal Cortex-M3 startup for the simulator's test programs: a two-entry vector table
   (no interrupts: the board is polling-only), .data copy, .bss clear, main, then BKPT. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);
void reset_handler(void);

__attribute__((section(".vectors"), used)) const void *const vectors[2] = {&_estack, (void *)reset_handler};

void reset_handler(void) {
  uint32_t *src = &_sidata;
  for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  int rc = main();
  __asm volatile("mov r0, %0\n bkpt #0" ::"r"(rc) : "r0");
  for (;;) {
  }
}
