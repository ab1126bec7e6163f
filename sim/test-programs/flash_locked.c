/* A locked FPEC (PM0075 §2.3.1): FLASH_CR is write-protected so PG cannot be set, and the
   store that follows is a plain store to flash: the bus refuses it. */
#include "sim-test.h"

int main(void) {
  FLASH_CR = FLASH_CR_PG;
  RESULTS[1] = FLASH_CR;
  RESULTS[0] = 1;
  REG16(0x08020000u) = 0x1234;
  RESULTS[0] = 2; /* never reached */
  return 0;
}
