#include "frame.h"

#include <string.h>

/* Nibble table for poly 0x04C11DB7, MSB first: 64 bytes of flash instead of 1 KiB. */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x04C11DB7u, 0x09823B6Eu, 0x0D4326D9u, 0x130476DCu, 0x17C56B6Bu, 0x1A864DB2u, 0x1E475005u,
    0x2608EDB8u, 0x22C9F00Fu, 0x2F8AD6D6u, 0x2B4BCB61u, 0x350C9B64u, 0x31CD86D3u, 0x3C8EA00Au, 0x384FBDBDu,
};

uint32_t mota_frame_crc(uint32_t crc, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    crc ^= (uint32_t)data[i] << 24;
    crc = (crc << 4) ^ crc_nibble[crc >> 28];
    crc = (crc << 4) ^ crc_nibble[crc >> 28];
  }
  return crc;
}

size_t mota_frame_seal(uint8_t *out, uint8_t type, uint8_t seq, uint16_t len) {
  out[0] = MOTA_FRAME_SYNC;
  out[1] = type;
  out[2] = seq;
  mota_put16(out + 3, len);
  size_t n = MOTA_FRAME_HEADER + (size_t)len;
  mota_put32(out + n, mota_frame_crc(0xFFFFFFFFu, out, n));
  return n + 4u;
}

void mota_rx_init(mota_rx_t *rx, mota_rx_role_t role) {
  memset(rx, 0, sizeof *rx);
  rx->role = (uint8_t)role;
}

static int type_accepted(const mota_rx_t *rx, uint8_t t) {
  if (rx->role == MOTA_RX_DEVICE) return t >= MOTA_T_INFO && t <= MOTA_T_LAST_REQUEST;
  return t == MOTA_T_ERROR || (t >= (MOTA_T_INFO | MOTA_T_RESPONSE) && t <= (MOTA_T_LAST_REQUEST | MOTA_T_RESPONSE));
}

static void drop(mota_rx_t *rx, uint16_t n) {
  memmove(rx->buf, rx->buf + n, (size_t)(rx->len - n));
  rx->len = (uint16_t)(rx->len - n);
}

int mota_rx_poll(mota_rx_t *rx, mota_frame_t *f) {
  if (rx->pending) {
    rx->pending = 0;
    drop(rx, (uint16_t)(MOTA_FRAME_OVERHEAD + mota_get16(rx->buf + 3)));
  }
  for (;;) {
    uint16_t skip = 0;
    while (skip < rx->len && rx->buf[skip] != MOTA_FRAME_SYNC) skip++;
    if (skip) {
      rx->dropped += skip;
      drop(rx, skip);
    }
    if (rx->len < 2) return 0;
    if (!type_accepted(rx, rx->buf[1])) goto reject;
    if (rx->len < MOTA_FRAME_HEADER) return 0;
    uint16_t plen = mota_get16(rx->buf + 3);
    if (plen > MOTA_MAX_PAYLOAD) goto reject;
    size_t total = MOTA_FRAME_OVERHEAD + (size_t)plen;
    if (rx->len < total) return 0;
    if (mota_frame_crc(0xFFFFFFFFu, rx->buf, total - 4u) != mota_get32(rx->buf + total - 4u)) {
      rx->bad_crc++;
      goto reject;
    }
    f->type = rx->buf[1];
    f->seq = rx->buf[2];
    f->len = plen;
    f->payload = rx->buf + MOTA_FRAME_HEADER;
    rx->pending = 1;
    return 1;
  reject:
    rx->dropped++;
    drop(rx, 1);
  }
}

int mota_rx_push(mota_rx_t *rx, uint8_t byte, mota_frame_t *f) {
  if (rx->pending) {
    rx->pending = 0;
    drop(rx, (uint16_t)(MOTA_FRAME_OVERHEAD + mota_get16(rx->buf + 3)));
  }
  if (rx->len == 0 && byte != MOTA_FRAME_SYNC) {
    rx->dropped++;
    return 0;
  }
  /* Cannot overflow: a buffered prefix is always shorter than its complete frame. */
  rx->buf[rx->len++] = byte;
  /* Fast path inside a frame's body: exactly mota_rx_poll's verdict when the buffer starts
   * with an acceptable header and the frame is not complete yet (poll would return 0 and
   * change nothing), without its loop for every byte. */
  if (rx->len > MOTA_FRAME_HEADER && rx->buf[0] == MOTA_FRAME_SYNC && type_accepted(rx, rx->buf[1])) {
    uint16_t plen = mota_get16(rx->buf + 3);
    if (plen <= MOTA_MAX_PAYLOAD && (size_t)rx->len < MOTA_FRAME_OVERHEAD + (size_t)plen) return 0;
  }
  return mota_rx_poll(rx, f);
}

void mota_rx_timeout(mota_rx_t *rx) {
  if (rx->len == 0 || rx->pending) return;
  rx->dropped++;
  drop(rx, 1);
}
