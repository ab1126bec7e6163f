/*
 * Test fixture, not the product app (that is firmware/): the smallest app that honours the
 * hand-off contract of SPEC §5.9, so the bootloader's ARM build can be driven end to end on
 * the virtual board. It reports the mailbox on USART1 as one text line, then serves ENTER,
 * CONFIRM and ROLLBACK by setting the request and resetting; anything else is WRONG_MODE.
 * It runs on the 8 MHz HSI the bootloader leaves behind.
 */
#include <stdint.h>

#include "frame.h"
#include "mota/handoff.h"
#include "mota/layout.h"
#include "regs.h"

#define HANDOFF ((volatile mota_handoff_t *)MOTA_HANDOFF_ADDR)
#define USART_SR_RXNE (1u << 5)

extern uint32_t _sbss, _ebss, _estack;
static mota_rx_t rx;
static uint8_t out[32];

static void put(const char *s) {
  for (; *s; s++) {
    while (!(USART1_SR & USART_SR_TXE)) {
    }
    USART1_DR = (uint8_t)*s;
  }
}

static void put_u(uint32_t v) {
  char b[11];
  int i = 10;
  b[i] = 0;
  do b[--i] = (char)('0' + v % 10u);
  while ((v /= 10u) && i > 0);
  put(b + i);
}

static void send(size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (!(USART1_SR & USART_SR_TXE)) {
    }
    USART1_DR = out[i];
  }
  while (!(USART1_SR & USART_SR_TC)) {
  }
}

static void request_and_reset(uint32_t req) {
  HANDOFF->request = req;
  HANDOFF->check = mota_handoff_checksum(HANDOFF);
  for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

static void serve(const mota_frame_t *f) {
  uint8_t *pl = out + MOTA_FRAME_HEADER;
  uint32_t req = MOTA_REQ_NONE;
  uint16_t len = 0;
  if (f->type == MOTA_T_ENTER) req = MOTA_REQ_STAY_IN_BOOTLOADER;
  else if (f->type == MOTA_T_CONFIRM) req = MOTA_REQ_CONFIRM;
  else if (f->type == MOTA_T_ROLLBACK) {
    req = MOTA_REQ_ROLLBACK;
    len = 4;
    pl[0] = pl[1] = pl[2] = pl[3] = 0;
    pl[0] = (uint8_t)(HANDOFF->boot_slot ^ 1u); /* the slot that will be active, in the simple case */
  }
  if (req == MOTA_REQ_NONE) {
    pl[0] = f->type;
    pl[1] = 0;
    mota_put16(pl + 2, 34); /* WRONG_MODE */
    mota_put32(pl + 4, 0);
    send(mota_frame_seal(out, MOTA_T_ERROR, f->seq, 8));
    return;
  }
  send(mota_frame_seal(out, (uint8_t)(f->type | MOTA_T_RESPONSE), f->seq, len));
  request_and_reset(req);
}

int main(void) {
  RCC_APB2ENR |= RCC_APB2ENR_IOPAEN | RCC_APB2ENR_USART1EN;
  GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~0xFF0u) | 0x4B0u;
  USART1_BRR = (8000000u + 57600u) / 115200u;
  USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
  int valid = HANDOFF->magic == MOTA_HANDOFF_MAGIC && HANDOFF->check == mota_handoff_checksum(HANDOFF);
  put("test-app ");
  if (!valid) {
    put("no-handoff\n");
  } else {
    put("slot=");
    put_u(HANDOFF->boot_slot);
    put(" state=");
    put_u(HANDOFF->slot_state);
    put(" resets=");
    put_u(HANDOFF->reset_count);
    put(" version=");
    const volatile uint8_t *h = (const volatile uint8_t *)HANDOFF->slot_addr;
    put_u((uint32_t)(h[40] | (h[41] << 8)));
    put(".");
    put_u((uint32_t)(h[42] | (h[43] << 8)));
    put(".");
    put_u((uint32_t)(h[44] | (h[45] << 8)));
    put("\n");
  }
  mota_rx_init(&rx, MOTA_RX_DEVICE);
  for (;;) {
    if (!(USART1_SR & USART_SR_RXNE)) continue;
    mota_frame_t f;
    int got = mota_rx_push(&rx, (uint8_t)USART1_DR, &f);
    while (got) {
      serve(&f);
      got = mota_rx_poll(&rx, &f);
    }
  }
}

void app_reset(void) {
  for (uint32_t *p = &_sbss; p < &_ebss;) *p++ = 0;
  (void)main();
  for (;;) {
  }
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[2])(void) = {
    (void (*)(void))(uintptr_t)&_estack,
    app_reset,
};
