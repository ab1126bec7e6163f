/*
 * Random request sequences against the core (seeded): valid and damaged headers, DATA at
 * random offsets and lengths, END, CONFIRM, ROLLBACK, ABORT, BOOT, resets with random
 * mailbox requests. Under ASan/UBSan nothing may crash, flash outside the journal and
 * slots is never touched (sim_flash aborts), and once a model was confirmed the device
 * always has an active slot whose model passes checks 1-16.
 */
#include <string.h>

#include "device.h"
#include "flash.h"
#include "harness.h"

static uint32_t rng = 0xC0FFEEu;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static device_t d;

void test_fuzz(const char *dir) {
  if (load_scenario_packages(dir) != 0) return;
  const pkg_t *pkgs[] = {&pkg_v100, &pkg_v110, &pkg_v090, &pkg_big, &pkg_other, &pkg_badsig};
  sim_flash_reset(9);
  dev_reset(&d, MOTA_REQ_NONE, 0);
  CHECK_EQ(dev_upload(&d, &pkg_v100, 0, -1, NULL), 0, "first model");
  dev_reset(&d, MOTA_REQ_NONE, 0);
  dev_boot(&d);
  dev_reset(&d, MOTA_REQ_CONFIRM, MOTA_SLOT_A);
  dev_boot(&d);
  static uint8_t buf[MOTA_MAX_PAYLOAD];
  const pkg_t *cur = &pkg_v110;
  uint32_t confirmed_seen = 0, steps = 10000, bad = 0, installs = 0, switches = 0;
  uint8_t last_active = d.bl.journal.st.active, verified_active = MOTA_SLOT_NONE;
  for (uint32_t i = 0; i < steps; i++) {
    uint32_t r = rnd() % 100u;
    if (r < 8) { /* BEGIN, sometimes with a damaged header */
      cur = pkgs[rnd() % 6u];
      memcpy(buf, cur->bytes, 128);
      buf[128] = (uint8_t)(rnd() % 4u == 0 ? MOTA_BEGIN_ALLOW_DOWNGRADE : 0);
      if (rnd() % 5u == 0) buf[rnd() % 129u] ^= (uint8_t)(1u << (rnd() % 8u));
      dev_call(&d, MOTA_T_BEGIN, buf, 129);
    } else if (r < 70) { /* DATA: mostly the right next chunk, sometimes anything */
      uint32_t off = d.proto.next_offset, n = MOTA_MAX_DATA;
      if (rnd() % 8u == 0) off = (rnd() % (cur->len + 64u)) & ~7u;
      if (rnd() % 8u == 0) n = (rnd() % MOTA_MAX_DATA) + 1u;
      if (off > cur->len) off = cur->len;
      if (n > cur->len - off && rnd() % 4u) n = cur->len - off;
      mota_put32(buf, off);
      for (uint32_t k = 0; k < n; k++) buf[4 + k] = off + k < cur->len ? cur->bytes[off + k] : (uint8_t)rnd();
      if (rnd() % 50u == 0 && n) buf[4 + rnd() % n] ^= 0x10; /* corrupted in transit, CRC intact */
      dev_call(&d, MOTA_T_DATA, buf, (uint16_t)(n + 4u));
    } else if (r < 78) {
      if (dev_call(&d, MOTA_T_END, NULL, 0) == (MOTA_T_END | MOTA_T_RESPONSE)) installs++;
    } else if (r < 81) {
      dev_call(&d, MOTA_T_CONFIRM, NULL, 0);
    } else if (r < 84) {
      dev_call(&d, MOTA_T_ROLLBACK, NULL, 0);
    } else if (r < 86) {
      dev_call(&d, MOTA_T_ABORT, NULL, 0);
    } else if (r < 89) {
      dev_call(&d, MOTA_T_STATUS, NULL, 0);
      dev_call(&d, MOTA_T_INFO, NULL, 0);
    } else { /* a reset with a random request, then maybe the boot decision */
      static const uint32_t reqs[] = {MOTA_REQ_NONE, MOTA_REQ_STAY_IN_BOOTLOADER, MOTA_REQ_CONFIRM, MOTA_REQ_ROLLBACK};
      dev_reset(&d, reqs[rnd() % 4u], rnd() % 3u);
      if (rnd() % 2u) {
        mota_boot_t b = dev_boot(&d);
        if (b.state == MOTA_STATE_TRIAL && rnd() % 2u) { /* the app passes its self-test */
          dev_reset(&d, MOTA_REQ_CONFIRM, b.slot);
          dev_boot(&d);
        }
      }
    }
    const mota_state_t *st = &d.bl.journal.st;
    if (st->active != last_active) {
      switches++;
      verified_active = MOTA_SLOT_NONE;
    }
    last_active = st->active;
    for (uint32_t s = 0; s < MOTA_SLOTS; s++)
      if (st->state[s] == MOTA_STATE_CONFIRMED) confirmed_seen++;
    /* the boot check every step; the full checks 1-16 when the active slot changed */
    int ok = st->active < MOTA_SLOTS && st->state[st->active] == MOTA_STATE_CONFIRMED &&
             mota_bl_slot_ok(&d.bl, st->active) == 0 &&
             (st->active == verified_active || slot_verifies(&d, st->active) == 0);
    if (ok) verified_active = st->active;
    if (!ok && bad++ < 5) CHECK(ok, "step %u: no verified confirmed active slot (active %u)", i, st->active);
  }
  CHECK_EQ(bad, 0, "steps without a verified confirmed active slot");
  CHECK_EQ(sim_flash.refused, 0, "no write to unerased flash");
  CHECK(confirmed_seen > 0, "the fuzz kept a confirmed model");
  CHECK(installs > 5 && switches > 3, "the fuzz installed (%u) and switched models (%u)", installs, switches);
  printf("fuzz: %u random requests, %u verified installs, %u active-slot switches, journal seq %u, %llu flash ops\n",
         steps, installs, switches, d.bl.journal.seq, (unsigned long long)sim_flash.ops);
}
