/*
 * Host program that prints the linker MEMORY block for one chip from layout.h, so the
 * linker scripts never restate the layout (ld does not accept the header's 0x...u literals).
 * Build with -DMOTA_BOARD_C8 for the C8. The shared SECTIONS are in sections.ld.
 */
#include <stdio.h>

#include "mota/handoff.h"
#include "mota/layout.h"

#ifndef MOTA_STACK_SIZE
#define MOTA_STACK_SIZE 1024u
#endif

int main(void) {
  printf("/* Generated from firmware/include/mota/layout.h for %s by board/memory.c */\n", MOTA_BOARD_NAME);
  printf("MEMORY\n{\n");
  printf("  FLASH (rx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_APP_ADDR, MOTA_APP_SIZE);
  printf("  HANDOFF (rw) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_HANDOFF_ADDR, MOTA_HANDOFF_SIZE);
  printf("  RAM (rwx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_RAM_BASE + MOTA_HANDOFF_SIZE,
         MOTA_RAM_SIZE - MOTA_HANDOFF_SIZE);
  printf("}\n");
  printf("_stack_size = 0x%X;\n", MOTA_STACK_SIZE);
  return 0;
}
