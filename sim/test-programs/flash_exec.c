/* Code written to flash through the FPEC runs, and rewritten code runs in its new form:
   the simulator must drop translations of reprogrammed flash (what a bootloader relies
   on after installing an app). The function is `movs r0, #n; bx lr`. */
#include "sim-test.h"

#define PAGE 0x08038000u

static uint32_t install_and_call(uint32_t n) {
  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = PAGE;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  flash_wait();
  FLASH_CR = FLASH_CR_PG;
  REG16(PAGE) = (uint16_t)(0x2000u | n); /* movs r0, #n */
  flash_wait();
  REG16(PAGE + 2) = 0x4770u; /* bx lr */
  flash_wait();
  FLASH_CR = 0;
  uint32_t (*fn)(void) = (uint32_t (*)(void))(PAGE | 1u);
  return fn();
}

int main(void) {
  flash_unlock();
  RESULTS[1] = install_and_call(42);
  RESULTS[2] = install_and_call(7);
  RESULTS[3] = install_and_call(42);
  RESULTS[0] = 1;
  return 0;
}
