#include "sim_flash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "mota_package.h"

sim_flash_t sim_flash;

static uint32_t rnd(void) {
  uint32_t x = sim_flash.rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return sim_flash.rng = x;
}

void sim_flash_reset(uint32_t seed) {
  memset(sim_flash.mem, 0xFF, sizeof sim_flash.mem);
  sim_flash.ops = sim_flash.erases = sim_flash.refused = 0;
  sim_flash.cut_at = UINT64_MAX;
  sim_flash.rng = seed ? seed : 1u;
  sim_flash.on_cut = 0;
}

void sim_flash_arm_cut(uint64_t op, jmp_buf *where) {
  sim_flash.cut_at = op;
  sim_flash.on_cut = where;
}

void sim_flash_disarm(void) { sim_flash.cut_at = UINT64_MAX; }

uint8_t *sim_flash_at(uint32_t addr) {
  if (addr < MOTA_FLASH_BASE || addr >= MOTA_FLASH_BASE + MOTA_FLASH_SIZE) {
    fprintf(stderr, "sim_flash: address 0x%08x outside flash\n", addr);
    abort();
  }
  return sim_flash.mem + (addr - MOTA_FLASH_BASE);
}

/* Only the journal and the slots may change: anything else is a core bug. */
static void check_writable(uint32_t addr, uint32_t len) {
  uint32_t end = addr + len;
  int ok = (addr >= MOTA_JOURNAL_ADDR && end <= MOTA_JOURNAL_ADDR + MOTA_JOURNAL_SIZE) ||
           (addr >= MOTA_SLOT_A_ADDR && end <= MOTA_SLOT_A_ADDR + MOTA_SLOT_SIZE) ||
           (addr >= MOTA_SLOT_B_ADDR && end <= MOTA_SLOT_B_ADDR + MOTA_SLOT_SIZE);
  if (!ok) {
    fprintf(stderr, "sim_flash: write or erase of [0x%08x, 0x%08x) outside the journal and slots\n", addr, end);
    abort();
  }
}

static int cut_now(void) {
  if (sim_flash.ops++ != sim_flash.cut_at) return 0;
  sim_flash.cut_at = UINT64_MAX;
  return 1;
}

uint32_t mota_flash_page_size(void) { return MOTA_PAGE_SIZE; }
uint32_t mota_flash_align(void) { return 2u; }
uint8_t mota_flash_erased_val(void) { return 0xFFu; }

const uint8_t *mota_flash_map(uint32_t addr) { return sim_flash_at(addr); }

int mota_flash_erase(uint32_t addr) {
  if (addr % MOTA_PAGE_SIZE) abort();
  check_writable(addr, MOTA_PAGE_SIZE);
  uint8_t *p = sim_flash_at(addr);
  sim_flash.erases++;
  if (cut_now()) {
    /* An interrupted erase: each bit already 1 stays 1, the others land anywhere. */
    for (uint32_t i = 0; i < MOTA_PAGE_SIZE; i++) p[i] |= (uint8_t)rnd();
    longjmp(*sim_flash.on_cut, 1);
  }
  memset(p, 0xFF, MOTA_PAGE_SIZE);
  return 0;
}

int mota_flash_write(uint32_t addr, const void *src, uint32_t len) {
  if ((addr | len) & 1u) abort();
  check_writable(addr, len);
  const uint8_t *s = src;
  for (uint32_t i = 0; i < len; i += 2) {
    uint8_t *p = sim_flash_at(addr + i);
    uint16_t old = (uint16_t)(p[0] | (p[1] << 8));
    uint16_t val = (uint16_t)(s[i] | (s[i + 1] << 8));
    if (cut_now()) {
      /* An interrupted program: bits meant to become 0 may still read 1. */
      uint16_t v = (uint16_t)(val | (rnd() & ~val & old));
      p[0] = (uint8_t)v;
      p[1] = (uint8_t)(v >> 8);
      longjmp(*sim_flash.on_cut, 1);
    }
    if (old != 0xFFFFu) { /* PGERR: the STM32F1 programs only erased halfwords */
      sim_flash.refused++;
      return -1;
    }
    p[0] = (uint8_t)val;
    p[1] = (uint8_t)(val >> 8);
  }
  return 0;
}

uint32_t mota_flash_crc32(uint32_t addr, uint32_t len) {
  if ((addr | len) & 3u) abort();
  return mota_crc32_words(0xFFFFFFFFu, sim_flash_at(addr), len);
}
