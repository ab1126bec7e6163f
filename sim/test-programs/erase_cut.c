/* Erases the page at 0x08030000 (filled with a pattern by the test) and halts; the test
   cuts the power during the erase (PM0075 §2.3.4 timing: 20-40 ms). */
#include "sim-test.h"

int main(void) {
  RESULTS[0] = 1;
  flash_unlock();
  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = 0x08030000u;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  flash_wait();
  RESULTS[0] = 2;
  return 0;
}
