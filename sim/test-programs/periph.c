/* Register-level checks of the smaller peripherals, each timed with DWT CYCCNT:
   flash size + UID (RM0008 §30.1/§30.2), CRC (§4), GPIO PC13 (§9.2), TIM2 (§15),
   SysTick (PM0056 §4.5), RCC HSE+PLL switch to 72 MHz (§7.2, §7.3). */
#include "sim-test.h"

static uint32_t tim2_one_ms(uint32_t psc) {
  TIM2_CR1 = 0;
  TIM2_PSC = psc;
  TIM2_ARR = 999;
  TIM2_EGR = 1; /* UG: load PSC, clear CNT */
  TIM2_SR = 0;
  uint32_t t0 = DWT_CYCCNT;
  TIM2_CR1 = 1;
  while (!(TIM2_SR & 1u)) {
  }
  return DWT_CYCCNT - t0;
}

int main(void) {
  DEMCR |= 1u << 24;
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u;

  RESULTS[1] = REG16(0x1FFFF7E0);
  RESULTS[2] = REG(0x1FFFF7E8);
  RESULTS[3] = REG(0x1FFFF7EC);
  RESULTS[4] = REG(0x1FFFF7F0);

  RCC_AHBENR |= 1u << 6; /* CRCEN */
  CRC_CR = 1;
  CRC_DR = 0x04030201u;
  CRC_DR = 0x08070605u;
  RESULTS[5] = CRC_DR;

  RCC_APB2ENR |= 1u << 4; /* IOPCEN */
  GPIOC_CRH = (GPIOC_CRH & ~(0xFu << 20)) | (0x2u << 20); /* PC13 output push-pull 2 MHz */
  GPIOC_BSRR = 1u << 13;          /* high: LED off */
  GPIOC_BSRR = 1u << (13 + 16);   /* low: LED on */
  RESULTS[6] = GPIOC_ODR;
  GPIOC_BSRR = 1u << 13;

  RCC_APB1ENR |= 1u; /* TIM2EN */
  RESULTS[7] = tim2_one_ms(7); /* 8 MHz / 8 = 1 MHz, 1000 ticks */

  /* CNT read in a tight loop (answered natively between ticks): 500 ticks of 1 us */
  TIM2_CR1 = 0;
  TIM2_ARR = 0xFFFF;
  TIM2_EGR = 1;
  uint32_t c0 = DWT_CYCCNT;
  TIM2_CR1 = 1;
  while (TIM2_CNT < 500u) {
  }
  RESULTS[11] = DWT_CYCCNT - c0;
  RESULTS[12] = TIM2_CNT;

  SYST_RVR = 7999;
  SYST_CVR = 0;
  uint32_t t0 = DWT_CYCCNT;
  SYST_CSR = 5; /* ENABLE, CLKSOURCE = HCLK */
  while (!(SYST_CSR & (1u << 16))) {
  }
  RESULTS[8] = DWT_CYCCNT - t0;
  SYST_CSR = 0;

  /* 72 MHz from HSE 8 MHz x 9, two flash wait states, APB1 = HCLK/2 */
  RCC_CR |= 1u << 16;
  while (!(RCC_CR & (1u << 17))) {
  }
  FLASH_ACR = 0x12; /* PRFTBE, LATENCY = 2 */
  RCC_CFGR = (7u << 18) | (1u << 16) | (4u << 8); /* PLLMUL 9, PLLSRC HSE, PPRE1 /2 */
  RCC_CR |= 1u << 24;
  while (!(RCC_CR & (1u << 25))) {
  }
  RCC_CFGR |= 2u; /* SW = PLL */
  while ((RCC_CFGR & 0xCu) != 0x8u) {
  }
  RESULTS[9] = RCC_CFGR;
  RESULTS[10] = tim2_one_ms(71); /* TIMxCLK 72 MHz / 72 = 1 MHz */
  RESULTS[0] = 1;
  return 0;
}
