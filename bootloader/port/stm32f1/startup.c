/* Vector table and reset handler: copy .data, zero .bss, leave .noinit (the hand-off) alone. */
#include <stdint.h>

#include "regs.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void mota_reset_handler(void) {
  uint32_t *src = &_sidata;
  for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  (void)main();
  for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

/* A fault in the bootloader is a bug: reset rather than hang (the app's slots are safe). */
static void fault_handler(void) {
  for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_estack,
    mota_reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMon */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick */
};
