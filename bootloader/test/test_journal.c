/* The journal alone: append, reload, compaction, garbage, and a cut at every flash operation. */
#include <string.h>

#include "flash.h"
#include "harness.h"
#include "journal.h"
#include "sim_flash.h"

static mota_state_t make_state(uint32_t i) {
  mota_state_t st;
  mota_state_empty(&st);
  st.active = (uint8_t)(i % 3u == 2u ? MOTA_SLOT_NONE : i % 3u);
  st.state[0] = (uint8_t)(i % 5u);
  st.state[1] = (uint8_t)((i + 2u) % 5u);
  st.header_crc[0] = st.state[0] ? 0x1000u + i : 0u;
  st.header_crc[1] = st.state[1] ? 0x2000u + i : 0u;
  return st;
}

static int same(const mota_state_t *a, const mota_state_t *b) {
  return a->active == b->active && a->state[0] == b->state[0] && a->state[1] == b->state[1] &&
         a->header_crc[0] == b->header_crc[0] && a->header_crc[1] == b->header_crc[1];
}

static jmp_buf cut;
static mota_journal_t j; /* static: survives the longjmp */

void test_journal(void) {
  sim_flash_reset(7);
  mota_journal_load(&j, MOTA_JOURNAL_ADDR);
  mota_state_t empty;
  mota_state_empty(&empty);
  CHECK(j.seq == 0 && same(&j.st, &empty) && j.page == 0 && j.next == 0, "an erased journal is empty");

  /* append and reload, across several compactions */
  uint32_t per_page = MOTA_PAGE_SIZE / MOTA_JOURNAL_RECORD_SIZE;
  uint32_t total = 3u * per_page + 5u;
  for (uint32_t i = 1; i <= total; i++) {
    mota_state_t st = make_state(i);
    CHECK_EQ(mota_journal_commit(&j, &st), 0, "commit %u", i);
    mota_journal_t r;
    mota_journal_load(&r, MOTA_JOURNAL_ADDR);
    CHECK(r.seq == i && same(&r.st, &st) && r.page == j.page && r.next == j.next, "reload after commit %u", i);
  }
  CHECK_EQ(sim_flash.erases, 3, "one erase per compaction");
  CHECK_EQ(sim_flash.refused, 0, "no write to unerased flash");

  /* garbage at the next position (a cut write) is skipped, never reprogrammed */
  uint8_t *g = sim_flash_at(MOTA_JOURNAL_ADDR + j.page * MOTA_PAGE_SIZE + j.next * MOTA_JOURNAL_RECORD_SIZE + 6u);
  g[0] = 0x12;
  mota_journal_load(&j, MOTA_JOURNAL_ADDR);
  CHECK_EQ(j.seq, total, "garbage does not change the state");
  uint32_t before = j.next;
  mota_state_t st = make_state(1000);
  CHECK(mota_journal_commit(&j, &st) == 0 && j.next == before + 1u, "commit after garbage uses the next position");
  CHECK_EQ(sim_flash.refused, 0, "garbage position was not programmed");

  /* a valid record with a higher seq in the other page wins (the compaction that completed) */
  mota_journal_load(&j, MOTA_JOURNAL_ADDR);
  CHECK(same(&j.st, &st), "latest record wins");

  /* a cut at every flash operation of commits, including compactions */
  static uint32_t fill;
  for (fill = 0; fill < 3u; fill++) {
    /* start with the active page holding per_page - fill records */
    sim_flash_reset(11 + fill);
    mota_journal_load(&j, MOTA_JOURNAL_ADDR);
    for (uint32_t i = 1; i <= per_page - fill; i++) {
      mota_state_t s = make_state(i);
      mota_journal_commit(&j, &s);
    }
    static uint8_t snapshot[2 * MOTA_PAGE_SIZE];
    memcpy(snapshot, sim_flash_at(MOTA_JOURNAL_ADDR), sizeof snapshot);
    /* count the operations of 3 commits */
    uint64_t ops0 = sim_flash.ops;
    for (uint32_t c = 0; c < 3u; c++) {
      mota_state_t s = make_state(500u + c);
      mota_journal_commit(&j, &s);
    }
    uint64_t nops = sim_flash.ops - ops0;
    static uint64_t k;
    for (k = 0; k < nops; k++) {
      memcpy(sim_flash_at(MOTA_JOURNAL_ADDR), snapshot, sizeof snapshot);
      sim_flash.ops = 0;
      sim_flash.rng = (uint32_t)(k * 2654435761u + fill + 1u);
      static volatile uint32_t done;
      done = 0;
      mota_journal_load(&j, MOTA_JOURNAL_ADDR);
      sim_flash_arm_cut(k, &cut);
      if (setjmp(cut) == 0) {
        for (uint32_t c = 0; c < 3u; c++) {
          mota_state_t s = make_state(500u + c);
          mota_journal_commit(&j, &s);
          done = c + 1u;
        }
        CHECK(0, "no cut at op %llu", (unsigned long long)k);
        continue;
      }
      sim_flash_disarm();
      mota_journal_t r;
      mota_journal_load(&r, MOTA_JOURNAL_ADDR);
      /* the state is the last completed commit or the one being written, nothing else */
      mota_state_t last = done ? make_state(500u + done - 1u) : make_state(per_page - fill);
      mota_state_t next = make_state(500u + done);
      CHECK(same(&r.st, &last) || same(&r.st, &next), "fill %u cut %llu: state is old or new", fill,
            (unsigned long long)k);
      /* and the journal keeps working */
      mota_state_t after = make_state(900);
      CHECK_EQ(mota_journal_commit(&r, &after), 0, "commit after cut %llu", (unsigned long long)k);
      mota_journal_load(&r, MOTA_JOURNAL_ADDR);
      CHECK(same(&r.st, &after), "fill %u cut %llu: commit after the cut is read back", fill, (unsigned long long)k);
    }
    CHECK_EQ(sim_flash.refused, 0, "no write to unerased flash");
  }
  printf("journal: ok\n");
}
