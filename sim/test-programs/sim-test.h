/* Registers of the STM32F103 (RM0008 names) for the simulator's test programs, and the
   results block the TypeScript tests read at 0x20000100. */
#ifndef SIM_TEST_H
#define SIM_TEST_H
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define REG16(addr) (*(volatile uint16_t *)(addr))

/* RCC, RM0008 §7.3 */
#define RCC_CR REG(0x40021000)
#define RCC_CFGR REG(0x40021004)
#define RCC_AHBENR REG(0x40021014)
#define RCC_APB2ENR REG(0x40021018)
#define RCC_APB1ENR REG(0x4002101C)
#define RCC_CSR REG(0x40021024)
/* FLASH, RM0008 §3.3.3 / PM0075 */
#define FLASH_ACR REG(0x40022000)
#define FLASH_KEYR REG(0x40022004)
#define FLASH_SR REG(0x4002200C)
#define FLASH_CR REG(0x40022010)
#define FLASH_AR REG(0x40022014)
#define FLASH_SR_BSY (1u << 0)
#define FLASH_SR_PGERR (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP (1u << 5)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_STRT (1u << 6)
#define FLASH_CR_LOCK (1u << 7)
/* USART1, RM0008 §27.6 */
#define USART1_SR REG(0x40013800)
#define USART1_DR REG(0x40013804)
#define USART1_BRR REG(0x40013808)
#define USART1_CR1 REG(0x4001380C)
#define USART1_CR3 REG(0x40013814)
#define USART_SR_ORE (1u << 3)
#define USART_SR_IDLE (1u << 4)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RE (1u << 2)
/* DMA1, RM0008 §13.4 */
#define DMA1_ISR REG(0x40020000)
#define DMA1_IFCR REG(0x40020004)
#define DMA1_CCR(n) REG(0x40020008 + 20u * ((n) - 1u))
#define DMA1_CNDTR(n) REG(0x4002000C + 20u * ((n) - 1u))
#define DMA1_CPAR(n) REG(0x40020010 + 20u * ((n) - 1u))
#define DMA1_CMAR(n) REG(0x40020014 + 20u * ((n) - 1u))
/* GPIOC, RM0008 §9.2 */
#define GPIOC_CRH REG(0x40011004)
#define GPIOC_ODR REG(0x4001100C)
#define GPIOC_BSRR REG(0x40011010)
/* IWDG, RM0008 §19.4 */
#define IWDG_KR REG(0x40003000)
#define IWDG_PR REG(0x40003004)
#define IWDG_RLR REG(0x40003008)
#define IWDG_SR REG(0x4000300C)
/* CRC, RM0008 §4.4 */
#define CRC_DR REG(0x40023000)
#define CRC_CR REG(0x40023008)
/* TIM2, RM0008 §15.4 */
#define TIM2_CR1 REG(0x40000000)
#define TIM2_SR REG(0x40000010)
#define TIM2_EGR REG(0x40000014)
#define TIM2_CNT REG(0x40000024)
#define TIM2_PSC REG(0x40000028)
#define TIM2_ARR REG(0x4000002C)
/* Cortex-M3 core, PM0056 §4 */
#define SCB_VTOR REG(0xE000ED08)
#define SCB_AIRCR REG(0xE000ED0C)
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)
#define DEMCR REG(0xE000EDFC)
#define DWT_CTRL REG(0xE0001000)
#define DWT_CYCCNT REG(0xE0001004)

/* Results block, read by the tests: results[0] is a step marker, the rest per test. */
#define RESULTS ((volatile uint32_t *)0x20000100)
/* Survives a system reset: the first bytes of RAM (.noinit, like the hand-off mailbox). */
#define NOINIT ((volatile uint32_t *)0x20000000)

static inline void flash_unlock(void) {
  FLASH_KEYR = 0x45670123u;
  FLASH_KEYR = 0xCDEF89ABu;
}

static inline void flash_wait(void) {
  while (FLASH_SR & FLASH_SR_BSY) {
  }
}

static inline void uart_init(uint32_t brr) {
  RCC_APB2ENR |= (1u << 14) | (1u << 2); /* USART1EN, IOPAEN */
  USART1_BRR = brr;
  USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

static inline void uart_putc(char c) {
  while (!(USART1_SR & USART_SR_TXE)) {
  }
  USART1_DR = (uint8_t)c;
}

static inline void uart_puts(const char *s) {
  while (*s) uart_putc(*s++);
}

#endif
