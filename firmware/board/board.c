#include "board.h"

#include "mota/layout.h"
#include "stm32f103.h"

#define WAIT_LIMIT 200000u /* loop iterations: > 10 ms even at 72 MHz, HSE starts in ~2 ms */
#define RX_RING_SIZE 256u

static uint32_t sysclk_hz = 8000000u;
static uint32_t reset_flags;
static volatile uint8_t rx_ring[RX_RING_SIZE];
static uint32_t rx_tail;
static uint16_t tim_last;
static uint32_t tim_high;

static int wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t want) {
  for (uint32_t i = 0; i < WAIT_LIMIT; i++)
    if ((*reg & mask) == want) return 1;
  return 0;
}

/* RM0008 §7.2: HSE -> PLL x9 = 72 MHz, APB1 /2 (36 MHz max), 2 flash wait states (§3.3.3).
 * Falls back to HSI/2 x16 = 64 MHz, then to the 8 MHz HSI. */
static clock_source_t clock_init(void) {
  RCC_CR |= RCC_CR_HSION;
  wait_set(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY);
  /* back to HSI, PLL off: the bootloader may have left the PLL running */
  RCC_CFGR &= ~RCC_CFGR_SW_MASK;
  wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_HSI);
  RCC_CR &= ~RCC_CR_PLLON;
  wait_set(&RCC_CR, RCC_CR_PLLRDY, 0);

  FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_LATENCY_2 | FLASH_ACR_PRFTBE;
  clock_source_t src = CLOCK_HSE_PLL_72MHZ;
  uint32_t pll = RCC_CFGR_PLLSRC_HSE | RCC_CFGR_PLLMUL(9);
  RCC_CR |= RCC_CR_HSEON;
  if (!wait_set(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY)) {
    RCC_CR &= ~RCC_CR_HSEON;
    src = CLOCK_HSI_PLL_64MHZ;
    pll = RCC_CFGR_PLLMUL(16); /* PLLSRC = 0: HSI / 2 */
  }
  RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_PLL_MASK | (7u << 8))) | pll | RCC_CFGR_PPRE1_DIV2;
  RCC_CR |= RCC_CR_PLLON;
  if (wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY)) {
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    if (wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL)) {
      sysclk_hz = src == CLOCK_HSE_PLL_72MHZ ? 72000000u : 64000000u;
      return src;
    }
    RCC_CFGR &= ~RCC_CFGR_SW_MASK;
  }
  RCC_CR &= ~(RCC_CR_PLLON | RCC_CR_HSEON);
  sysclk_hz = 8000000u;
  return CLOCK_HSI_8MHZ;
}

const char *board_clock_name(clock_source_t c) {
  switch (c) {
  case CLOCK_HSE_PLL_72MHZ: return "HSE PLL 72 MHz";
  case CLOCK_HSI_PLL_64MHZ: return "HSI PLL 64 MHz (no HSE)";
  default: return "HSI 8 MHz (no PLL)";
  }
}

uint32_t board_sysclk_hz(void) { return sysclk_hz; }

/* USART1 on PA9 (TX, AF push-pull) / PA10 (RX, floating input), §9.1.11 Table 24;
 * RX by DMA1 channel 5, circular, into rx_ring (§13.3.7). */
static void uart_init(uint32_t baud) {
  RCC_APB2ENR |= RCC_APB2ENR_IOPAEN | RCC_APB2ENR_AFIOEN | RCC_APB2ENR_USART1EN;
  RCC_AHBENR |= RCC_AHBENR_DMA1EN;
  GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~(0xFFu << 4)) | (GPIO_AF_PP_50MHZ << 4) | (GPIO_IN_FLOATING << 8);
  USART_CR1(USART1_BASE) = 0;
  USART_BRR(USART1_BASE) = (sysclk_hz + baud / 2u) / baud; /* APB2 = SYSCLK; mantissa.fraction in 1/16 */
  USART_CR2(USART1_BASE) = 0;
  USART_CR3(USART1_BASE) = USART_CR3_DMAR;
  DMA_CCR(5) = 0;
  DMA_CPAR(5) = USART1_BASE + 0x04u;
  DMA_CMAR(5) = (uint32_t)(uintptr_t)rx_ring;
  DMA_CNDTR(5) = RX_RING_SIZE;
  DMA_CCR(5) = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_PL_HIGH | DMA_CCR_EN; /* peripheral -> memory, bytes */
  rx_tail = 0;
  USART_CR1(USART1_BASE) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void uart_putc(uint8_t c) {
  wait_set(&USART_SR(USART1_BASE), USART_SR_TXE, USART_SR_TXE);
  USART_DR(USART1_BASE) = c;
}

void uart_write(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) uart_putc(p[i]);
}

void uart_flush(void) { wait_set(&USART_SR(USART1_BASE), USART_SR_TC, USART_SR_TC); }

int uart_getc(void) {
  uint32_t head = RX_RING_SIZE - (DMA_CNDTR(5) & 0xFFFFu);
  if (head >= RX_RING_SIZE) head = 0; /* CNDTR reads 0 for an instant at the wrap */
  if (rx_tail == head) return -1;
  uint8_t c = rx_ring[rx_tail];
  rx_tail = (rx_tail + 1u) % RX_RING_SIZE;
  return c;
}

/* TIM2: prescaler to 1 MHz from the timer clock (2 x APB1 when APB1 is divided, §7.2). */
static void timer_init(void) {
  RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
  TIM_CR1(TIM2_BASE) = 0;
  TIM_PSC(TIM2_BASE) = sysclk_hz / 1000000u - 1u;
  TIM_ARR(TIM2_BASE) = 0xFFFFu;
  TIM_EGR(TIM2_BASE) = TIM_EGR_UG; /* load the prescaler now */
  TIM_CR1(TIM2_BASE) = TIM_CR1_CEN;
  tim_last = (uint16_t)TIM_CNT(TIM2_BASE);
  tim_high = 0;
}

uint32_t time_us(void) {
  uint16_t now = (uint16_t)TIM_CNT(TIM2_BASE);
  if (now < tim_last) tim_high += 0x10000u;
  tim_last = now;
  return tim_high | now;
}

void delay_us(uint32_t us) {
  uint32_t start = time_us();
  /* bounded also in loop iterations, in case the timer does not run */
  for (uint32_t i = 0; i < us * 8u + 1000u && time_us() - start < us; i++) {
  }
}

/* LED on PC13, push-pull output, active low (Blue Pill and most F103 boards). */
static void led_init(void) {
  RCC_APB2ENR |= RCC_APB2ENR_IOPCEN;
  GPIO_BSRR(GPIOC_BASE) = 1u << 13; /* off */
  GPIO_CRH(GPIOC_BASE) = (GPIO_CRH(GPIOC_BASE) & ~(0xFu << 20)) | (GPIO_OUT_PP_2MHZ << 20);
}

void led_set(int on) { GPIO_BSRR(GPIOC_BASE) = on ? (1u << (13 + 16)) : (1u << 13); }
void led_toggle(void) { led_set((GPIO_ODR(GPIOC_BASE) & (1u << 13)) != 0u); }

/* IWDG: LSI ~40 kHz / 64 = 625 Hz; RLR 12 bits (§19.3). */
void watchdog_start(uint32_t timeout_ms) {
  uint32_t rlr = timeout_ms * 625u / 1000u;
  if (rlr > 0xFFFu) rlr = 0xFFFu;
  if (rlr == 0u) rlr = 1u;
  IWDG_KR = IWDG_KEY_START;
  IWDG_KR = IWDG_KEY_UNLOCK;
  IWDG_PR = 4u; /* /64 */
  IWDG_RLR = rlr;
  wait_set(&IWDG_SR, 3u, 0u); /* PVU, RVU: the LSI domain took the values */
  IWDG_KR = IWDG_KEY_RELOAD;
}

void watchdog_kick(void) { IWDG_KR = IWDG_KEY_RELOAD; }

void board_uid(uint8_t out[12]) {
  for (uint32_t i = 0; i < 12u; i++) out[i] = *(volatile const uint8_t *)(uintptr_t)(DESIG_UID_BASE + i);
}

uint32_t board_flash_size(void) { return (uint32_t)DESIG_FLASH_SIZE_KB * 1024u; }

uint32_t board_reset_flags(void) { return reset_flags; }

void board_reset(void) {
  uart_flush();
  SCB_AIRCR = SCB_AIRCR_SYSRESETREQ;
  for (;;) {
  }
}

clock_source_t board_init(uint32_t baud) {
  SCB_VTOR = MOTA_APP_ADDR; /* our vector table, also when the bootloader did not set it */
  reset_flags = RCC_CSR;
  RCC_CSR |= RCC_CSR_RMVF;
  clock_source_t c = clock_init();
  led_init();
  timer_init();
  uart_init(baud);
  return c;
}
