/* The protocol and every slot-state transition, driven through frames as a host would. */
#include <string.h>

#include "device.h"
#include "flash.h"
#include "harness.h"

static device_t d;

static uint8_t state_of(uint32_t s) { return d.bl.journal.st.state[s]; }

/* Install p as the new model the way `mota push` does; returns the booted slot. */
static void push_and_confirm(const pkg_t *p, uint32_t expect_slot) {
  CHECK_EQ(dev_upload(&d, p, 0, -1, NULL), 0, "upload");
  CHECK_EQ(state_of(expect_slot), MOTA_STATE_PENDING, "END leaves the slot PENDING");
  CHECK_EQ(dev_call(&d, MOTA_T_BOOT, NULL, 0), MOTA_T_BOOT | MOTA_T_RESPONSE, "BOOT");
  CHECK_EQ(d.proto.action, MOTA_ACT_RESET, "BOOT asks the port to reset");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  mota_boot_t b = dev_boot(&d);
  CHECK(b.slot == expect_slot && b.state == MOTA_STATE_TRIAL, "PENDING boots in TRIAL (slot %u state %u)", b.slot,
        b.state);
  dev_reset(&d, MOTA_REQ_CONFIRM, expect_slot); /* the app confirms through the mailbox */
  b = dev_boot(&d);
  CHECK(b.slot == expect_slot && b.state == MOTA_STATE_CONFIRMED, "confirmed slot boots as CONFIRMED");
  CHECK_EQ(d.bl.journal.st.active, expect_slot, "confirmed slot is active");
}

static void info_checks(void) {
  CHECK_EQ(dev_call(&d, MOTA_T_INFO, NULL, 0), MOTA_T_INFO | MOTA_T_RESPONSE, "INFO answered");
  CHECK_EQ(d.rlen, MOTA_INFO_SIZE, "INFO size");
  CHECK(d.rpayload[0] == 1 && d.rpayload[1] == 1 && mota_get16(d.rpayload + 2) == MOTA_MAX_PAYLOAD &&
            d.rpayload[4] == MOTA_WINDOW,
        "INFO protocol, mode, max_payload, window");
  CHECK(memcmp(d.rpayload + 24, MOTA_BOARD_NAME, strlen(MOTA_BOARD_NAME)) == 0, "INFO board");
  CHECK(mota_get32(d.rpayload + 44) == MOTA_PAGE_SIZE && mota_get32(d.rpayload + 48) == MOTA_SLOT_SIZE &&
            mota_get32(d.rpayload + 52) == MOTA_SLOT_A_ADDR && mota_get32(d.rpayload + 56) == MOTA_SLOT_B_ADDR,
        "INFO layout");
}

void test_scenarios(const char *dir) {
  if (load_scenario_packages(dir) != 0) return;
  sim_flash_reset(3);

  /* empty device: nothing to boot, INFO shows empty slots, BOOT refuses */
  dev_reset(&d, MOTA_REQ_NONE, 0);
  mota_boot_t b = dev_boot(&d);
  CHECK_EQ(b.slot, MOTA_SLOT_NONE, "an empty device stays in the bootloader");
  info_checks();
  CHECK(d.rpayload[5] == MOTA_SLOT_NONE && d.rpayload[64] == MOTA_STATE_EMPTY && d.rpayload[112] == MOTA_STATE_EMPTY,
        "INFO: no active slot, both EMPTY");
  CHECK_EQ(dev_call(&d, MOTA_T_BOOT, NULL, 0), MOTA_T_ERROR, "BOOT without a model");
  CHECK_EQ(dev_error(&d), MOTA_E_NO_MODEL, "NO_MODEL");
  CHECK_EQ(dev_call(&d, MOTA_T_CONFIRM, NULL, 0), MOTA_T_ERROR, "CONFIRM without trial");
  CHECK_EQ(dev_error(&d), MOTA_E_NOTHING_TO_CONFIRM, "NOTHING_TO_CONFIRM");
  CHECK_EQ(dev_call(&d, MOTA_T_ROLLBACK, NULL, 0), MOTA_T_ERROR, "ROLLBACK on an empty device");
  CHECK_EQ(dev_error(&d), MOTA_E_NOTHING_TO_ROLL_BACK, "NOTHING_TO_ROLL_BACK");
  CHECK_EQ(dev_call(&d, MOTA_T_DATA, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0", 12), MOTA_T_ERROR, "DATA first");
  CHECK_EQ(dev_error(&d), MOTA_E_NO_SESSION, "NO_SESSION");
  CHECK_EQ(dev_call(&d, MOTA_T_INFO, (const uint8_t *)"x", 1), MOTA_T_ERROR, "INFO with a payload");
  CHECK_EQ(dev_error(&d), MOTA_E_BAD_LENGTH, "BAD_LENGTH");

  /* first install into slot A: EMPTY -> PENDING -> TRIAL -> CONFIRMED */
  push_and_confirm(&pkg_v100, MOTA_SLOT_A);
  CHECK_EQ(sim_flash.refused, 0, "no write to unerased flash");

  /* refusals at BEGIN, before any flash write */
  uint64_t ops = sim_flash.ops;
  CHECK_EQ(dev_upload(&d, &pkg_v090, 0, -1, NULL), MOTA_E_DOWNGRADE, "downgrade refused");
  CHECK_EQ(dev_upload(&d, &pkg_other, 0, -1, NULL), MOTA_PKG_E_UNKNOWN_KEY, "unknown key refused at BEGIN");
  uint8_t bad_hdr[129];
  memcpy(bad_hdr, pkg_v110.bytes, 128);
  bad_hdr[128] = 0x02;
  CHECK(dev_call(&d, MOTA_T_BEGIN, bad_hdr, 129) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_BAD_OPTIONS, "BAD_OPTIONS");
  bad_hdr[128] = 0;
  bad_hdr[20] ^= 1;
  CHECK(dev_call(&d, MOTA_T_BEGIN, bad_hdr, 129) == MOTA_T_ERROR && dev_error(&d) == MOTA_PKG_E_HEADER_CRC,
        "PKG_HEADER_CRC at BEGIN");
  CHECK(dev_call(&d, MOTA_T_BEGIN, bad_hdr, 128) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_BAD_LENGTH, "BEGIN length");
  CHECK(sim_flash.ops == ops, "refused BEGINs wrote nothing");

  /* a bad signature is refused at END; the confirmed model keeps running */
  CHECK_EQ(dev_upload(&d, &pkg_badsig, 0, -1, NULL), MOTA_PKG_E_SIG_INVALID, "bad signature refused at END");
  CHECK(state_of(MOTA_SLOT_B) == MOTA_STATE_EMPTY && d.bl.journal.st.active == MOTA_SLOT_A, "old model still active");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED, "boots the old model after a refused package");

  /* the protocol's DATA rules */
  uint8_t begin[129];
  memcpy(begin, pkg_v110.bytes, 128);
  begin[128] = 0;
  CHECK_EQ(dev_call(&d, MOTA_T_BEGIN, begin, 129), MOTA_T_BEGIN | MOTA_T_RESPONSE, "BEGIN");
  CHECK(d.rpayload[0] == MOTA_SLOT_B && mota_get32(d.rpayload + 4) == 0, "fresh BEGIN after a failed END starts at 0");
  uint8_t buf[MOTA_MAX_PAYLOAD];
  mota_put32(buf, 1024);
  memcpy(buf + 4, pkg_v110.bytes + 1024, 1024);
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1028) == (MOTA_T_DATA | MOTA_T_RESPONSE) && mota_get32(d.rpayload) == 1024 &&
            mota_get32(d.rpayload + 4) == 0,
        "a frame after a gap is answered with the next expected offset");
  mota_put32(buf, 0);
  memcpy(buf + 4, pkg_v110.bytes, 1024);
  buf[4 + 10] ^= 1;
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1028) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_HEADER_MISMATCH, "HEADER_MISMATCH");
  buf[4 + 10] ^= 1;
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1027) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_BAD_LENGTH, "DATA length not a multiple of 8");
  mota_put32(buf, 4);
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1028) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_OUT_OF_RANGE, "misaligned offset");
  mota_put32(buf, 0);
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1028) == (MOTA_T_DATA | MOTA_T_RESPONSE) && mota_get32(d.rpayload + 4) == 1024,
        "DATA accepted");
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 1028) == (MOTA_T_DATA | MOTA_T_RESPONSE) && mota_get32(d.rpayload + 4) == 1024,
        "a duplicate is acknowledged, not rewritten");
  CHECK_EQ(dev_call(&d, MOTA_T_STATUS, NULL, 0), MOTA_T_STATUS | MOTA_T_RESPONSE, "STATUS");
  CHECK(d.rpayload[0] == MOTA_SESSION_RECEIVING && d.rpayload[1] == MOTA_SLOT_B && mota_get32(d.rpayload + 4) == 1024 &&
            mota_get32(d.rpayload + 8) == pkg_v110.len && mota_get32(d.rpayload + 12) == mota_get32(pkg_v110.bytes + 124),
        "STATUS reports the session");
  CHECK(dev_call(&d, MOTA_T_END, NULL, 0) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_INCOMPLETE &&
            mota_get32(d.rpayload + 4) == 1024,
        "END before the last byte is INCOMPLETE with next_offset");
  mota_put32(buf, pkg_v110.len);
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 12) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_OUT_OF_RANGE, "beyond image_size");

  /* interrupted upload: a reset, then BEGIN with the same header resumes */
  dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
  CHECK(dev_call(&d, MOTA_T_DATA, buf, 12) == MOTA_T_ERROR && dev_error(&d) == MOTA_E_NO_SESSION, "no session after reset");
  uint32_t resumed = 99;
  CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, &resumed), 0, "resumed upload completes");
  CHECK_EQ(resumed, 0, "1024 bytes written: the first page is redone");
  CHECK(slot_holds(&d, MOTA_SLOT_B, &pkg_v110) && slot_verifies(&d, MOTA_SLOT_B) == 0, "slot B holds 1.1.0");

  /* a PENDING upload rolled back before its trial is REJECTED; the active one stays */
  CHECK(dev_call(&d, MOTA_T_ROLLBACK, NULL, 0) == (MOTA_T_ROLLBACK | MOTA_T_RESPONSE) && d.rpayload[0] == MOTA_SLOT_A,
        "ROLLBACK of a pending slot");
  CHECK_EQ(state_of(MOTA_SLOT_B), MOTA_STATE_REJECTED, "PENDING -> REJECTED");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED, "boots slot A");

  /* unconfirmed trial reverts on the next reset: TRIAL -> REJECTED */
  CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, NULL), 0, "upload after REJECTED (REJECTED -> EMPTY -> PENDING)");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_TRIAL, "trial boot");
  dev_reset(&d, MOTA_REQ_NONE, 0); /* the app crashed or its self-test failed */
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED && state_of(MOTA_SLOT_B) == MOTA_STATE_REJECTED,
        "reverts_when_trial_model_is_not_confirmed");

  /* trial confirmed from a bootloader session (host ENTERed from the trial app) */
  CHECK_EQ(dev_upload(&d, &pkg_v110, 0, -1, NULL), 0, "upload again");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_TRIAL, "trial boot");
  dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, MOTA_SLOT_B);
  info_checks();
  CHECK(d.rpayload[64 + 48 * 1] == MOTA_STATE_TRIAL && mota_get16(d.rpayload + 112 + 4) == 1,
        "INFO shows slot B in TRIAL at 1.1.x");
  CHECK_EQ(dev_call(&d, MOTA_T_CONFIRM, NULL, 0), MOTA_T_CONFIRM | MOTA_T_RESPONSE, "CONFIRM in the session");
  CHECK(state_of(MOTA_SLOT_B) == MOTA_STATE_CONFIRMED && d.bl.journal.st.active == MOTA_SLOT_B &&
            state_of(MOTA_SLOT_A) == MOTA_STATE_CONFIRMED,
        "TRIAL -> CONFIRMED; the previous model stays CONFIRMED");

  /* rollback switches the active confirmed slot, and back again */
  CHECK(dev_call(&d, MOTA_T_ROLLBACK, NULL, 0) == (MOTA_T_ROLLBACK | MOTA_T_RESPONSE) && d.rpayload[0] == MOTA_SLOT_A,
        "ROLLBACK to A");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED, "boots the previous model");
  dev_reset(&d, MOTA_REQ_ROLLBACK, MOTA_SLOT_A); /* the app forwards a ROLLBACK */
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_CONFIRMED, "a second ROLLBACK returns to B");

  /* downgrade allowed with the option; the target is the inactive slot (A, holding 1.0.0) */
  CHECK_EQ(dev_upload(&d, &pkg_v090, MOTA_BEGIN_ALLOW_DOWNGRADE, -1, NULL), 0, "ALLOW_DOWNGRADE");
  CHECK(state_of(MOTA_SLOT_A) == MOTA_STATE_PENDING && state_of(MOTA_SLOT_B) == MOTA_STATE_CONFIRMED,
        "CONFIRMED (inactive) -> EMPTY -> PENDING; active untouched");

  /* ABORT forgets the upload: the next BEGIN starts fresh */
  CHECK_EQ(dev_upload(&d, &pkg_big, 0, 3, NULL), -1, "partial upload of the big package");
  CHECK_EQ(dev_call(&d, MOTA_T_ABORT, NULL, 0), MOTA_T_ABORT | MOTA_T_RESPONSE, "ABORT");
  CHECK(dev_upload(&d, &pkg_big, 0, 0, &resumed) == -1 && resumed == 0, "BEGIN after ABORT starts at 0");
  /* big package: several pages, resumed twice */
  dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
  CHECK_EQ(dev_upload(&d, &pkg_big, 0, 5, &resumed), -1, "first 5 KiB");
  dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
  CHECK_EQ(dev_upload(&d, &pkg_big, 0, 2, &resumed), -1, "resume");
  CHECK(resumed > 0 && resumed % MOTA_PAGE_SIZE == 0 && resumed <= 5u * 1024u, "resumed at a page boundary (%u)", resumed);
  dev_reset(&d, MOTA_REQ_STAY_IN_BOOTLOADER, 0);
  CHECK_EQ(dev_upload(&d, &pkg_big, 0, -1, &resumed), 0, "resume to the end");
  CHECK(slot_holds(&d, MOTA_SLOT_A, &pkg_big), "slot A holds the big package");

  /* a damaged active slot falls back to the other confirmed one */
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d); /* big package trial */
  dev_reset(&d, MOTA_REQ_CONFIRM, b.slot);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && d.bl.journal.st.active == MOTA_SLOT_A, "big package confirmed in A");
  sim_flash_at(MOTA_SLOT_A_ADDR + 200)[0] ^= 0x40; /* flash damage */
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_B && b.state == MOTA_STATE_CONFIRMED && d.bl.journal.st.active == MOTA_SLOT_B,
        "boot check failure falls back to the other confirmed model");

  /* factory image: an empty journal adopts a slot that verifies */
  sim_flash_reset(5);
  memcpy(sim_flash_at(MOTA_SLOT_A_ADDR), pkg_v100.bytes, pkg_v100.len);
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_A && b.state == MOTA_STATE_CONFIRMED && d.bl.journal.seq == 1, "factory slot adopted");
  sim_flash_reset(6);
  memcpy(sim_flash_at(MOTA_SLOT_A_ADDR), pkg_badsig.bytes, pkg_badsig.len);
  dev_reset(&d, MOTA_REQ_NONE, 0);
  b = dev_boot(&d);
  CHECK(b.slot == MOTA_SLOT_NONE && d.bl.journal.seq == 0, "a factory slot with a bad signature is not adopted");
  CHECK_EQ(sim_flash.refused, 0, "no write to unerased flash");
  printf("scenarios: ok\n");
}
