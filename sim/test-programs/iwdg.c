/* IWDG reset, RM0008 §19.3: started, never reloaded, it resets the chip after
   (RLR+1) * 4 * 2^PR / 40 kHz; after the reset RCC_CSR.IWDGRSTF tells why. */
#include "sim-test.h"

int main(void) {
  if (RCC_CSR & (1u << 29)) {
    RESULTS[1] = RCC_CSR;
    RESULTS[2] = NOINIT[1];
    RESULTS[0] = 2;
    return 7;
  }
  NOINIT[1] = 0xC0FFEEu;
  IWDG_KR = 0x5555;
  IWDG_PR = 0;   /* /4: 10 kHz */
  IWDG_RLR = 99; /* 100 ticks: 10 ms */
  while (IWDG_SR) {
  }
  IWDG_KR = 0xCCCC;
  RESULTS[0] = 1;
  for (;;) {
  }
}
