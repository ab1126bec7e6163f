/*
 * The bootloader side of the update protocol (protocol/SPEC.md §5.2-5.5, 5.8): one call
 * per received request frame, one response frame out. Sessions live in RAM only.
 */
#ifndef MOTA_PROTO_H
#define MOTA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "frame.h"

#define MOTA_BL_VERSION 0x010000u /* 1.0.0: major << 16 | minor << 8 | patch */
#define MOTA_PROTOCOL_VERSION 1u
#define MOTA_WINDOW 4u
#define MOTA_INFO_SIZE 160u
#ifndef MOTA_DOWNGRADE_GUARD
#define MOTA_DOWNGRADE_GUARD 1
#endif
#define MOTA_BEGIN_ALLOW_DOWNGRADE 0x01u

#define MOTA_SESSION_NONE 0u
#define MOTA_SESSION_RECEIVING 1u
#define MOTA_SESSION_COMPLETE 2u

/* What the port must do after sending the response. */
#define MOTA_ACT_NONE 0u
#define MOTA_ACT_RESET 1u
#define MOTA_ACT_ERASE 2u /* call mota_proto_after_reply() once the response is on its way */

typedef struct {
  mota_bl_t *bl;
  const uint8_t *uid;      /* 12 bytes */
  const char *board;       /* "STM32F103RC" */
  uint32_t flash_size;
  uint32_t reset_count;
  uint8_t session;
  uint8_t slot;
  uint16_t last_error;
  uint32_t image_size;
  uint32_t next_offset;
  uint32_t erased_end; /* slot offsets [.., erased_end) were erased in this session */
  uint8_t header[MOTA_PKG_HEADER_SIZE];
  uint8_t action;      /* MOTA_ACT_* for the request just handled */
} mota_proto_t;

void mota_proto_init(mota_proto_t *p, mota_bl_t *bl, const uint8_t *uid, const char *board, uint32_t flash_size,
                     uint32_t reset_count);

/* Handles one request; writes the response frame to out (MOTA_MAX_FRAME bytes) and returns
 * its length. p->action tells the port what to do once the response has been sent. */
size_t mota_proto_handle(mota_proto_t *p, const mota_frame_t *req, uint8_t *out);

/* The work a request deferred until after its response (MOTA_ACT_ERASE: a fresh BEGIN's
 * erase of the destination's first two pages, SPEC §5.5). Errors are not reported here:
 * what is left unerased is erased, or refused with FLASH, by the next DATA. */
void mota_proto_after_reply(mota_proto_t *p);

/* 1 when the bootloader has something to boot (BOOT would not answer NO_MODEL). */
int mota_proto_bootable(const mota_bl_t *bl);

#endif /* MOTA_PROTO_H */
