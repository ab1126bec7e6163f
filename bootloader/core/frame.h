/*
 * Update-protocol frames (protocol/SPEC.md §5.1): encoder and a byte-stream receiver that
 * resynchronises after noise by dropping one byte and rescanning. No dependencies, so the
 * app (firmware/) can compile it too to recognise requests on its UART.
 */
#ifndef MOTA_FRAME_H
#define MOTA_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define MOTA_FRAME_SYNC 0xA5u
#define MOTA_FRAME_HEADER 5u   /* sync, type, seq, length u16 */
#define MOTA_FRAME_OVERHEAD 9u /* header + crc u32 */
#define MOTA_MAX_PAYLOAD 1028u
#define MOTA_MAX_DATA (MOTA_MAX_PAYLOAD - 4u)
#define MOTA_MAX_FRAME (MOTA_MAX_PAYLOAD + MOTA_FRAME_OVERHEAD)

/* Request types; a response is type | MOTA_T_RESPONSE. */
#define MOTA_T_INFO 0x01u
#define MOTA_T_ENTER 0x02u
#define MOTA_T_BEGIN 0x03u
#define MOTA_T_DATA 0x04u
#define MOTA_T_STATUS 0x05u
#define MOTA_T_END 0x06u
#define MOTA_T_BOOT 0x07u
#define MOTA_T_CONFIRM 0x08u
#define MOTA_T_ROLLBACK 0x09u
#define MOTA_T_ABORT 0x0Au
#define MOTA_T_LAST_REQUEST MOTA_T_ABORT
#define MOTA_T_RESPONSE 0x80u
#define MOTA_T_ERROR 0xFFu

/* Which frames a receiver accepts (SPEC §5.1): the device takes requests, the host responses. */
typedef enum { MOTA_RX_DEVICE = 0, MOTA_RX_HOST = 1 } mota_rx_role_t;

/* Byte-wise CRC-32/MPEG-2 continuing from crc (start 0xFFFFFFFF); check value 0x0376E6E7. */
uint32_t mota_frame_crc(uint32_t crc, const uint8_t *data, size_t len);

/* Completes a frame whose payload is already at out[5..5+len): writes the header and CRC.
 * Returns the frame length (9 + len). */
size_t mota_frame_seal(uint8_t *out, uint8_t type, uint8_t seq, uint16_t len);

typedef struct {
  uint8_t type;
  uint8_t seq;
  uint16_t len;
  const uint8_t *payload; /* valid until the next mota_rx_* call */
} mota_frame_t;

/* Receiver. buf holds at most one frame's bytes; counters let tests and a host see noise. */
typedef struct {
  uint8_t buf[MOTA_MAX_FRAME];
  uint16_t len;
  uint8_t role;
  uint8_t pending; /* a frame was returned and is consumed on the next call */
  uint32_t dropped; /* bytes dropped as noise or as the first byte of a bad frame */
  uint32_t bad_crc; /* complete frames whose CRC failed */
} mota_rx_t;

void mota_rx_init(mota_rx_t *rx, mota_rx_role_t role);

/* Feeds one byte. Returns 1 and fills *f when a valid frame completes, else 0. Bytes held
 * back by a rescan are examined on later calls (call mota_rx_poll until it returns 0). */
int mota_rx_push(mota_rx_t *rx, uint8_t byte, mota_frame_t *f);

/* Re-examines buffered bytes without adding one (after a frame or a drop). */
int mota_rx_poll(mota_rx_t *rx, mota_frame_t *f);

/* T_FRAME expired with a partial frame buffered: drop its first byte and rescan. */
void mota_rx_timeout(mota_rx_t *rx);

/* 1 when a partial frame is buffered (the caller then runs the T_FRAME timer). */
static inline int mota_rx_partial(const mota_rx_t *rx) { return rx->len > 0 && !rx->pending; }

/* Little-endian helpers shared by the core. */
static inline uint16_t mota_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t mota_get32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void mota_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void mota_put32(uint8_t *p, uint32_t v) {
  mota_put16(p, v);
  mota_put16(p + 2, v >> 16);
}

#endif /* MOTA_FRAME_H */
