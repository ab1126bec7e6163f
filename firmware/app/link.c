#include "link.h"

#include "board.h"
#include "mota/layout.h"

#define SYNC 0xA5u
#define MAX_PAYLOAD 1028u
#define T_FRAME_US 200000u
#define KEEP 16u /* bytes kept for a rescan: every request the app serves (9 bytes) fits */

enum { T_INFO = 1, T_ENTER, T_BEGIN, T_DATA, T_STATUS, T_END, T_BOOT, T_CONFIRM, T_ROLLBACK, T_ABORT };
enum { E_BAD_LENGTH = 32, E_WRONG_MODE = 34, E_NOTHING_TO_CONFIRM = 41, E_NOTHING_TO_ROLL_BACK = 42 };

static const mota_slot_choice_t *run;
static volatile mota_handoff_t *mailbox;
static uint8_t keep[KEEP];
static uint32_t got, need, crc, tail, last_us;

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void send(uint8_t type, uint8_t seq, const uint8_t *payload, uint32_t len) {
  uint8_t h[5] = {SYNC, type, seq, (uint8_t)len, (uint8_t)(len >> 8)}, c[4];
  uint32_t x = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < 5; i++) x = mota_crc32_byte(x, h[i]);
  for (uint32_t i = 0; i < len; i++) x = mota_crc32_byte(x, payload[i]);
  put32(c, x);
  uart_write(h, 5);
  uart_write(payload, len);
  uart_write(c, 4);
}

static void send_error(uint8_t type, uint8_t seq, uint32_t code) {
  uint8_t e[8] = {type, 0, (uint8_t)code, (uint8_t)(code >> 8), 0, 0, 0, 0};
  send(0xFF, seq, e, sizeof e);
}

static int handoff_valid(void) {
  return mailbox->magic == MOTA_HANDOFF_MAGIC && mailbox->check == mota_handoff_checksum(mailbox);
}

static uint32_t slot_state(uint32_t s) { return handoff_valid() ? (mailbox->slot_states >> (8u * s)) & 0xFFu : 0u; }

/* §5.3 INFO, mode 2. Slot records only for slots the bootloader's journal vouches for. */
static void send_info(uint8_t seq) {
  uint8_t p[160] = {1, 2, (uint8_t)MAX_PAYLOAD, MAX_PAYLOAD >> 8, 4};
  int hv = handoff_valid();
  p[5] = hv ? (uint8_t)(mailbox->slot_states >> 16) : 0xFFu;
  p[6] = (uint8_t)run->slot;
  p[7] = hv ? (uint8_t)(mailbox->slot_states >> 24) & 1u : 0u; /* downgrade guard, as the bootloader said */
  put32(p + 8, hv ? mailbox->bootloader_version : 0u);
  board_uid(p + 12);
  const char *name = MOTA_BOARD_NAME;
  for (uint32_t i = 0; name[i]; i++) p[24 + i] = (uint8_t)name[i];
  put32(p + 40, MOTA_FLASH_SIZE);
  put32(p + 44, MOTA_PAGE_SIZE);
  put32(p + 48, MOTA_SLOT_SIZE);
  put32(p + 52, MOTA_SLOT_A_ADDR);
  put32(p + 56, MOTA_SLOT_B_ADDR);
  put32(p + 60, hv ? mailbox->reset_count : 0u);
  for (uint32_t s = 0; s < 2u; s++) {
    uint8_t *r = p + 64 + 48u * s;
    const uint8_t *h = (const uint8_t *)(s ? MOTA_SLOT_B_ADDR : MOTA_SLOT_A_ADDR);
    uint32_t st = slot_state(s);
    if (st == 0u) continue; /* EMPTY, or no bootloader: no journal to vouch for it */
    r[0] = (uint8_t)st;
    for (uint32_t i = 0; i < 6u; i++) r[2 + i] = h[40 + i]; /* major, minor, patch */
    for (uint32_t i = 0; i < 4u; i++) r[8 + i] = h[56 + i]; /* image_size */
    for (uint32_t i = 0; i < 4u; i++) r[12 + i] = h[60 + i]; /* key_id */
    for (uint32_t i = 0; i < 32u; i++) r[16 + i] = h[8 + i]; /* name */
  }
  send(0x81, seq, p, sizeof p);
}

/* Answers, then leaves the request in the mailbox and resets (§5.9). */
static void __attribute__((noreturn)) answer_and_reset(uint8_t type, uint8_t seq, const uint8_t *payload, uint32_t len,
                                                        uint32_t request) {
  send((uint8_t)(type | 0x80u), seq, payload, len);
  if (handoff_valid()) {
    mailbox->request = request;
    mailbox->check = mota_handoff_checksum(mailbox);
  }
  board_reset();
}

static void handle(uint8_t type, uint8_t seq, uint32_t len) {
  if (type == T_BEGIN || type == T_DATA || type == T_STATUS || type == T_END || type == T_ABORT) {
    send_error(type, seq, E_WRONG_MODE);
    return;
  }
  if (len != 0u) {
    send_error(type, seq, E_BAD_LENGTH);
    return;
  }
  uint32_t a = slot_state(0), b = slot_state(1), active = handoff_valid() ? (mailbox->slot_states >> 16) & 0xFFu : 0xFFu;
  switch (type) {
  case T_INFO: send_info(seq); return;
  case T_ENTER: answer_and_reset(type, seq, 0, 0, MOTA_REQ_STAY_IN_BOOTLOADER);
  case T_BOOT: answer_and_reset(type, seq, 0, 0, MOTA_REQ_NONE);
  case T_CONFIRM:
    if (run->from_handoff && run->state == MOTA_BOOT_TRIAL) answer_and_reset(type, seq, 0, 0, MOTA_REQ_CONFIRM);
    send_error(type, seq, E_NOTHING_TO_CONFIRM);
    return;
  default: { /* T_ROLLBACK, §5.8: the slot active after the bootloader acts */
    uint8_t r[4] = {(uint8_t)active, 0, 0, 0};
    int pending = a == MOTA_STATE_TRIAL || a == MOTA_STATE_PENDING || b == MOTA_STATE_TRIAL || b == MOTA_STATE_PENDING;
    if (!pending && active <= 1u && slot_state(1u - active) == MOTA_STATE_CONFIRMED) {
      r[0] = (uint8_t)(1u - active);
      pending = 1;
    }
    if (pending) answer_and_reset(type, seq, r, sizeof r, MOTA_REQ_ROLLBACK);
    send_error(type, seq, E_NOTHING_TO_ROLL_BACK);
  }
  }
}

static void feed(uint8_t c);

/* A rejected or bad frame: drop its first byte and rescan the rest (§5.1). Frames longer
 * than KEEP bytes are requests the app does not serve; their bytes are not rescanned. */
static void drop_first(void) {
  uint32_t n = got <= KEEP ? got : 0u;
  uint8_t again[KEEP];
  for (uint32_t i = 1; i < n; i++) again[i] = keep[i];
  got = 0;
  for (uint32_t i = 1; i < n; i++) feed(again[i]);
}

static void feed(uint8_t c) {
  if (got == 0u) {
    if (c != SYNC) return; /* noise */
    crc = 0xFFFFFFFFu;
    need = 5;
  }
  if (got < KEEP) keep[got] = c;
  if (got < need - 4u || got < 5u) crc = mota_crc32_byte(crc, c);
  tail = (tail >> 8) | ((uint32_t)c << 24);
  got++;
  if (got == 5u) {
    uint32_t len = (uint32_t)keep[3] | ((uint32_t)keep[4] << 8);
    if (keep[1] < T_INFO || keep[1] > T_ABORT || len > MAX_PAYLOAD) {
      drop_first();
      return;
    }
    need = 9u + len;
  } else if (got == need) {
    if (tail != crc) {
      drop_first();
      return;
    }
    got = 0;
    handle(keep[1], keep[2], need - 9u);
  }
}

void link_init(const mota_slot_choice_t *choice, volatile mota_handoff_t *handoff) {
  run = choice;
  mailbox = handoff;
  got = 0;
}

void link_poll(void) {
  int c;
  if (got && time_us() - last_us > T_FRAME_US) drop_first();
  while ((c = uart_getc()) >= 0) {
    feed((uint8_t)c);
    last_us = time_us();
  }
}
