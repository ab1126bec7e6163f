/*
 * The state journal (protocol/SPEC.md §5.6): two flash pages of 32-byte records, each a
 * complete snapshot of both slots' states; the valid record with the highest seq wins.
 */
#ifndef MOTA_JOURNAL_H
#define MOTA_JOURNAL_H

#include <stdint.h>

#include "mota/handoff.h"

#define MOTA_SLOTS 2u
#define MOTA_JOURNAL_RECORD_SIZE 32u
#define MOTA_JOURNAL_MAGIC 0x4A4Du

typedef struct {
  uint8_t active;                   /* MOTA_SLOT_A, MOTA_SLOT_B or MOTA_SLOT_NONE */
  uint8_t state[MOTA_SLOTS];        /* MOTA_STATE_* */
  uint32_t header_crc[MOTA_SLOTS];  /* header_crc32 of the package each state refers to */
} mota_state_t;

/* On-flash record, little-endian. */
typedef struct {
  uint16_t magic;
  uint8_t active;
  uint8_t reserved0;
  uint32_t seq;
  uint8_t state[MOTA_SLOTS];
  uint16_t reserved1;
  uint32_t header_crc[MOTA_SLOTS];
  uint32_t reserved2[2];
  uint32_t crc; /* word-order CRC-32/MPEG-2 of bytes [0, 28) */
} mota_journal_record_t;

_Static_assert(sizeof(mota_journal_record_t) == MOTA_JOURNAL_RECORD_SIZE, "journal record is 32 bytes");

typedef struct {
  uint32_t base;       /* address of journal page 0 */
  uint32_t page_size;
  uint32_t per_page;   /* records per page */
  mota_state_t st;     /* the state the newest valid record holds */
  uint32_t seq;        /* its seq; 0 when the journal holds no valid record */
  uint8_t page;        /* page that receives the next record */
  uint32_t next;       /* index of the next record position in that page (per_page: full) */
} mota_journal_t;

/* Reads both pages. Never writes. */
void mota_journal_load(mota_journal_t *j, uint32_t base);

/* Appends a record holding *st (compacting into the other page when full). On success
 * j->st = *st. Returns 0, or -1 when flash refused every attempt (state unchanged). */
int mota_journal_commit(mota_journal_t *j, const mota_state_t *st);

/* The state of a journal with no record: nothing active, every slot EMPTY. */
void mota_state_empty(mota_state_t *st);

#endif /* MOTA_JOURNAL_H */
