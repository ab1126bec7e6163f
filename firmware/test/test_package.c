/*
 * Host test of protocol/c/mota_package.c against the golden vectors (SPEC §1.7): every
 * vector expecting a code of checks 1-13 must give exactly that code; vectors expecting
 * ok or checks 14-16 (hash, key, signature: the bootloader's part) must pass 1-13.
 * Valid packages with a self-test must also pass it through our interpreter.
 * Also pins the CRC check values of SPEC §1.4 and slot selection (model.c).
 * Usage: test_package VECTORS.txt PACKAGE_DIR   (VECTORS.txt from gen-vectors.mjs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"
#include "model.h"



static void crc_check_values(void) {
  CHECK(mota_crc32_bytes((const uint8_t *)"123456789", 9) == 0x0376E6E7u, "byte-wise check value");
  const uint8_t words[8] = {1, 2, 3, 4, 5, 6, 7, 8}, swapped[8] = {4, 3, 2, 1, 8, 7, 6, 5};
  CHECK(mota_crc32_words(0xFFFFFFFFu, words, 8) == mota_crc32_bytes(swapped, 8), "word order");
}

static int run_vectors(const char *list, const char *dir, const uint8_t **valid_out, uint32_t *valid_len) {
  FILE *f = fopen(list, "r");
  if (!f) {
    fprintf(stderr, "FAIL cannot open %s\n", list);
    failures++;
    return 0;
  }
  char name[256];
  unsigned long capacity;
  int expected, n = 0;
  static mi_interp_t it;
  static uint8_t arena[4096];
  while (fscanf(f, "%255s %lu %d", name, &capacity, &expected) == 3) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint32_t len;
    uint8_t *img = read_file(path, &len);
    CHECK(img != NULL, "cannot read %s", path);
    if (!img) continue;
    mota_package_view_t v;
    int rc = mota_package_check_ex(img, len, (uint32_t)capacity, 1, &v);
    int want = (expected >= MOTA_PKG_E_HASH_MISMATCH && expected <= MOTA_PKG_E_SIG_INVALID) ? 0 : expected;
    CHECK(rc == want, "%s (capacity %lu): got %s, want %s", name, capacity, mota_package_error_name(rc),
          mota_package_error_name(want));
    if (rc == MOTA_PKG_OK && expected == 0 && v.selftest) {
      mi_init(&it);
      int lrc = mi_load(&it, v.payload, v.payload_size, arena, sizeof arena);
      CHECK(lrc == MI_OK, "%s: interpreter load: %s", name, mi_error(&it));
      if (lrc == MI_OK) {
        mota_selftest_result_t r;
        mota_selftest_run(&it, &v, &r);
        CHECK(r.ran && r.passed == r.count && r.count > 0, "%s: self-test %u/%u (max diff %u)", name, r.passed,
              r.count, r.max_diff);
      }
    }
    if (rc == MOTA_PKG_OK && expected == 0 && !*valid_out) {
      *valid_out = img;
      *valid_len = len;
    } else {
      free(img);
    }
    n++;
  }
  fclose(f);
  CHECK(n >= 10, "only %d vectors read from %s", n, list);
  return n;
}

/* Slot choice: the higher valid version wins without a hand-off; a hand-off names the slot. */
static void slot_choice(const uint8_t *valid, uint32_t len) {
  const uint32_t cap = 98304;
  uint8_t *a = calloc(cap, 1), *b = calloc(cap, 1);
  memset(a, 0xFF, cap); /* erased flash */
  memset(b, 0xFF, cap);
  const uint8_t *slots[2] = {a, b};
  mota_slot_choice_t c;
  CHECK(!mota_choose_slot(NULL, slots, cap, &c) && c.check_a == MOTA_PKG_E_BAD_MAGIC, "empty slots are rejected");
  memcpy(b, valid, len);
  CHECK(mota_choose_slot(NULL, slots, cap, &c) && c.slot == MOTA_SLOT_B, "the only valid slot is chosen");
  memcpy(a, valid, len);
  CHECK(mota_choose_slot(NULL, slots, cap, &c) && c.slot == MOTA_SLOT_A, "equal versions: slot A");
  b[200] ^= 1u; /* damage the payload of B: body CRC */
  CHECK(mota_choose_slot(NULL, slots, cap, &c) && c.slot == MOTA_SLOT_A && c.check_b == MOTA_PKG_E_BODY_CRC,
        "damaged slot B is skipped");
  mota_handoff_t h = {0};
  h.magic = MOTA_HANDOFF_MAGIC;
  h.boot_slot = MOTA_SLOT_B;
  h.slot_state = MOTA_BOOT_TRIAL;
  h.check = mota_handoff_checksum(&h);
  CHECK(!mota_choose_slot(&h, slots, cap, &c) && c.check_b == MOTA_PKG_E_BODY_CRC,
        "a hand-off naming a damaged slot gives no model");
  b[200] ^= 1u;
  CHECK(mota_choose_slot(&h, slots, cap, &c) && c.slot == MOTA_SLOT_B && c.from_handoff && c.state == MOTA_BOOT_TRIAL,
        "the hand-off names the slot");
  h.check ^= 1u;
  CHECK(mota_choose_slot(&h, slots, cap, &c) && !c.from_handoff, "a garbled hand-off is ignored");
  free(a);
  free(b);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_package VECTORS.txt PACKAGE_DIR\n");
    return 64;
  }
  crc_check_values();
  const uint8_t *valid = NULL;
  uint32_t valid_len = 0;
  int n = run_vectors(argv[1], argv[2], &valid, &valid_len);
  CHECK(valid != NULL, "no valid vector");
  if (valid) slot_choice(valid, valid_len);
  free((void *)valid);
  if (failures) {
    fprintf(stderr, "test_package: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_package: %d vectors, CRC check values, slot choice: ok\n", n);
  return 0;
}
