/* FPEC rules, RM0008 §3.3.3 and PM0075 §2.3: LOCK, page erase, halfword programming,
   PGERR on an unerased halfword, the 0x0000 exception, BSY timing measured with DWT. */
#include "sim-test.h"

#define PAGE 0x08020000u

int main(void) {
  DEMCR |= 1u << 24; /* TRCENA */
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u;

  FLASH_CR |= FLASH_CR_PG; /* ignored while locked */
  RESULTS[1] = FLASH_CR;

  flash_unlock();
  RESULTS[2] = FLASH_CR;

  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = PAGE;
  uint32_t t0 = DWT_CYCCNT;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  flash_wait();
  RESULTS[3] = DWT_CYCCNT - t0;
  RESULTS[4] = FLASH_SR;
  RESULTS[5] = REG(PAGE);
  FLASH_SR = FLASH_SR_EOP;
  FLASH_CR = 0;

  FLASH_CR = FLASH_CR_PG;
  t0 = DWT_CYCCNT;
  REG16(PAGE) = 0x1234;
  flash_wait();
  RESULTS[6] = DWT_CYCCNT - t0;
  RESULTS[7] = FLASH_SR;
  RESULTS[8] = REG16(PAGE);
  FLASH_SR = FLASH_SR_EOP;

  REG16(PAGE) = 0x5678; /* not erased: PGERR, unchanged */
  flash_wait();
  RESULTS[9] = FLASH_SR;
  RESULTS[10] = REG16(PAGE);
  FLASH_SR = FLASH_SR_PGERR;

  REG16(PAGE) = 0x0000; /* 0x0000 may be written over anything */
  flash_wait();
  RESULTS[11] = FLASH_SR;
  RESULTS[12] = REG16(PAGE);
  FLASH_SR = FLASH_SR_EOP;

  REG16(PAGE + 2) = 0xBEEF;
  flash_wait();
  RESULTS[13] = REG(PAGE);
  FLASH_CR = FLASH_CR_LOCK;
  RESULTS[14] = FLASH_CR;
  RESULTS[0] = 1;
  return 0;
}
