/* STM32F103 registers the bootloader touches, named as in RM0008 (section in each comment). */
#ifndef MOTA_STM32F1_REGS_H
#define MOTA_STM32F1_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define REG16(addr) (*(volatile uint16_t *)(addr))

/* RCC, RM0008 §7.3 */
#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CFGR REG32(RCC_BASE + 0x04u)
#define RCC_AHBENR REG32(RCC_BASE + 0x14u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x18u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x1Cu)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_PPRE1_DIV2 (0x4u << 8)
#define RCC_CFGR_PLLSRC_HSE (1u << 16)
#define RCC_CFGR_PLLMUL9 (0x7u << 18)
#define RCC_AHBENR_DMA1EN (1u << 0)
#define RCC_AHBENR_CRCEN (1u << 6)
#define RCC_APB2ENR_IOPAEN (1u << 2)
#define RCC_APB2ENR_IOPCEN (1u << 4)
#define RCC_APB2ENR_USART1EN (1u << 14)
#define RCC_APB1ENR_TIM2EN (1u << 0)

/* Flash interface, RM0008 §3.3.3 and PM0075 */
#define FLASH_R_BASE 0x40022000u
#define FLASH_ACR REG32(FLASH_R_BASE + 0x00u)
#define FLASH_KEYR REG32(FLASH_R_BASE + 0x04u)
#define FLASH_SR REG32(FLASH_R_BASE + 0x0Cu)
#define FLASH_CR REG32(FLASH_R_BASE + 0x10u)
#define FLASH_AR REG32(FLASH_R_BASE + 0x14u)
#define FLASH_ACR_LATENCY_2 0x2u
#define FLASH_ACR_PRFTBE (1u << 4)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_SR_BSY (1u << 0)
#define FLASH_SR_PGERR (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP (1u << 5)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_STRT (1u << 6)
#define FLASH_CR_LOCK (1u << 7)

/* GPIO, RM0008 §9.2 */
#define GPIOA_BASE 0x40010800u
#define GPIOC_BASE 0x40011000u
#define GPIO_CRH(base) REG32((base) + 0x04u)
#define GPIO_BSRR(base) REG32((base) + 0x10u)

/* USART1, RM0008 §27.6 */
#define USART1_BASE 0x40013800u
#define USART1_SR REG32(USART1_BASE + 0x00u)
#define USART1_DR REG32(USART1_BASE + 0x04u)
#define USART1_BRR REG32(USART1_BASE + 0x08u)
#define USART1_CR1 REG32(USART1_BASE + 0x0Cu)
#define USART1_CR3 REG32(USART1_BASE + 0x14u)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)
#define USART_CR3_DMAR (1u << 6)

/* DMA1 channel 5 = USART1_RX, RM0008 §13.5 (channel n registers at 0x08 + 20 (n - 1)) */
#define DMA1_BASE 0x40020000u
#define DMA1_IFCR REG32(DMA1_BASE + 0x04u)
#define DMA1_CCR5 REG32(DMA1_BASE + 0x58u)
#define DMA1_CNDTR5 REG32(DMA1_BASE + 0x5Cu)
#define DMA1_CPAR5 REG32(DMA1_BASE + 0x60u)
#define DMA1_CMAR5 REG32(DMA1_BASE + 0x64u)
#define DMA_CCR_EN (1u << 0)
#define DMA_CCR_CIRC (1u << 5)
#define DMA_CCR_MINC (1u << 7)
#define DMA_IFCR_CGIF5 (0xFu << 16)

/* TIM2, RM0008 §15.4 */
#define TIM2_BASE 0x40000000u
#define TIM2_CR1 REG32(TIM2_BASE + 0x00u)
#define TIM2_EGR REG32(TIM2_BASE + 0x14u)
#define TIM2_CNT REG32(TIM2_BASE + 0x24u)
#define TIM2_PSC REG32(TIM2_BASE + 0x28u)
#define TIM2_ARR REG32(TIM2_BASE + 0x2Cu)
#define TIM_CR1_CEN (1u << 0)
#define TIM_EGR_UG (1u << 0)

/* CRC calculation unit, RM0008 §4.4 */
#define CRC_BASE 0x40023000u
#define CRC_DR REG32(CRC_BASE + 0x00u)
#define CRC_CR REG32(CRC_BASE + 0x08u)
#define CRC_CR_RESET (1u << 0)

/* Independent watchdog, RM0008 §19.4 */
#define IWDG_KR REG32(0x40003000u)
#define IWDG_KR_RELOAD 0xAAAAu

/* System control block, PM0056 §4.4 */
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_AIRCR_SYSRESET 0x05FA0004u

/* Device electronic signature, RM0008 §30 */
#define UID_BASE 0x1FFFF7E8u

#endif
