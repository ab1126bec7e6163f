/*
 * Slot states and the boot decision (protocol/SPEC.md §5.6-5.8): the only code that
 * changes a slot's state, always through one journal record.
 */
#ifndef MOTA_BOOT_H
#define MOTA_BOOT_H

#include <stdint.h>

#include "journal.h"
#include "verify.h"

/* Protocol error codes beyond the package codes 1-15 (SPEC §5.4). */
#define MOTA_E_BAD_LENGTH 32
#define MOTA_E_BAD_OPTIONS 33
#define MOTA_E_WRONG_MODE 34
#define MOTA_E_NO_SESSION 35
#define MOTA_E_OUT_OF_RANGE 36
#define MOTA_E_HEADER_MISMATCH 37
#define MOTA_E_DOWNGRADE 38
#define MOTA_E_FLASH 39
#define MOTA_E_INCOMPLETE 40
#define MOTA_E_NOTHING_TO_CONFIRM 41
#define MOTA_E_NOTHING_TO_ROLL_BACK 42
#define MOTA_E_NO_MODEL 43

typedef struct {
  mota_journal_t journal;
  const mota_keyring_t *keys;
  uint32_t slot_addr[MOTA_SLOTS];
  uint32_t slot_size;
} mota_bl_t;

typedef struct {
  uint8_t slot;  /* MOTA_SLOT_A/B, or MOTA_SLOT_NONE: stay in the bootloader */
  uint8_t state; /* MOTA_STATE_CONFIRMED or MOTA_STATE_TRIAL */
} mota_boot_t;

/* Loads the journal; a journal without any valid record adopts a verified slot (SPEC §5.6).
 * Returns 0, or MOTA_E_FLASH when a needed journal write failed. */
int mota_bl_init(mota_bl_t *bl, uint32_t journal_addr, const uint32_t slot_addr[MOTA_SLOTS], uint32_t slot_size,
                 const mota_keyring_t *keys);

/* Boot check (SPEC §5.7): header checks, header_crc bound by the journal, body CRC. 0 = ok. */
int mota_bl_slot_ok(const mota_bl_t *bl, uint32_t slot);

/* Boot decision, steps 1-3 of SPEC §5.7 (writes TRIAL/REJECTED records as needed). */
int mota_bl_decide(mota_bl_t *bl, mota_boot_t *out);

/* SPEC §5.8. Return 0 or an error code (MOTA_E_*). */
int mota_bl_confirm(mota_bl_t *bl);
int mota_bl_rollback(mota_bl_t *bl);

/* Acts on the hand-off request the app left (MOTA_REQ_CONFIRM/ROLLBACK; others: no-op). */
int mota_bl_request(mota_bl_t *bl, uint32_t request, uint32_t boot_slot);

/* The slot an upload writes: the one that is not active (slot A when none is). */
static inline uint32_t mota_bl_inactive(const mota_bl_t *bl) {
  return bl->journal.st.active == MOTA_SLOT_A ? MOTA_SLOT_B : MOTA_SLOT_A;
}

/* Appends a record with slot's state (and header_crc) changed; 0 or MOTA_E_FLASH. */
int mota_bl_set(mota_bl_t *bl, uint32_t slot, uint8_t state, uint32_t header_crc, uint8_t active);

#endif /* MOTA_BOOT_H */
