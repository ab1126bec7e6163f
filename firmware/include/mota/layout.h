/*
 * Flash and RAM layout of a mota device: the single source of truth for the bootloader,
 * the app, the model slots and the state journal. protocol/layout.ts parses this file;
 * a test checks both sides agree. See protocol/SPEC.md §2.
 *
 * Select the chip with -DMOTA_BOARD_C8 (STM32F103C8); the default is the STM32F103RC.
 */
#ifndef MOTA_LAYOUT_H
#define MOTA_LAYOUT_H

#define MOTA_FLASH_BASE 0x08000000u
#define MOTA_RAM_BASE 0x20000000u

#if defined(MOTA_BOARD_C8)
#define MOTA_BOARD_NAME "STM32F103C8"
#define MOTA_FLASH_SIZE 0x00010000u /* 64 KiB */
#define MOTA_PAGE_SIZE 0x00000400u /* 1 KiB */
#define MOTA_RAM_SIZE 0x00005000u /* 20 KiB */
#define MOTA_BOOTLOADER_ADDR 0x08000000u
#define MOTA_BOOTLOADER_SIZE 0x00005000u /* 20 KiB */
#define MOTA_JOURNAL_ADDR 0x08005000u
#define MOTA_JOURNAL_PAGES 2u
#define MOTA_APP_ADDR 0x08005800u
#define MOTA_APP_SIZE 0x00004000u /* 16 KiB */
#define MOTA_SLOT_A_ADDR 0x08009800u
#define MOTA_SLOT_B_ADDR 0x0800CC00u
#define MOTA_SLOT_SIZE 0x00003400u /* 13 KiB */
#else
#define MOTA_BOARD_NAME "STM32F103RC"
#define MOTA_FLASH_SIZE 0x00040000u /* 256 KiB */
#define MOTA_PAGE_SIZE 0x00000800u /* 2 KiB */
#define MOTA_RAM_SIZE 0x0000C000u /* 48 KiB */
#define MOTA_BOOTLOADER_ADDR 0x08000000u
#define MOTA_BOOTLOADER_SIZE 0x00005000u /* 20 KiB */
#define MOTA_JOURNAL_ADDR 0x08005000u
#define MOTA_JOURNAL_PAGES 2u
#define MOTA_APP_ADDR 0x08006000u
#define MOTA_APP_SIZE 0x0000A000u /* 40 KiB */
#define MOTA_SLOT_A_ADDR 0x08010000u
#define MOTA_SLOT_B_ADDR 0x08028000u
#define MOTA_SLOT_SIZE 0x00018000u /* 96 KiB */
#endif

#define MOTA_JOURNAL_SIZE (MOTA_JOURNAL_PAGES * MOTA_PAGE_SIZE)

#if !defined(__ASSEMBLER__) && !defined(MOTA_LAYOUT_NO_ASSERTS)
#define MOTA_ALIGNED(x) (((x) % MOTA_PAGE_SIZE) == 0u)
_Static_assert(MOTA_ALIGNED(MOTA_BOOTLOADER_ADDR) && MOTA_ALIGNED(MOTA_BOOTLOADER_SIZE), "bootloader page-aligned");
_Static_assert(MOTA_ALIGNED(MOTA_JOURNAL_ADDR), "journal page-aligned");
_Static_assert(MOTA_ALIGNED(MOTA_APP_ADDR) && MOTA_ALIGNED(MOTA_APP_SIZE), "app page-aligned");
_Static_assert(MOTA_ALIGNED(MOTA_SLOT_A_ADDR) && MOTA_ALIGNED(MOTA_SLOT_B_ADDR) && MOTA_ALIGNED(MOTA_SLOT_SIZE), "slots page-aligned");
_Static_assert(MOTA_BOOTLOADER_ADDR + MOTA_BOOTLOADER_SIZE <= MOTA_JOURNAL_ADDR, "bootloader before journal");
_Static_assert(MOTA_JOURNAL_ADDR + MOTA_JOURNAL_SIZE <= MOTA_APP_ADDR, "journal before app");
_Static_assert(MOTA_APP_ADDR + MOTA_APP_SIZE <= MOTA_SLOT_A_ADDR, "app before slot A");
_Static_assert(MOTA_SLOT_A_ADDR + MOTA_SLOT_SIZE <= MOTA_SLOT_B_ADDR, "slot A before slot B");
_Static_assert(MOTA_SLOT_B_ADDR + MOTA_SLOT_SIZE <= MOTA_FLASH_BASE + MOTA_FLASH_SIZE, "slot B inside flash");
_Static_assert((MOTA_APP_ADDR & 0x7Fu) == 0u, "app vector table aligned for VTOR");
#endif

#endif /* MOTA_LAYOUT_H */
