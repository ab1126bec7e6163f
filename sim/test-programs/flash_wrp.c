/* Write protection (RM0008 §3.3.3 FLASH_SR.WRPRTERR, PM0075 §2.5): programming or erasing a
   protected page sets WRPRTERR and leaves it unchanged; a neighbouring page still works.
   The test protects WRPR bit 16 (pages 32-33 at 0x08010000 on the RC). */
#include "sim-test.h"

#define PROTECTED 0x08010000u
#define FREE 0x08011000u

int main(void) {
  RESULTS[1] = REG(0x40022020u); /* FLASH_WRPR */
  flash_unlock();
  FLASH_CR = FLASH_CR_PG;
  REG16(PROTECTED) = 0x0000u;
  flash_wait();
  RESULTS[2] = FLASH_SR;
  FLASH_SR = FLASH_SR_WRPRTERR;
  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = PROTECTED;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  flash_wait();
  RESULTS[3] = FLASH_SR;
  FLASH_SR = FLASH_SR_WRPRTERR;
  FLASH_CR = FLASH_CR_PG;
  REG16(FREE) = 0x1234u;
  flash_wait();
  RESULTS[4] = FLASH_SR;
  RESULTS[5] = REG16(FREE);
  RESULTS[6] = REG16(PROTECTED);
  RESULTS[0] = 1;
  return 0;
}
