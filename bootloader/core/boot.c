#include "boot.h"

#include "flash.h"
#include "frame.h"

int mota_bl_set(mota_bl_t *bl, uint32_t slot, uint8_t state, uint32_t header_crc, uint8_t active) {
  mota_state_t st = bl->journal.st;
  st.state[slot] = state;
  st.header_crc[slot] = state == MOTA_STATE_EMPTY ? 0u : header_crc;
  st.active = active;
  return mota_journal_commit(&bl->journal, &st) == 0 ? 0 : MOTA_E_FLASH;
}

static int set_state(mota_bl_t *bl, uint32_t slot, uint8_t state) {
  uint8_t active = bl->journal.st.active;
  if (active == slot && state != MOTA_STATE_CONFIRMED) active = MOTA_SLOT_NONE;
  return mota_bl_set(bl, slot, state, bl->journal.st.header_crc[slot], active);
}

int mota_bl_slot_ok(const mota_bl_t *bl, uint32_t slot) {
  const uint8_t *h = mota_flash_map(bl->slot_addr[slot]);
  /* Checks 2-8 on the header: with 128 bytes given, TRUNCATED (check 9) means they passed;
   * check 8 bounds image_size by the slot, so the body CRC below stays inside it. */
  int rc = mota_package_check(h, MOTA_PKG_HEADER_SIZE, bl->slot_size, 0);
  if (rc != MOTA_PKG_E_TRUNCATED) return rc == MOTA_PKG_OK ? MOTA_PKG_E_BAD_SIZES : rc;
  if (mota_get32(h + 124) != bl->journal.st.header_crc[slot]) return MOTA_PKG_E_HEADER_CRC;
  uint32_t body = mota_get32(h + 56) - MOTA_PKG_HEADER_SIZE - MOTA_PKG_SIGNATURE_SIZE;
  if (mota_flash_crc32(bl->slot_addr[slot] + MOTA_PKG_HEADER_SIZE, body) != mota_get32(h + 96))
    return MOTA_PKG_E_BODY_CRC;
  return 0;
}

int mota_bl_init(mota_bl_t *bl, uint32_t journal_addr, const uint32_t slot_addr[MOTA_SLOTS], uint32_t slot_size,
                 const mota_keyring_t *keys) {
  bl->keys = keys;
  bl->slot_size = slot_size;
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) bl->slot_addr[s] = slot_addr[s];
  mota_journal_load(&bl->journal, journal_addr);
  if (bl->journal.seq != 0u) return 0;
  /* Factory-fresh journal: adopt a slot that passes every check (slot A first). */
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
    mota_package_view_t v;
    if (mota_verify_package(mota_flash_map(slot_addr[s]), slot_size, slot_size, 0, keys, &v) == MOTA_PKG_OK)
      return mota_bl_set(bl, s, MOTA_STATE_CONFIRMED, v.header.header_crc32, (uint8_t)s);
  }
  return 0;
}

int mota_bl_decide(mota_bl_t *bl, mota_boot_t *out) {
  out->slot = MOTA_SLOT_NONE;
  out->state = MOTA_STATE_EMPTY;
  int rc;
  /* 1: a trial that reached a reset unconfirmed reverts */
  for (uint32_t s = 0; s < MOTA_SLOTS; s++)
    if (bl->journal.st.state[s] == MOTA_STATE_TRIAL && (rc = set_state(bl, s, MOTA_STATE_REJECTED)) != 0) return rc;
  /* 2: a pending slot gets its one trial boot */
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
    if (bl->journal.st.state[s] != MOTA_STATE_PENDING) continue;
    int ok = mota_bl_slot_ok(bl, s) == 0;
    if ((rc = set_state(bl, s, ok ? MOTA_STATE_TRIAL : MOTA_STATE_REJECTED)) != 0) return rc;
    if (ok) {
      out->slot = (uint8_t)s;
      out->state = MOTA_STATE_TRIAL;
      return 0;
    }
  }
  /* 3: the active confirmed slot, else the other confirmed one */
  uint32_t a = bl->journal.st.active;
  if (a != MOTA_SLOT_NONE && mota_bl_slot_ok(bl, a) == 0) {
    out->slot = (uint8_t)a;
    out->state = MOTA_STATE_CONFIRMED;
    return 0;
  }
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
    if (s == a || bl->journal.st.state[s] != MOTA_STATE_CONFIRMED || mota_bl_slot_ok(bl, s) != 0) continue;
    if ((rc = mota_bl_set(bl, s, MOTA_STATE_CONFIRMED, bl->journal.st.header_crc[s], (uint8_t)s)) != 0) return rc;
    out->slot = (uint8_t)s;
    out->state = MOTA_STATE_CONFIRMED;
    return 0;
  }
  return 0; /* 4: nothing bootable */
}

int mota_bl_confirm(mota_bl_t *bl) {
  for (uint32_t s = 0; s < MOTA_SLOTS; s++)
    if (bl->journal.st.state[s] == MOTA_STATE_TRIAL)
      return mota_bl_set(bl, s, MOTA_STATE_CONFIRMED, bl->journal.st.header_crc[s], (uint8_t)s);
  return MOTA_E_NOTHING_TO_CONFIRM;
}

int mota_bl_rollback(mota_bl_t *bl) {
  for (uint32_t s = 0; s < MOTA_SLOTS; s++)
    if (bl->journal.st.state[s] == MOTA_STATE_TRIAL) return set_state(bl, s, MOTA_STATE_REJECTED);
  for (uint32_t s = 0; s < MOTA_SLOTS; s++)
    if (bl->journal.st.state[s] == MOTA_STATE_PENDING) return set_state(bl, s, MOTA_STATE_REJECTED);
  uint32_t other = mota_bl_inactive(bl);
  if (bl->journal.st.active != MOTA_SLOT_NONE && bl->journal.st.state[other] == MOTA_STATE_CONFIRMED &&
      mota_bl_slot_ok(bl, other) == 0)
    return mota_bl_set(bl, other, MOTA_STATE_CONFIRMED, bl->journal.st.header_crc[other], (uint8_t)other);
  return MOTA_E_NOTHING_TO_ROLL_BACK;
}

int mota_bl_request(mota_bl_t *bl, uint32_t request, uint32_t boot_slot) {
  if (request == MOTA_REQ_CONFIRM) {
    if (boot_slot < MOTA_SLOTS && bl->journal.st.state[boot_slot] == MOTA_STATE_TRIAL)
      return mota_bl_set(bl, boot_slot, MOTA_STATE_CONFIRMED, bl->journal.st.header_crc[boot_slot],
                         (uint8_t)boot_slot);
    return MOTA_E_NOTHING_TO_CONFIRM;
  }
  if (request == MOTA_REQ_ROLLBACK) return mota_bl_rollback(bl);
  return 0;
}
