#include "device.h"

#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "harness.h"

static const uint8_t uid[12] = {0x33, 0x00, 0x2c, 0x00, 0x0d, 0x51, 0x36, 0x30, 0x39, 0x36, 0x34, 0x33};
static const uint32_t slots[2] = {MOTA_SLOT_A_ADDR, MOTA_SLOT_B_ADDR};
static mota_key_t keys[2];
static mota_keyring_t ring = {keys, 1};
const mota_keyring_t *test_ring = &ring;

uint32_t dev_acked;
int dev_in_after_reply;

pkg_t pkg_v100, pkg_v110, pkg_v090, pkg_big, pkg_other, pkg_badsig;

void dev_reset(device_t *d, uint32_t request, uint32_t boot_slot) {
  memset(d, 0, sizeof *d);
  d->init_rc = mota_bl_init(&d->bl, MOTA_JOURNAL_ADDR, slots, MOTA_SLOT_SIZE, test_ring);
  if (d->init_rc == 0) d->init_rc = mota_bl_request(&d->bl, request, boot_slot);
  mota_proto_init(&d->proto, &d->bl, uid, MOTA_BOARD_NAME, MOTA_FLASH_SIZE, 0);
  mota_rx_init(&d->rx, MOTA_RX_DEVICE);
}

mota_boot_t dev_boot(device_t *d) {
  mota_boot_t b;
  int rc = mota_bl_decide(&d->bl, &b);
  CHECK_EQ(rc, 0, "boot decision wrote its journal record");
  return b;
}

uint8_t dev_call(device_t *d, uint8_t type, const uint8_t *payload, uint16_t len) {
  static uint8_t req[MOTA_MAX_FRAME], resp[MOTA_MAX_FRAME];
  if (len) memcpy(req + MOTA_FRAME_HEADER, payload, len);
  size_t n = mota_frame_seal(req, type, ++d->seq, len);
  d->frames_sent++;
  d->rtype = 0;
  mota_frame_t f;
  for (size_t i = 0; i < n; i++) {
    if (!mota_rx_push(&d->rx, req[i], &f)) continue;
    size_t rn = mota_proto_handle(&d->proto, &f, resp);
    mota_rx_t host;
    mota_rx_init(&host, MOTA_RX_HOST);
    mota_frame_t r;
    int got = 0;
    for (size_t k = 0; k < rn; k++) got += mota_rx_push(&host, resp[k], &r);
    CHECK(got == 1 && r.seq == d->seq, "one response frame with the request's seq");
    if (got == 1) {
      d->rtype = r.type;
      d->rlen = r.len;
      memcpy(d->rpayload, r.payload, r.len);
    }
    /* as the port does once the response is sent: the host has it before these erases */
    if (d->proto.action == MOTA_ACT_ERASE) {
      dev_in_after_reply = 1;
      mota_proto_after_reply(&d->proto);
      dev_in_after_reply = 0;
    }
  }
  return d->rtype;
}

int dev_error(const device_t *d) { return d->rtype == MOTA_T_ERROR ? mota_get16(d->rpayload + 2) : 0; }

int dev_upload(device_t *d, const pkg_t *p, uint8_t options, int stop_after, uint32_t *resumed_at) {
  uint8_t begin[MOTA_PKG_HEADER_SIZE + 1];
  memcpy(begin, p->bytes, MOTA_PKG_HEADER_SIZE);
  begin[MOTA_PKG_HEADER_SIZE] = options;
  dev_acked = 0;
  if (dev_call(d, MOTA_T_BEGIN, begin, sizeof begin) != (MOTA_T_BEGIN | MOTA_T_RESPONSE)) return dev_error(d);
  uint32_t off = mota_get32(d->rpayload + 4);
  if (resumed_at) *resumed_at = off;
  dev_acked = off;
  CHECK(mota_get32(d->rpayload + 8) == p->len, "BEGIN echoes image_size");
  uint8_t buf[MOTA_MAX_PAYLOAD];
  int frames = 0;
  while (off < p->len) {
    if (stop_after >= 0 && frames == stop_after) return -1;
    uint32_t n = p->len - off < MOTA_MAX_DATA ? p->len - off : MOTA_MAX_DATA;
    mota_put32(buf, off);
    memcpy(buf + 4, p->bytes + off, n);
    if (dev_call(d, MOTA_T_DATA, buf, (uint16_t)(n + 4)) != (MOTA_T_DATA | MOTA_T_RESPONSE)) return dev_error(d);
    uint32_t next = mota_get32(d->rpayload + 4);
    CHECK(next == off + n, "DATA at %u acknowledged with next_offset %u", off, next);
    off = next;
    dev_acked = next;
    frames++;
  }
  if (dev_call(d, MOTA_T_END, NULL, 0) != (MOTA_T_END | MOTA_T_RESPONSE)) return dev_error(d);
  return 0;
}

int slot_verifies(const device_t *d, uint32_t slot) {
  return mota_verify_package(mota_flash_map(d->bl.slot_addr[slot]), MOTA_SLOT_SIZE, MOTA_SLOT_SIZE, 0, test_ring, NULL);
}

int slot_holds(const device_t *d, uint32_t slot, const pkg_t *p) {
  return memcmp(mota_flash_map(d->bl.slot_addr[slot]), p->bytes, p->len) == 0;
}

static int load(const char *dir, const char *name, pkg_t *p) {
  char path[512];
  snprintf(path, sizeof path, "%s/scenario/%s.mota", dir, name);
  size_t n = 0;
  p->bytes = read_file(path, &n);
  p->len = (uint32_t)n;
  CHECK(p->bytes != NULL, "cannot read %s", path);
  return p->bytes ? 0 : -1;
}

int load_scenario_packages(const char *dir) {
  if (pkg_v100.bytes) return 0;
  char path[512];
  snprintf(path, sizeof path, "%s/scenario/keys.txt", dir);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL, "cannot open %s", path);
  if (!f) return -1;
  char name[16], id[16], pub[80];
  int n = 0;
  while (n < 2 && fscanf(f, "key %15s %15s %79s\n", name, id, pub) == 3) {
    hex_decode(id, keys[n].key_id, 4);
    hex_decode(pub, keys[n].pub, 32);
    n++;
  }
  fclose(f);
  CHECK(n == 2, "two scenario keys");
  /* the bootloader trusts only the first (dev) key; "other" signs the unknown-key package */
  return load(dir, "sine-1.0.0", &pkg_v100) | load(dir, "sine-1.1.0", &pkg_v110) | load(dir, "sine-0.9.0", &pkg_v090) |
         load(dir, "big-2.0.0", &pkg_big) | load(dir, "other-1.2.0", &pkg_other) | load(dir, "badsig-1.1.0", &pkg_badsig);
}
