#include "proto.h"

#include <string.h>

#include "flash.h"

void mota_proto_init(mota_proto_t *p, mota_bl_t *bl, const uint8_t *uid, const char *board, uint32_t flash_size,
                     uint32_t reset_count) {
  memset(p, 0, sizeof *p);
  p->bl = bl;
  p->uid = uid;
  p->board = board;
  p->flash_size = flash_size;
  p->reset_count = reset_count;
  p->slot = MOTA_SLOT_NONE;
}

static size_t reply(uint8_t *out, const mota_frame_t *req, uint16_t len) {
  return mota_frame_seal(out, (uint8_t)(req->type | MOTA_T_RESPONSE), req->seq, len);
}

static size_t fail(mota_proto_t *p, uint8_t *out, const mota_frame_t *req, int code, uint32_t detail) {
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  p->last_error = (uint16_t)code;
  pl[0] = req->type;
  pl[1] = 0;
  mota_put16(pl + 2, (uint32_t)code);
  mota_put32(pl + 4, detail);
  return mota_frame_seal(out, MOTA_T_ERROR, req->seq, 8);
}

static uint32_t page_size(void) { return mota_flash_page_size(); }

static uint32_t image_pages(const mota_proto_t *p) { return (p->image_size + page_size() - 1u) / page_size(); }

static const uint8_t *slot_ptr(const mota_proto_t *p, uint32_t slot, uint32_t off) {
  return mota_flash_map(p->bl->slot_addr[slot] + off);
}

static int page_erased(const uint8_t *b, uint32_t n) {
  uint8_t e = mota_flash_erased_val();
  for (uint32_t i = 0; i < n; i++)
    if (b[i] != e) return 0;
  return 1;
}

/* Erases pages until [.., limit) is erased in this session (limit clipped to the image). */
static int erase_until(mota_proto_t *p, uint32_t limit) {
  uint32_t end = image_pages(p) * page_size();
  if (limit > end) limit = end;
  while (p->erased_end < limit) {
    if (mota_flash_erase(p->bl->slot_addr[p->slot] + p->erased_end) != 0) return -1;
    p->erased_end += page_size();
  }
  return 0;
}

static void forget_upload(mota_proto_t *p) {
  /* The next BEGIN must start fresh rather than resume into bytes known to be bad. */
  if (p->slot != MOTA_SLOT_NONE) (void)mota_flash_erase(p->bl->slot_addr[p->slot]);
  p->session = MOTA_SESSION_NONE;
}

static void slot_record(const mota_proto_t *p, uint32_t s, uint8_t *r) {
  memset(r, 0, 48);
  uint8_t state = p->bl->journal.st.state[s];
  r[0] = state;
  if (state == MOTA_STATE_EMPTY) return;
  const uint8_t *h = slot_ptr(p, s, 0);
  memcpy(r + 2, h + 40, 6);   /* version major, minor, patch */
  memcpy(r + 8, h + 56, 4);   /* image_size */
  memcpy(r + 12, h + 60, 4);  /* key_id */
  memcpy(r + 16, h + 8, 32);  /* name */
}

static size_t do_info(mota_proto_t *p, const mota_frame_t *req, uint8_t *out) {
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  memset(pl, 0, MOTA_INFO_SIZE);
  pl[0] = MOTA_PROTOCOL_VERSION;
  pl[1] = 1; /* bootloader */
  mota_put16(pl + 2, MOTA_MAX_PAYLOAD);
  pl[4] = MOTA_WINDOW;
  pl[5] = p->bl->journal.st.active;
  pl[6] = MOTA_SLOT_NONE;
  pl[7] = (uint8_t)((MOTA_DOWNGRADE_GUARD ? 1u : 0u) | (p->session != MOTA_SESSION_NONE ? 2u : 0u));
  mota_put32(pl + 8, MOTA_BL_VERSION);
  memcpy(pl + 12, p->uid, 12);
  for (uint32_t i = 0; i < 15u && p->board[i]; i++) pl[24 + i] = (uint8_t)p->board[i];
  mota_put32(pl + 40, p->flash_size);
  mota_put32(pl + 44, page_size());
  mota_put32(pl + 48, p->bl->slot_size);
  mota_put32(pl + 52, p->bl->slot_addr[0]);
  mota_put32(pl + 56, p->bl->slot_addr[1]);
  mota_put32(pl + 60, p->reset_count);
  slot_record(p, 0, pl + 64);
  slot_record(p, 1, pl + 112);
  return reply(out, req, MOTA_INFO_SIZE);
}

static uint64_t version_of(const uint8_t *h) {
  return ((uint64_t)mota_get16(h + 40) << 32) | ((uint64_t)mota_get16(h + 42) << 16) | mota_get16(h + 44);
}

static size_t do_begin(mota_proto_t *p, const mota_frame_t *req, uint8_t *out) {
  if (req->len != MOTA_PKG_HEADER_SIZE + 1u) return fail(p, out, req, MOTA_E_BAD_LENGTH, MOTA_PKG_HEADER_SIZE + 1u);
  const uint8_t *h = req->payload;
  uint8_t options = h[MOTA_PKG_HEADER_SIZE];
  if (options & ~MOTA_BEGIN_ALLOW_DOWNGRADE) return fail(p, out, req, MOTA_E_BAD_OPTIONS, 0);
  /* Checks 1-8 on the header alone: with 128 bytes in hand, check 9 (TRUNCATED) is the
   * first one that can fail once 2-8 have passed, since every image is longer. */
  int rc = mota_package_check(h, MOTA_PKG_HEADER_SIZE, p->bl->slot_size, 0);
  if (rc != MOTA_PKG_E_TRUNCATED) return fail(p, out, req, rc, 0);
  uint32_t active = p->bl->journal.st.active;
  if (MOTA_DOWNGRADE_GUARD && !(options & MOTA_BEGIN_ALLOW_DOWNGRADE) && active != MOTA_SLOT_NONE &&
      version_of(h) < version_of(slot_ptr(p, active, 0)))
    return fail(p, out, req, MOTA_E_DOWNGRADE, 0);
  if (!mota_key_find(p->bl->keys, mota_get32(h + 60))) return fail(p, out, req, MOTA_PKG_E_UNKNOWN_KEY, 0);

  uint32_t slot = mota_bl_inactive(p->bl);
  p->session = MOTA_SESSION_NONE;
  p->slot = (uint8_t)slot;
  p->last_error = 0;
  memcpy(p->header, h, MOTA_PKG_HEADER_SIZE);
  p->image_size = mota_get32(h + 56);
  uint32_t pages = image_pages(p);
  if (p->bl->journal.st.state[slot] == MOTA_STATE_EMPTY &&
      memcmp(slot_ptr(p, slot, 0), h, MOTA_PKG_HEADER_SIZE) == 0) {
    /* Resume (SPEC §5.5): redo the page before the first erased one. */
    uint32_t first_erased = 0;
    while (first_erased < pages && !page_erased(slot_ptr(p, slot, first_erased * page_size()), page_size()))
      first_erased++;
    p->next_offset = (first_erased ? first_erased - 1u : 0u) * page_size();
    p->erased_end = p->next_offset;
  } else {
    if (p->bl->journal.st.state[slot] != MOTA_STATE_EMPTY &&
        (rc = mota_bl_set(p->bl, slot, MOTA_STATE_EMPTY, 0, (uint8_t)active)) != 0)
      return fail(p, out, req, rc, 0);
    p->next_offset = 0;
    p->erased_end = 0;
    /* The first two pages are erased right after the answer (mota_proto_after_reply), while
     * the first DATA frames arrive into the RX ring. The journal already says EMPTY; a cut
     * during those erases leaves page 0 with the slot's old bytes, erased ones or a mix,
     * whose header equals this one only if the slot held this very package, so a retried
     * BEGIN starts fresh or resumes over this package's bytes, which END checks. */
    p->action = MOTA_ACT_ERASE;
  }
  p->session = MOTA_SESSION_RECEIVING;
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  memset(pl, 0, 12);
  pl[0] = (uint8_t)slot;
  mota_put32(pl + 4, p->next_offset);
  mota_put32(pl + 8, p->image_size);
  return reply(out, req, 12);
}

static size_t data_ack(const mota_proto_t *p, const mota_frame_t *req, uint8_t *out, uint32_t offset) {
  mota_put32(out + MOTA_FRAME_HEADER, offset);
  mota_put32(out + MOTA_FRAME_HEADER + 4, p->next_offset);
  return reply(out, req, 8);
}

static size_t do_data(mota_proto_t *p, const mota_frame_t *req, uint8_t *out) {
  if (p->session == MOTA_SESSION_NONE) return fail(p, out, req, MOTA_E_NO_SESSION, 0);
  uint32_t n = req->len >= 4u ? req->len - 4u : 0u;
  if (n < 8u || (n % 8u) != 0u) return fail(p, out, req, MOTA_E_BAD_LENGTH, 0);
  uint32_t offset = mota_get32(req->payload);
  const uint8_t *data = req->payload + 4;
  if ((offset % 8u) != 0u || offset > p->image_size || n > p->image_size - offset)
    return fail(p, out, req, MOTA_E_OUT_OF_RANGE, p->next_offset);
  if (offset != p->next_offset) return data_ack(p, req, out, offset); /* duplicate or after a gap */
  if (offset < MOTA_PKG_HEADER_SIZE) {
    uint32_t k = MOTA_PKG_HEADER_SIZE - offset;
    if (k > n) k = n;
    if (memcmp(data, p->header + offset, k) != 0) return fail(p, out, req, MOTA_E_HEADER_MISMATCH, 0);
  }
  uint32_t last_page = (offset + n - 1u) / page_size();
  uint32_t addr = p->bl->slot_addr[p->slot] + offset;
  if (erase_until(p, (last_page + 2u) * page_size()) != 0)
    return fail(p, out, req, MOTA_E_FLASH, p->bl->slot_addr[p->slot] + p->erased_end);
  if (mota_flash_write(addr, data, n) != 0 || memcmp(mota_flash_map(addr), data, n) != 0)
    return fail(p, out, req, MOTA_E_FLASH, addr);
  p->next_offset += n;
  if (p->next_offset == p->image_size) p->session = MOTA_SESSION_COMPLETE;
  return data_ack(p, req, out, offset);
}

static size_t do_end(mota_proto_t *p, const mota_frame_t *req, uint8_t *out) {
  if (p->session == MOTA_SESSION_NONE) return fail(p, out, req, MOTA_E_NO_SESSION, 0);
  if (p->session != MOTA_SESSION_COMPLETE) return fail(p, out, req, MOTA_E_INCOMPLETE, p->next_offset);
  mota_package_view_t v;
  int rc = mota_verify_package(slot_ptr(p, p->slot, 0), p->image_size, p->bl->slot_size, 0, p->bl->keys, &v);
  if (rc == MOTA_PKG_OK && memcmp(slot_ptr(p, p->slot, 0), p->header, MOTA_PKG_HEADER_SIZE) != 0)
    rc = MOTA_E_HEADER_MISMATCH;
  if (rc != MOTA_PKG_OK) {
    forget_upload(p);
    return fail(p, out, req, rc, 0);
  }
  if ((rc = mota_bl_set(p->bl, p->slot, MOTA_STATE_PENDING, v.header.header_crc32, p->bl->journal.st.active)) != 0)
    return fail(p, out, req, rc, 0);
  p->session = MOTA_SESSION_NONE;
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  memset(pl, 0, 4);
  pl[0] = p->slot;
  pl[1] = MOTA_STATE_PENDING;
  return reply(out, req, 4);
}

void mota_proto_after_reply(mota_proto_t *p) {
  if (p->action == MOTA_ACT_ERASE && p->session == MOTA_SESSION_RECEIVING) (void)erase_until(p, 2u * page_size());
  p->action = MOTA_ACT_NONE;
}

int mota_proto_bootable(const mota_bl_t *bl) {
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
    uint8_t st = bl->journal.st.state[s];
    if ((st == MOTA_STATE_PENDING || st == MOTA_STATE_CONFIRMED) && mota_bl_slot_ok(bl, s) == 0) return 1;
  }
  return 0;
}

size_t mota_proto_handle(mota_proto_t *p, const mota_frame_t *req, uint8_t *out) {
  p->action = MOTA_ACT_NONE;
  int rc;
  switch (req->type) {
    case MOTA_T_INFO:
    case MOTA_T_ENTER:
    case MOTA_T_STATUS:
    case MOTA_T_END:
    case MOTA_T_BOOT:
    case MOTA_T_CONFIRM:
    case MOTA_T_ROLLBACK:
    case MOTA_T_ABORT:
      if (req->len != 0u) return fail(p, out, req, MOTA_E_BAD_LENGTH, 0);
      break;
    default:
      break;
  }
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  switch (req->type) {
    case MOTA_T_INFO:
      return do_info(p, req, out);
    case MOTA_T_ENTER:
      return reply(out, req, 0);
    case MOTA_T_BEGIN:
      return do_begin(p, req, out);
    case MOTA_T_DATA:
      return do_data(p, req, out);
    case MOTA_T_STATUS:
      memset(pl, 0, 16);
      pl[0] = p->session;
      pl[1] = p->session != MOTA_SESSION_NONE ? p->slot : MOTA_SLOT_NONE;
      mota_put16(pl + 2, p->last_error);
      mota_put32(pl + 4, p->session != MOTA_SESSION_NONE ? p->next_offset : 0u);
      mota_put32(pl + 8, p->session != MOTA_SESSION_NONE ? p->image_size : 0u);
      mota_put32(pl + 12, p->session != MOTA_SESSION_NONE ? mota_get32(p->header + 124) : 0u);
      return reply(out, req, 16);
    case MOTA_T_END:
      return do_end(p, req, out);
    case MOTA_T_BOOT:
      if (!mota_proto_bootable(p->bl)) return fail(p, out, req, MOTA_E_NO_MODEL, 0);
      p->action = MOTA_ACT_RESET;
      return reply(out, req, 0);
    case MOTA_T_CONFIRM:
      if ((rc = mota_bl_confirm(p->bl)) != 0) return fail(p, out, req, rc, 0);
      return reply(out, req, 0);
    case MOTA_T_ROLLBACK:
      if (p->session != MOTA_SESSION_NONE) forget_upload(p);
      if ((rc = mota_bl_rollback(p->bl)) != 0) return fail(p, out, req, rc, 0);
      memset(pl, 0, 4);
      pl[0] = p->bl->journal.st.active;
      return reply(out, req, 4);
    case MOTA_T_ABORT:
      if (p->session == MOTA_SESSION_NONE) return fail(p, out, req, MOTA_E_NO_SESSION, 0);
      forget_upload(p);
      return reply(out, req, 0);
    default:
      return fail(p, out, req, MOTA_E_BAD_LENGTH, 0); /* unreachable: the receiver drops unknown types */
  }
}
