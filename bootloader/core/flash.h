/*
 * The flash-area API the core runs on (MCUboot style): the port (bootloader/port/stm32f1)
 * or the host simulator (bootloader/test/sim_flash.c) supplies these functions. The core
 * queries page size, programming unit and erased value instead of assuming them.
 * Addresses are absolute (layout.h); every function returns 0 on success, -1 on failure.
 */
#ifndef MOTA_FLASH_H
#define MOTA_FLASH_H

#include <stdint.h>

uint32_t mota_flash_page_size(void);
uint32_t mota_flash_align(void);   /* programming unit in bytes (2 on the STM32F1) */
uint8_t mota_flash_erased_val(void);

/* Erases the page starting at addr (page-aligned). */
int mota_flash_erase(uint32_t addr);
/* Programs len bytes (addr and len multiples of mota_flash_align()) into erased flash. */
int mota_flash_write(uint32_t addr, const void *src, uint32_t len);
/* Read-only view of flash (the STM32F1 maps it; the simulator returns its buffer). */
const uint8_t *mota_flash_map(uint32_t addr);

/* Word-order CRC-32/MPEG-2 (SPEC §1.4) of len bytes at addr (both multiples of 4): the
 * STM32F1 port uses its CRC unit, the simulator the software routine. */
uint32_t mota_flash_crc32(uint32_t addr, uint32_t len);

#endif /* MOTA_FLASH_H */
