#include "journal.h"

#include <string.h>

#include "flash.h"
#include "mota_package.h"

static const uint8_t *rec_ptr(const mota_journal_t *j, uint32_t page, uint32_t i) {
  return mota_flash_map(j->base + page * j->page_size + i * MOTA_JOURNAL_RECORD_SIZE);
}

static int rec_erased(const uint8_t *p) {
  uint8_t e = mota_flash_erased_val();
  for (uint32_t i = 0; i < MOTA_JOURNAL_RECORD_SIZE; i++)
    if (p[i] != e) return 0;
  return 1;
}

/* Decodes a valid record into *r; 0 when it is not valid (garbage, cut write, erased). */
static int rec_decode(const uint8_t *p, mota_journal_record_t *r) {
  memcpy(r, p, sizeof *r);
  if (r->magic != MOTA_JOURNAL_MAGIC || r->seq == 0u || r->seq == 0xFFFFFFFFu) return 0;
  if (mota_crc32_words(0xFFFFFFFFu, p, MOTA_JOURNAL_RECORD_SIZE - 4u) != r->crc) return 0;
  if (r->active != MOTA_SLOT_A && r->active != MOTA_SLOT_B && r->active != MOTA_SLOT_NONE) return 0;
  for (uint32_t s = 0; s < MOTA_SLOTS; s++)
    if (r->state[s] > MOTA_STATE_REJECTED) return 0;
  return 1;
}

void mota_state_empty(mota_state_t *st) {
  memset(st, 0, sizeof *st);
  st->active = MOTA_SLOT_NONE;
}

void mota_journal_load(mota_journal_t *j, uint32_t base) {
  memset(j, 0, sizeof *j);
  j->base = base;
  j->page_size = mota_flash_page_size();
  j->per_page = j->page_size / MOTA_JOURNAL_RECORD_SIZE;
  mota_state_empty(&j->st);
  uint32_t used[2] = {0, 0}; /* per page: 1 + index of the last position not erased */
  for (uint32_t page = 0; page < 2u; page++) {
    for (uint32_t i = 0; i < j->per_page; i++) {
      const uint8_t *p = rec_ptr(j, page, i);
      if (rec_erased(p)) continue;
      used[page] = i + 1u;
      mota_journal_record_t r;
      if (rec_decode(p, &r) && r.seq > j->seq) {
        j->seq = r.seq;
        j->page = (uint8_t)page;
        j->st.active = r.active;
        for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
          j->st.state[s] = r.state[s];
          j->st.header_crc[s] = r.header_crc[s];
        }
      }
    }
  }
  j->next = used[j->page];
}

static int write_record(mota_journal_t *j, uint32_t page, uint32_t i, const mota_state_t *st) {
  mota_journal_record_t r;
  memset(&r, 0, sizeof r);
  r.magic = MOTA_JOURNAL_MAGIC;
  r.active = st->active;
  r.seq = j->seq + 1u;
  for (uint32_t s = 0; s < MOTA_SLOTS; s++) {
    r.state[s] = st->state[s];
    r.header_crc[s] = st->header_crc[s];
  }
  r.crc = mota_crc32_words(0xFFFFFFFFu, (const uint8_t *)&r, MOTA_JOURNAL_RECORD_SIZE - 4u);
  uint32_t addr = j->base + page * j->page_size + i * MOTA_JOURNAL_RECORD_SIZE;
  if (mota_flash_write(addr, &r, sizeof r) != 0) return -1;
  mota_journal_record_t back;
  if (!rec_decode(mota_flash_map(addr), &back) || memcmp(&back, &r, sizeof r) != 0) return -1;
  return 0;
}

int mota_journal_commit(mota_journal_t *j, const mota_state_t *st) {
  /* A position that refuses the write is skipped; the next record takes the next one. */
  while (j->next < j->per_page) {
    uint32_t i = j->next++;
    if (!rec_erased(rec_ptr(j, j->page, i))) continue;
    if (write_record(j, j->page, i, st) == 0) goto done;
  }
  /* Compaction: the full page stays in charge until the other holds a valid record. */
  uint8_t other = (uint8_t)(j->page ^ 1u);
  if (mota_flash_erase(j->base + other * j->page_size) != 0) return -1;
  if (write_record(j, other, 0, st) != 0) return -1;
  j->page = other;
  j->next = 1;
done:
  j->seq++;
  j->st = *st;
  return 0;
}
