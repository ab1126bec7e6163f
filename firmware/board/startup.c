/*
 * Vector table and reset handler (PM0056 §2.3.4). The app runs with interrupts unused
 * (polling + DMA), so every exception goes to one handler that resets the chip: a fault
 * in a TRIAL model then reverts it (SPEC §5.9) instead of hanging.
 */
#include <stdint.h>

#include "stm32f103.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void) __attribute__((naked, noreturn));
void Fault_Handler(void) __attribute__((noreturn));

void Fault_Handler(void) {
  SCB_AIRCR = SCB_AIRCR_SYSRESETREQ;
  for (;;) {
  }
}

void reset_c(void) __attribute__((noreturn, used));
void reset_c(void) {
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  /* .noinit (the hand-off mailbox) is left as the bootloader wrote it */
  main();
  Fault_Handler();
}

void Reset_Handler(void) {
  /* MSP from our own table: correct even if whoever jumped here did not load it */
  __asm__ volatile("ldr r0, =_estack\n mov sp, r0\n b reset_c\n");
}

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2 ... 15] = Fault_Handler, /* no device interrupt is ever enabled: 16 entries suffice */
};
