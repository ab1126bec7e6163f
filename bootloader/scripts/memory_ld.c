/* Prints the MEMORY block of the bootloader's linker script from layout.h, so the layout
 * has one source of truth (built and run on the host; -DMOTA_BOARD_C8 for the C8). */
#include <stdio.h>
#include <string.h>

#include "mota/handoff.h"
#include "mota/layout.h"

int main(int argc, char **argv) {
  int app = argc > 1 && strcmp(argv[1], "app") == 0; /* the test app's region instead */
  printf("/* generated from firmware/include/mota/layout.h for %s */\n", MOTA_BOARD_NAME);
  printf("MEMORY\n{\n");
  if (app) {
    printf("  FLASH (rx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_APP_ADDR, MOTA_APP_SIZE);
    printf("  RAM (rwx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_RAM_BASE + MOTA_HANDOFF_SIZE,
           MOTA_RAM_SIZE - MOTA_HANDOFF_SIZE);
    printf("}\n");
    return 0;
  }
  printf("  FLASH (rx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_BOOTLOADER_ADDR, MOTA_BOOTLOADER_SIZE);
  printf("  RAM (rwx) : ORIGIN = 0x%08X, LENGTH = 0x%X\n", MOTA_RAM_BASE, MOTA_RAM_SIZE);
  printf("}\n");
  printf("MOTA_HANDOFF_ADDR = 0x%08X;\nMOTA_HANDOFF_SIZE = 0x%X;\n", MOTA_HANDOFF_ADDR, MOTA_HANDOFF_SIZE);
  return 0;
}
