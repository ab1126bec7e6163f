/*
 * Bootloader <-> app hand-off mailbox: a small struct at the very start of RAM, in a
 * .noinit section that neither side's startup code clears, so it survives a system
 * reset (SCB AIRCR) but not a power cut (then `check` fails and it is ignored).
 * Both linker scripts reserve MOTA_HANDOFF_SIZE bytes at MOTA_RAM_BASE for it.
 * Semantics (who writes which field when) are in protocol/SPEC.md §5.
 */
#ifndef MOTA_HANDOFF_H
#define MOTA_HANDOFF_H

#include <stdint.h>

#define MOTA_HANDOFF_ADDR 0x20000000u
#define MOTA_HANDOFF_SIZE 64u
#define MOTA_HANDOFF_MAGIC 0x4D4F4842u /* "BHOM" in memory: mota hand-off */

/* boot_slot */
#define MOTA_SLOT_A 0u
#define MOTA_SLOT_B 1u
#define MOTA_SLOT_NONE 0xFFu

/* slot_state as the bootloader booted it: the journal's slot state values (SPEC §5.6) */
#define MOTA_BOOT_CONFIRMED 1u
#define MOTA_BOOT_TRIAL 2u

/* slot_states: byte 0 = slot A state, byte 1 = slot B state, byte 2 = active slot */
#define MOTA_STATE_EMPTY 0u
#define MOTA_STATE_CONFIRMED 1u
#define MOTA_STATE_TRIAL 2u
#define MOTA_STATE_PENDING 3u
#define MOTA_STATE_REJECTED 4u

/* request: app -> bootloader, acted on at the next reset */
#define MOTA_REQ_NONE 0u
#define MOTA_REQ_STAY_IN_BOOTLOADER 1u /* host asked for an update session */
#define MOTA_REQ_CONFIRM 2u            /* trial model passed its self-test */
#define MOTA_REQ_ROLLBACK 3u           /* host asked for the previous model */

typedef struct {
  uint32_t magic;        /* MOTA_HANDOFF_MAGIC */
  uint32_t boot_slot;    /* bootloader -> app: slot it verified and booted */
  uint32_t slot_state;   /* bootloader -> app: MOTA_BOOT_CONFIRMED or MOTA_BOOT_TRIAL */
  uint32_t slot_addr;    /* bootloader -> app: flash address of that slot's package */
  uint32_t request;      /* app -> bootloader */
  uint32_t reset_count;  /* resets since the last power-on, counted by the bootloader */
  uint32_t bootloader_version; /* major << 16 | minor << 8 | patch */
  uint32_t check;        /* ~(xor of the words above and slot_states): a power cut leaves garbage */
  uint32_t slot_states;  /* bootloader -> app: A state | B state << 8 | active slot << 16 | INFO flags bit 0 << 24 */
  uint32_t reserved[7];
} mota_handoff_t;

#if !defined(__ASSEMBLER__)
_Static_assert(sizeof(mota_handoff_t) == MOTA_HANDOFF_SIZE, "hand-off mailbox size");

static inline uint32_t mota_handoff_checksum(const volatile mota_handoff_t *h) {
  return ~(h->magic ^ h->boot_slot ^ h->slot_state ^ h->slot_addr ^ h->request ^ h->reset_count ^
           h->bootloader_version ^ h->slot_states);
}
#endif

#endif /* MOTA_HANDOFF_H */
