/* System reset through SCB AIRCR.SYSRESETREQ (PM0056 §4.4.5; RM0008 §7.1.2): RAM is
   kept, RCC_CSR.SFTRSTF is set, execution restarts from the reset vector. */
#include "sim-test.h"

#define MAGIC 0x5EB00Bu

int main(void) {
  if (NOINIT[2] == MAGIC) {
    uint32_t ok = 1;
    for (uint32_t i = 0; i < 16; i++) ok &= NOINIT[4 + i] == i * 0x01010101u;
    RESULTS[1] = ok;
    RESULTS[2] = RCC_CSR;
    RESULTS[3] = NOINIT[3];
    RESULTS[0] = 2;
    return 0;
  }
  NOINIT[2] = MAGIC;
  NOINIT[3] = 0;
  for (uint32_t i = 0; i < 16; i++) NOINIT[4 + i] = i * 0x01010101u;
  RESULTS[0] = 1;
  NOINIT[3] = 1;
  SCB_AIRCR = 0x05FA0004u;
  for (;;) {
  }
}
