/*
 * STM32F103 registers the app uses, named as in RM0008 (Reference manual, rev 21).
 * Only what mota touches; each block cites its section.
 */
#ifndef MOTA_STM32F103_H
#define MOTA_STM32F103_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RCC, §7.3 */
#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CFGR REG32(RCC_BASE + 0x04u)
#define RCC_AHBENR REG32(RCC_BASE + 0x14u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x18u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x1Cu)
#define RCC_CSR REG32(RCC_BASE + 0x24u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_HSI (0u << 0)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_HSI (0u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_PPRE1_DIV2 (4u << 8)
#define RCC_CFGR_PLLSRC_HSE (1u << 16)
#define RCC_CFGR_PLLMUL(n) ((uint32_t)((n) - 2u) << 18) /* x2..x16 */
#define RCC_CFGR_PLL_MASK ((1u << 16) | (1u << 17) | (0xFu << 18))
#define RCC_AHBENR_DMA1EN (1u << 0)
#define RCC_AHBENR_CRCEN (1u << 6)
#define RCC_APB2ENR_AFIOEN (1u << 0)
#define RCC_APB2ENR_IOPAEN (1u << 2)
#define RCC_APB2ENR_IOPCEN (1u << 4)
#define RCC_APB2ENR_USART1EN (1u << 14)
#define RCC_APB1ENR_TIM2EN (1u << 0)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_PINRSTF (1u << 26)
#define RCC_CSR_PORRSTF (1u << 27)
#define RCC_CSR_SFTRSTF (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)

/* Flash access control, §3.3.3 and PM0075 */
#define FLASH_ACR REG32(0x40022000u)
#define FLASH_ACR_LATENCY_2 (2u << 0) /* 48 < SYSCLK <= 72 MHz */
#define FLASH_ACR_LATENCY_MASK (7u << 0)
#define FLASH_ACR_PRFTBE (1u << 4)

/* GPIO, §9.2 */
#define GPIOA_BASE 0x40010800u
#define GPIOC_BASE 0x40011000u
#define GPIO_CRL(b) REG32((b) + 0x00u)
#define GPIO_CRH(b) REG32((b) + 0x04u)
#define GPIO_ODR(b) REG32((b) + 0x0Cu)
#define GPIO_BSRR(b) REG32((b) + 0x10u)
/* CNF[1:0] MODE[1:0] nibbles */
#define GPIO_AF_PP_50MHZ 0xBu
#define GPIO_IN_FLOATING 0x4u
#define GPIO_OUT_PP_2MHZ 0x2u

/* USART, §27.6 */
#define USART1_BASE 0x40013800u
#define USART_SR(b) REG32((b) + 0x00u)
#define USART_DR(b) REG32((b) + 0x04u)
#define USART_BRR(b) REG32((b) + 0x08u)
#define USART_CR1(b) REG32((b) + 0x0Cu)
#define USART_CR2(b) REG32((b) + 0x10u)
#define USART_CR3(b) REG32((b) + 0x14u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)
#define USART_CR3_DMAR (1u << 6)

/* DMA1, §13.4; channel 5 serves USART1_RX (Table 78) */
#define DMA1_BASE 0x40020000u
#define DMA_CCR(ch) REG32(DMA1_BASE + 0x08u + 20u * ((ch) - 1u))
#define DMA_CNDTR(ch) REG32(DMA1_BASE + 0x0Cu + 20u * ((ch) - 1u))
#define DMA_CPAR(ch) REG32(DMA1_BASE + 0x10u + 20u * ((ch) - 1u))
#define DMA_CMAR(ch) REG32(DMA1_BASE + 0x14u + 20u * ((ch) - 1u))
#define DMA_CCR_EN (1u << 0)
#define DMA_CCR_CIRC (1u << 5)
#define DMA_CCR_MINC (1u << 7)
#define DMA_CCR_PL_HIGH (2u << 12)

/* TIM2 (general-purpose, 16-bit on the F103), §15.4 */
#define TIM2_BASE 0x40000000u
#define TIM_CR1(b) REG32((b) + 0x00u)
#define TIM_EGR(b) REG32((b) + 0x14u)
#define TIM_CNT(b) REG32((b) + 0x24u)
#define TIM_PSC(b) REG32((b) + 0x28u)
#define TIM_ARR(b) REG32((b) + 0x2Cu)
#define TIM_CR1_CEN (1u << 0)
#define TIM_EGR_UG (1u << 0)

/* IWDG, §19.4 (clocked by the ~40 kHz LSI) */
#define IWDG_KR REG32(0x40003000u)
#define IWDG_PR REG32(0x40003004u)
#define IWDG_RLR REG32(0x40003008u)
#define IWDG_SR REG32(0x4000300Cu)
#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_START 0xCCCCu

/* Device electronic signature, §30 */
#define DESIG_FLASH_SIZE_KB (*(volatile const uint16_t *)0x1FFFF7E0u)
#define DESIG_UID_BASE 0x1FFFF7E8u

/* Cortex-M3 system control block (PM0056 §4.4) */
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_AIRCR_SYSRESETREQ 0x05FA0004u

#endif
