/*
 * A power cut at every flash operation of install, confirm and rollback (and of the boot
 * decisions between them), each with the journal at several fill levels so compactions get
 * cut too. After each cut the device must boot a model that passes checks 1-16, must still
 * hold the confirmed model, and a host that retries must reach the intended end state.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "flash.h"
#include "harness.h"

static device_t d;
static jmp_buf cut;
static uint8_t snapshot[MOTA_FLASH_SIZE];
static volatile int phase; /* how far the scenario got before the cut */

typedef enum { INSTALL, CONFIRM, ROLLBACK } scenario_t;
static const char *const names[] = {"install", "confirm", "rollback"};

/* Fills the journal's active page so the next commit lands `free_slots` before compaction. */
static void fill_journal(uint32_t free_slots) {
  dev_reset(&d, MOTA_REQ_NONE, 0);
  uint32_t per_page = MOTA_PAGE_SIZE / MOTA_JOURNAL_RECORD_SIZE;
  mota_state_t st = d.bl.journal.st;
  while (per_page - d.bl.journal.next > free_slots) mota_journal_commit(&d.bl.journal, &st);
}

/* Device state before the scenario: 1.0.0 confirmed in A; for CONFIRM, 1.1.0 in TRIAL in B;
 * for ROLLBACK, 1.1.0 confirmed and active in B. */
static void setup(scenario_t s) {
  sim_flash_reset(1);
  dev_reset(&d, MOTA_REQ_NONE, 0);
  CHECK_EQ(dev_upload(&d, &pkg_v100, 0, -1, NULL), 0, "setup: install 1.0.0");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  dev_boot(&d);
  dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_A);
  dev_boot(&d);
  if (s == INSTALL) {
    /* slot B keeps the remains of a bigger model whose trial failed: stale bytes beyond
     * the write point are what the resume rule must never mistake for uploaded data */
    CHECK_EQ(dev_upload(&d, &pkg_big, 0, -1, NULL), 0, "setup: install the big model");
    dev_reset(&d, MOTA_REQ_NONE, 0);
    dev_boot(&d);
    dev_reset(&d, MOTA_REQ_NONE, 0);
    mota_boot_t b = dev_boot(&d);
    CHECK(b.slot == MOTA_SLOT_A && d.bl.journal.st.state[MOTA_SLOT_B] == MOTA_STATE_REJECTED, "setup: big model rejected");
    return;
  }
  CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, NULL), 0, "setup: install 1.1.0");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  dev_boot(&d);
  if (s == CONFIRM) return;
  dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_B);
  dev_boot(&d);
}

static void run(scenario_t s) {
  phase = 0;
  if (s == INSTALL) {
    dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
    CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, NULL), 0, "install");
    phase = 1;
    CHECK_EQ(dev_call(&d, MOTA_T_BOOT, NULL, 0), MOTA_T_BOOT | MOTA_T_RESPONSE, "BOOT");
    dev_reset(&d, MOTA_REQ_NONE, 0);
    mota_boot_t b = dev_boot(&d);
    CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_TRIAL, "trial boot");
    phase = 2;
    dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_B);
    b = dev_boot(&d);
    CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_CONFIRMED, "confirmed boot");
  } else if (s == CONFIRM) {
    dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_B);
    mota_boot_t b = dev_boot(&d);
    CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_CONFIRMED, "confirmed boot");
  } else {
    dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
    CHECK_EQ(dev_call(&d, MOTA_T_ROLLBACK, NULL, 0), MOTA_T_ROLLBACK | MOTA_T_RESPONSE, "ROLLBACK");
    dev_reset(&d, MOTA_REQ_NONE, 0);
    mota_boot_t b = dev_boot(&d);
    CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED, "boots A after rollback");
  }
}

/* BEGIN's next_offset in the recovery upload (UINT32_MAX when recovery did not upload). */
static uint32_t recovered_from;

/* What a host does after the device comes back: finish the job. */
static void recover(scenario_t s) {
  recovered_from = UINT32_MAX;
  dev_reset(&d, MOTA_REQ_NONE, 0);
  mota_boot_t b = dev_boot(&d);
  if (s == ROLLBACK) {
    if (d.bl.journal.st.active != MOTA_SLOT_A) {
      dev_reset(&d, MOTA_REQ_ROLLBACK, b.slot);
      dev_boot(&d);
    }
    return;
  }
  if (d.bl.journal.st.state[MOTA_SLOT_B] == MOTA_STATE_CONFIRMED && d.bl.journal.st.active == MOTA_SLOT_B) return;
  if (b.slot != MOTA_SLOT_B) { /* the trial reverted or the upload was cut: push again */
    dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
    CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, &recovered_from), 0, "recovery upload");
    dev_reset(&d, MOTA_REQ_NONE, 0);
    b = dev_boot(&d);
  }
  CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_TRIAL, "recovery trial boot");
  dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_B);
  dev_boot(&d);
}

static int is_model(uint32_t slot, const pkg_t *p) { return slot_holds(&d, slot, p); }

void test_power_cuts(const char *dir) {
  if (load_scenario_packages(dir) != 0) return;
  static unsigned long long total_cuts, resumed, begin_erase_cuts;
  static int s;
  static uint32_t fill;
  for (s = INSTALL; s <= ROLLBACK; s++) {
    for (fill = 0; fill < 3u; fill++) {
      setup((scenario_t)s);
      fill_journal(fill);
      memcpy(snapshot, sim_flash.mem, sizeof snapshot);
      uint64_t ops0 = sim_flash.ops;
      run((scenario_t)s);
      uint64_t nops = sim_flash.ops - ops0;
      CHECK(nops > 0, "%s performs flash operations", names[s]);
      static uint64_t k;
      for (k = 0; k < nops; k++) {
        memcpy(sim_flash.mem, snapshot, sizeof snapshot);
        sim_flash.ops = 0;
        sim_flash.rng = (uint32_t)(k * 2654435761u + (uint32_t)s * 97u + fill + 1u);
        sim_flash_arm_cut(k, &cut);
        if (setjmp(cut) == 0) {
          run((scenario_t)s);
          CHECK(0, "%s: no cut at op %llu", names[s], (unsigned long long)k);
          continue;
        }
        sim_flash_disarm();
        total_cuts++;
        int ph = phase;
        uint32_t acked = dev_acked;
        int after_begin = dev_in_after_reply; /* cut in the erases BEGIN does after answering */
        dev_in_after_reply = 0;
        /* power back on: the mailbox is gone, no request */
        dev_reset(&d, MOTA_REQ_NONE, 0);
        CHECK_EQ(d.init_rc, 0, "journal readable");
        mota_boot_t b = dev_boot(&d);
        CHECK(b.slot != MOTA_SLOT_NONE, "%s fill %u cut %llu: something boots", names[s], fill, (unsigned long long)k);
        if (b.slot == MOTA_SLOT_NONE) continue;
        CHECK(slot_verifies(&d, b.slot) == 0, "%s cut %llu: the booted model verifies", names[s], (unsigned long long)k);
        CHECK(is_model(b.slot, &pkg_v100) || is_model(b.slot, &pkg_v110), "booted model is the old or the new one");
        /* the confirmed model 1.0.0 in slot A is never lost */
        CHECK(d.bl.journal.st.state[MOTA_SLOT_A] == MOTA_STATE_CONFIRMED && is_model(MOTA_SLOT_A, &pkg_v100) &&
                  slot_verifies(&d, MOTA_SLOT_A) == 0,
              "%s fill %u cut %llu (phase %d): slot A still holds confirmed 1.0.0", names[s], fill,
              (unsigned long long)k, ph);
        if (s == ROLLBACK)
          CHECK(d.bl.journal.st.state[MOTA_SLOT_B] == MOTA_STATE_CONFIRMED && slot_verifies(&d, MOTA_SLOT_B) == 0,
                "rollback cut %llu: slot B still confirmed", (unsigned long long)k);
        if (b.state == MOTA_STATE_CONFIRMED) CHECK_EQ(b.slot, d.bl.journal.st.active, "confirmed boot is the active slot");
        /* the host retries and reaches the intended state */
        uint32_t before = d.bl.journal.st.state[MOTA_SLOT_B];
        if (s == INSTALL && before == MOTA_STATE_EMPTY && ph == 0) resumed++;
        recover((scenario_t)s);
        if (s == INSTALL && ph == 0) {
          /* slot B held another package (the rejected big model): a resume may name only what
           * the device acknowledged before the cut, never stale bytes as if uploaded */
          CHECK(recovered_from == UINT32_MAX || recovered_from <= acked / MOTA_PAGE_SIZE * MOTA_PAGE_SIZE,
                "install fill %u cut %llu: resumed at %u with %u acknowledged", fill, (unsigned long long)k,
                recovered_from, acked);
          if (after_begin) {
            begin_erase_cuts++;
            CHECK(recovered_from == 0, "install fill %u cut %llu in BEGIN's erase after its answer: fresh start, not %u",
                  fill, (unsigned long long)k, recovered_from);
          }
        }
        dev_reset(&d, MOTA_REQ_NONE, 0);
        b = dev_boot(&d);
        uint32_t want = s == ROLLBACK ? MOTA_SLOT_A : MOTA_SLOT_B;
        CHECK(b.slot == want && b.state == MOTA_STATE_CONFIRMED && d.bl.journal.st.active == want,
              "%s fill %u cut %llu: recovered (boots %u state %u)", names[s], fill, (unsigned long long)k, b.slot,
              b.state);
        CHECK(d.bl.journal.st.state[MOTA_SLOT_A] == MOTA_STATE_CONFIRMED &&
                  d.bl.journal.st.state[MOTA_SLOT_B] == MOTA_STATE_CONFIRMED,
              "both models confirmed at the end");
      }
      CHECK_EQ(sim_flash.refused, 0, "%s fill %u: no write to unerased flash", names[s], fill);
    }
  }
  CHECK(resumed > 0, "some cuts were recovered by resuming");
  CHECK(begin_erase_cuts > 0, "some cuts fell in the erases BEGIN does after its answer");
  printf("power cuts: %llu cuts checked (%llu during an upload, %llu in BEGIN's erases after its answer)\n", total_cuts,
         resumed, begin_erase_cuts);
}
