/*
 * The STM32F1 port: clocks, USART1 with its RX on DMA into a ring, TIM2 as the clock, the
 * LED, the hand-off mailbox and the jump to the app. Everything else is the portable core.
 * Polling only: no interrupt is enabled (DESIGN decision 5).
 */
#include <string.h>

#include "boot.h"
#include "flash.h"
#include "mota/handoff.h"
#include "mota/layout.h"
#include "proto.h"
#include "regs.h"
#include "trusted_keys.h"

#ifndef MOTA_BAUD
#define MOTA_BAUD 115200
#endif
#define BAUD ((uint32_t)MOTA_BAUD)
#define RX_RING_SIZE 4608u /* >= MOTA_WINDOW * MOTA_MAX_FRAME: the host never overruns it */
#define T_FRAME_MS 200u
#define T_LISTEN_MS 200u
#define T_IDLE_MS 30000u
#define WAIT_LIMIT 1000000u

_Static_assert(RX_RING_SIZE >= MOTA_WINDOW * MOTA_MAX_FRAME, "RX ring holds a full window");

__attribute__((section(".noinit"))) volatile mota_handoff_t mota_handoff;

static uint8_t rx_ring[RX_RING_SIZE];
static uint32_t rx_tail;
static uint32_t rx_head; /* where the DMA had written up to when CNDTR was last read (once per batch, not per byte) */
static mota_rx_t rx;
static uint8_t tx_frame[MOTA_MAX_FRAME];
static mota_bl_t bl;
static mota_proto_t proto;
static const mota_keyring_t ring = {mota_trusted_keys, MOTA_TRUSTED_KEY_COUNT};
static const uint32_t slot_addr[MOTA_SLOTS] = {MOTA_SLOT_A_ADDR, MOTA_SLOT_B_ADDR};
static uint32_t sysclk = 8000000u;

/* ---- clocks and time ---- */

static void clocks_init(void) {
  RCC_CR |= RCC_CR_HSEON;
  uint32_t n = 0;
  while (!(RCC_CR & RCC_CR_HSERDY) && ++n < WAIT_LIMIT) {
  }
  if (!(RCC_CR & RCC_CR_HSERDY)) return; /* no crystal: stay on the 8 MHz HSI */
  FLASH_ACR = FLASH_ACR_PRFTBE | FLASH_ACR_LATENCY_2; /* 2 wait states above 48 MHz */
  RCC_CFGR = RCC_CFGR_PLLSRC_HSE | RCC_CFGR_PLLMUL9 | RCC_CFGR_PPRE1_DIV2;
  RCC_CR |= RCC_CR_PLLON;
  for (n = 0; !(RCC_CR & RCC_CR_PLLRDY) && n < WAIT_LIMIT; n++) {
  }
  if (!(RCC_CR & RCC_CR_PLLRDY)) return;
  RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
  for (n = 0; (RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL && n < WAIT_LIMIT; n++) {
  }
  if ((RCC_CFGR & RCC_CFGR_SWS_MASK) == RCC_CFGR_SWS_PLL) sysclk = 72000000u;
}

/* Back to the reset clock tree, so the app's clock setup starts from a known state. */
static void clocks_deinit(void) {
  RCC_CFGR &= ~RCC_CFGR_SW_MASK;
  for (uint32_t n = 0; (RCC_CFGR & RCC_CFGR_SWS_MASK) != 0u && n < WAIT_LIMIT; n++) {
  }
  RCC_CR &= ~(RCC_CR_PLLON | RCC_CR_HSEON);
  RCC_CFGR = 0;
}

/* TIM2 at 2 kHz (APB1 timer clock = SYSCLK in both clock set-ups), widened to ms in software. */
static uint32_t ms_now;
static uint16_t last_cnt;
static uint32_t half_ms;

static void timer_init(void) {
  RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
  TIM2_PSC = sysclk / 2000u - 1u;
  TIM2_ARR = 0xFFFFu;
  TIM2_EGR = TIM_EGR_UG;
  TIM2_CR1 = TIM_CR1_CEN;
  last_cnt = (uint16_t)TIM2_CNT;
}

static uint32_t now_ms(void) {
  uint16_t c = (uint16_t)TIM2_CNT;
  half_ms += (uint16_t)(c - last_cnt);
  last_cnt = c;
  ms_now += half_ms / 2u;
  half_ms %= 2u;
  return ms_now;
}

/* ---- USART1: TX polled, RX by DMA1 channel 5 into a circular ring ---- */

static void usart_init(void) {
  RCC_APB2ENR |= RCC_APB2ENR_IOPAEN | RCC_APB2ENR_IOPCEN | RCC_APB2ENR_USART1EN;
  RCC_AHBENR |= RCC_AHBENR_DMA1EN;
  /* PA9 TX alternate push-pull 50 MHz, PA10 RX floating input (RM0008 §9.1.11) */
  GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~0xFF0u) | 0x4B0u;
  /* PC13 LED, push-pull output 2 MHz */
  GPIO_CRH(GPIOC_BASE) = (GPIO_CRH(GPIOC_BASE) & ~(0xFu << 20)) | (0x2u << 20);
  DMA1_CCR5 = 0;
  DMA1_IFCR = DMA_IFCR_CGIF5;
  DMA1_CPAR5 = USART1_BASE + 0x04u;
  DMA1_CMAR5 = (uint32_t)(uintptr_t)rx_ring;
  DMA1_CNDTR5 = RX_RING_SIZE;
  DMA1_CCR5 = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_EN; /* peripheral -> memory, bytes */
  rx_tail = 0;
  rx_head = 0;
  USART1_BRR = (sysclk + BAUD / 2u) / BAUD; /* APB2 = SYSCLK */
  USART1_CR3 = USART_CR3_DMAR;
  USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

static void usart_deinit(void) {
  USART1_CR1 = 0;
  USART1_CR3 = 0;
  DMA1_CCR5 = 0; /* stop the DMA before the app's RAM layout takes over */
  DMA1_IFCR = DMA_IFCR_CGIF5;
}

static int rx_byte(uint8_t *b) {
  if (rx_head == rx_tail) {
    uint32_t head = RX_RING_SIZE - DMA1_CNDTR5;
    if (head >= RX_RING_SIZE) head = 0; /* CNDTR reads 0 for an instant when it reloads */
    rx_head = head;
    if (head == rx_tail) return 0;
  }
  *b = rx_ring[rx_tail];
  rx_tail = rx_tail + 1u == RX_RING_SIZE ? 0u : rx_tail + 1u;
  return 1;
}

static void usart_send(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (uint32_t k = 0; !(USART1_SR & USART_SR_TXE) && k < WAIT_LIMIT; k++) {
    }
    USART1_DR = p[i];
  }
}

static void usart_flush(void) {
  for (uint32_t k = 0; !(USART1_SR & USART_SR_TC) && k < WAIT_LIMIT; k++) {
  }
}

/* ---- LED on PC13 (active low) ---- */

static int led_session_on;

static int led_state = -1;

static void led(int on) {
  if (on == led_state) return; /* write only on change: each MMIO write costs on the virtual board */
  led_state = on;
  GPIO_BSRR(GPIOC_BASE) = on ? (1u << (13 + 16)) : (1u << 13);
}

static void led_pattern(uint32_t t, int in_session, int bootable) {
  if (in_session && bootable) {
    led(led_session_on); /* toggled per accepted frame */
  } else if (bootable) {
    led((int)((t / 500u) & 1u)); /* 1 Hz */
  } else {
    uint32_t p = t % 1000u; /* no model: two short flashes a second */
    led(p < 100u || (p >= 200u && p < 300u));
  }
}

/* ---- reset and jump ---- */

static void system_reset(void) {
  usart_flush();
  for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

static void write_handoff(uint32_t slot, uint32_t state, uint32_t reset_count) {
  mota_handoff.magic = MOTA_HANDOFF_MAGIC;
  mota_handoff.boot_slot = slot;
  mota_handoff.slot_state = state;
  mota_handoff.slot_addr = slot < MOTA_SLOTS ? slot_addr[slot] : 0u;
  mota_handoff.request = MOTA_REQ_NONE;
  mota_handoff.reset_count = reset_count;
  mota_handoff.bootloader_version = MOTA_BL_VERSION;
  mota_handoff.slot_states = (uint32_t)bl.journal.st.state[0] | ((uint32_t)bl.journal.st.state[1] << 8) |
                             ((uint32_t)bl.journal.st.active << 16) | ((MOTA_DOWNGRADE_GUARD ? 1u : 0u) << 24);
  mota_handoff.check = mota_handoff_checksum(&mota_handoff);
}

static int app_valid(void) {
  uint32_t sp = REG32(MOTA_APP_ADDR), pc = REG32(MOTA_APP_ADDR + 4u);
  return sp > MOTA_RAM_BASE && sp <= MOTA_RAM_BASE + MOTA_RAM_SIZE && (pc & 1u) && pc > MOTA_APP_ADDR &&
         pc < MOTA_APP_ADDR + MOTA_APP_SIZE;
}

__attribute__((noreturn)) static void jump_to_app(void) {
  uint32_t sp = REG32(MOTA_APP_ADDR), pc = REG32(MOTA_APP_ADDR + 4u);
  usart_flush();
  usart_deinit();
  TIM2_CR1 = 0;
  led(0);
  clocks_deinit();
  SCB_VTOR = MOTA_APP_ADDR;
  __asm volatile("msr msp, %0\n\tbx %1" : : "r"(sp), "r"(pc) : "memory");
  __builtin_unreachable();
}

/* ---- main loop ---- */

static int bootable;

static int compute_bootable(void) { return mota_proto_bootable(&bl) && app_valid(); }

static void handle(const mota_frame_t *f) {
  size_t n = mota_proto_handle(&proto, f, tx_frame);
  usart_send(tx_frame, n);
  led_session_on = !led_session_on;
  if (proto.action == MOTA_ACT_RESET) system_reset();
  /* The answer's last byte is in the USART (it leaves while the CPU stalls on flash); the
   * DMA keeps filling the RX ring meanwhile. */
  if (proto.action == MOTA_ACT_ERASE) mota_proto_after_reply(&proto);
  if (f->type != MOTA_T_DATA && f->type != MOTA_T_INFO && f->type != MOTA_T_STATUS) bootable = compute_bootable();
}

int main(void) {
  uint32_t request = MOTA_REQ_NONE, boot_slot = MOTA_SLOT_NONE, reset_count = 0;
  if (mota_handoff.magic == MOTA_HANDOFF_MAGIC && mota_handoff.check == mota_handoff_checksum(&mota_handoff)) {
    request = mota_handoff.request;
    boot_slot = mota_handoff.boot_slot;
    reset_count = mota_handoff.reset_count + 1u;
  }
  /* Clear the request before acting on it: a reset midway must not act twice. */
  write_handoff(MOTA_SLOT_NONE, 0, reset_count);

  clocks_init();
  timer_init();
  usart_init();

  uint8_t uid[12];
  memcpy(uid, (const void *)UID_BASE, sizeof uid);
  (void)mota_bl_init(&bl, MOTA_JOURNAL_ADDR, slot_addr, MOTA_SLOT_SIZE, &ring);
  (void)mota_bl_request(&bl, request, boot_slot);
  mota_proto_init(&proto, &bl, uid, MOTA_BOARD_NAME, MOTA_FLASH_SIZE, reset_count);
  mota_rx_init(&rx, MOTA_RX_DEVICE);

  bootable = compute_bootable();
  int in_session = request == MOTA_REQ_STAY_IN_BOOTLOADER;
  uint32_t start = now_ms(), last_frame = start, last_byte = start, last_feed = start;
  for (;;) {
    uint8_t b;
    mota_frame_t f;
    while (rx_byte(&b)) {
      if (rx_head == rx_tail) last_byte = now_ms(); /* the batch's last byte: enough for T_FRAME */
      int got = mota_rx_push(&rx, b, &f);
      while (got) {
        in_session = 1; /* any valid request keeps the device in the bootloader */
        handle(&f);
        last_frame = now_ms();
        got = mota_rx_poll(&rx, &f);
      }
    }
    uint32_t t = now_ms();
    /* Chips with the hardware watchdog option start the IWDG at reset (>= 409 ms timeout):
     * keep it fed every 100 ms. The bootloader never starts it; harmless when not running. */
    if (t - last_feed >= 100u) {
      IWDG_KR = IWDG_KR_RELOAD;
      last_feed = t;
    }
    if (mota_rx_partial(&rx) && t - last_byte >= T_FRAME_MS) {
      mota_rx_timeout(&rx);
      while (mota_rx_poll(&rx, &f)) {
        in_session = 1;
        handle(&f);
        last_frame = now_ms();
      }
    }
    t = now_ms(); /* not before last_frame, so the differences below never wrap */
    led_pattern(t, in_session, bootable);
    if (!bootable) continue;
    if ((!in_session && t - start >= T_LISTEN_MS) || (in_session && t - last_frame >= T_IDLE_MS)) {
      mota_boot_t target;
      if (mota_bl_decide(&bl, &target) == 0 && target.slot != MOTA_SLOT_NONE) {
        write_handoff(target.slot, target.state, reset_count);
        jump_to_app();
      }
      in_session = 1; /* nothing bootable after all: serve the protocol */
      last_frame = t;
      bootable = compute_bootable();
    }
  }
}
