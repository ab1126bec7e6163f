/* The flash-area API on the STM32F1 FPEC (RM0008 §3, PM0075): halfword programming, page
 * erase, every wait bounded, every error bit checked, and only the journal and the two
 * slots writable, so a core bug cannot erase the bootloader or the app. */
#include "flash.h"

#include "mota/layout.h"
#include "regs.h"

#define BUSY_LIMIT 2000000u /* polls: far above the 40 ms worst-case page erase at 72 MHz */
#define SR_ERRORS (FLASH_SR_PGERR | FLASH_SR_WRPRTERR)

uint32_t mota_flash_page_size(void) { return MOTA_PAGE_SIZE; }
uint32_t mota_flash_align(void) { return 2u; }
uint8_t mota_flash_erased_val(void) { return 0xFFu; }
const uint8_t *mota_flash_map(uint32_t addr) { return (const uint8_t *)(uintptr_t)addr; }

static int writable(uint32_t addr, uint32_t len) {
  uint32_t end = addr + len;
  if (end < addr) return 0;
  if (addr >= MOTA_JOURNAL_ADDR && end <= MOTA_JOURNAL_ADDR + MOTA_JOURNAL_SIZE) return 1;
  if (addr >= MOTA_SLOT_A_ADDR && end <= MOTA_SLOT_A_ADDR + MOTA_SLOT_SIZE) return 1;
  if (addr >= MOTA_SLOT_B_ADDR && end <= MOTA_SLOT_B_ADDR + MOTA_SLOT_SIZE) return 1;
  return 0;
}

static int wait_idle(void) {
  for (uint32_t n = 0; n < BUSY_LIMIT; n++)
    if (!(FLASH_SR & FLASH_SR_BSY)) return 0;
  return -1;
}

static int unlock(void) {
  if (wait_idle() != 0) return -1;
  if (FLASH_CR & FLASH_CR_LOCK) {
    FLASH_KEYR = FLASH_KEY1;
    FLASH_KEYR = FLASH_KEY2;
  }
  FLASH_SR = FLASH_SR_EOP | SR_ERRORS; /* write 1 to clear */
  return (FLASH_CR & FLASH_CR_LOCK) ? -1 : 0;
}

static int finish(int rc) {
  uint32_t sr = FLASH_SR;
  FLASH_CR = FLASH_CR_LOCK; /* clears PG/PER and locks */
  FLASH_SR = FLASH_SR_EOP | SR_ERRORS;
  return (rc == 0 && !(sr & SR_ERRORS)) ? 0 : -1;
}

int mota_flash_erase(uint32_t addr) {
  if ((addr % MOTA_PAGE_SIZE) != 0u || !writable(addr, MOTA_PAGE_SIZE) || unlock() != 0) return -1;
  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = addr;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  int rc = finish(wait_idle());
  for (uint32_t i = 0; rc == 0 && i < MOTA_PAGE_SIZE; i += 4u)
    if (REG32(addr + i) != 0xFFFFFFFFu) rc = -1;
  return rc;
}

int mota_flash_write(uint32_t addr, const void *src, uint32_t len) {
  const uint8_t *s = src;
  if (((addr | len) & 1u) != 0u || !writable(addr, len) || unlock() != 0) return -1;
  FLASH_CR = FLASH_CR_PG;
  int rc = 0;
  for (uint32_t i = 0; i < len; i += 2u) {
    uint16_t v = (uint16_t)(s[i] | (s[i + 1u] << 8)); /* src may be unaligned */
    REG16(addr + i) = v;
    if (wait_idle() != 0 || (FLASH_SR & SR_ERRORS) || REG16(addr + i) != v) {
      rc = -1;
      break;
    }
  }
  return finish(rc);
}

/* The CRC unit (RM0008 §4) computes CRC-32/MPEG-2 over 32-bit words, MSB first: fed words
 * loaded little-endian from flash, that is SPEC §1.4's word order. */
uint32_t mota_flash_crc32(uint32_t addr, uint32_t len) {
  RCC_AHBENR |= RCC_AHBENR_CRCEN;
  CRC_CR = CRC_CR_RESET;
  for (uint32_t i = 0; i < len; i += 4u) CRC_DR = REG32(addr + i);
  return CRC_DR;
}
