/* A device on the host: the core over the simulated flash, driven the way port/stm32f1/main.c
 * drives it, with frames passing through the real receiver in both directions. */
#ifndef MOTA_TEST_DEVICE_H
#define MOTA_TEST_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "sim_flash.h"

typedef struct {
  mota_bl_t bl;
  mota_proto_t proto;
  mota_rx_t rx;
  int init_rc;
  uint8_t seq;
  /* last response */
  uint8_t rtype;
  uint16_t rlen;
  uint8_t rpayload[MOTA_MAX_PAYLOAD];
  uint32_t frames_sent;
} device_t;

typedef struct {
  uint8_t *bytes;
  uint32_t len;
} pkg_t;

extern const mota_keyring_t *test_ring; /* the keys the test bootloader trusts */

/* A reset: reads the journal (adopting on a fresh one), acts on the mailbox request. */
void dev_reset(device_t *d, uint32_t request, uint32_t boot_slot);
/* The boot decision that follows when no session is kept. */
mota_boot_t dev_boot(device_t *d);
/* Sends one request; returns the response type (0 if none decoded). */
uint8_t dev_call(device_t *d, uint8_t type, const uint8_t *payload, uint16_t len);
/* BEGIN + DATA + END: 0 on success, else the error code of the first refusal.
 * stop_after: stop after that many DATA frames (-1: never); *resumed_at: BEGIN's next_offset. */
int dev_upload(device_t *d, const pkg_t *p, uint8_t options, int stop_after, uint32_t *resumed_at);
/* The upload as the host saw it, kept across a cut (dev_reset leaves them): the offset up
 * to which dev_upload's bytes were acknowledged (BEGIN's next_offset, then each DATA
 * answer's), and 1 while work a response deferred runs (a fresh BEGIN's erases, after the
 * host already has the answer). */
extern uint32_t dev_acked;
extern int dev_in_after_reply;

/* Error code of the last response (0 when it was not an ERROR). */
int dev_error(const device_t *d);

/* Full verification (checks 1-16) of what a slot holds; 0 when valid. */
int slot_verifies(const device_t *d, uint32_t slot);
/* 1 when the slot holds exactly this package's bytes. */
int slot_holds(const device_t *d, uint32_t slot, const pkg_t *p);

int load_scenario_packages(const char *dir);
extern pkg_t pkg_v100, pkg_v110, pkg_v090, pkg_big, pkg_other, pkg_badsig;

#endif
