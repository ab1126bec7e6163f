/* Faults and unmodelled accesses: the host selects a scenario in RESULTS[63] before the
   run; each one must stop the virtual board with a SIM_ error naming the address. */
#include "sim-test.h"

int main(void) {
  switch (RESULTS[63]) {
  case 1: return (int)REG(0x60000000u);            /* unmapped (FSMC bank, absent on F103RC model) */
  case 2: return (int)REG(0x40004400u);            /* USART2: not modelled */
  case 3: return (int)REG(0x40022018u);            /* FLASH reserved offset 0x18 */
  case 4: return (int)USART1_SR;                   /* USART1 with its clock off */
  case 5: __asm volatile(".short 0xde00"); break;  /* UDF */
  case 6:
    flash_unlock();
    FLASH_CR = FLASH_CR_PG;
    REG(0x08020000u) = 0x12345678u;               /* 32-bit store: the FPEC takes halfwords only */
    break;
  case 7: REG(0x1FFFF7E8u) = 0; break;           /* the unique ID is read-only */
  case 8: ((void (*)(void))0x1FFFF001u)(); break; /* system memory holds no code here */
  default: break;
  }
  return 99;
}
