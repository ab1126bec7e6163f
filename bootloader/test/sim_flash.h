/*
 * Simulated STM32F1 flash for the host tests (MCUboot simulator style): programs only
 * halfwords, refuses a write to a halfword that is not erased (PGERR), counts operations,
 * and can cut power at operation N, leaving that halfword or page in a seeded undefined
 * state and jumping back to the test (longjmp) as a reset would.
 */
#ifndef MOTA_SIM_FLASH_H
#define MOTA_SIM_FLASH_H

#include <setjmp.h>
#include <stdint.h>

#include "mota/layout.h"

typedef struct {
  uint8_t mem[MOTA_FLASH_SIZE];
  uint64_t ops;       /* halfword programs + page erases so far */
  uint64_t erases;
  uint64_t cut_at;    /* power is cut at the operation with this index (UINT64_MAX: never) */
  uint64_t refused;   /* writes refused because the halfword was not erased */
  uint32_t rng;       /* seed of the undefined states */
  jmp_buf *on_cut;    /* where a power cut jumps to */
} sim_flash_t;

extern sim_flash_t sim_flash;

void sim_flash_reset(uint32_t seed); /* all erased, counters zero, no cut armed */
void sim_flash_arm_cut(uint64_t op, jmp_buf *where);
void sim_flash_disarm(void);
uint8_t *sim_flash_at(uint32_t addr);

#endif
