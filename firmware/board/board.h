/*
 * Board support for the mota app on an STM32F103 (register level, polling + DMA, no
 * interrupt handlers: DESIGN decision 5). Every wait on hardware is bounded.
 */
#ifndef MOTA_BOARD_H
#define MOTA_BOARD_H

#include <stdint.h>

typedef enum {
  CLOCK_HSE_PLL_72MHZ = 0, /* 8 MHz crystal x9 */
  CLOCK_HSI_PLL_64MHZ = 1, /* HSE did not start: HSI/2 x16 */
  CLOCK_HSI_8MHZ = 2,      /* neither PLL locked: the reset clock */
} clock_source_t;

/* Clocks, flash wait states, GPIO, USART1 (RX by DMA), TIM2. Returns what it got. */
clock_source_t board_init(uint32_t baud);
uint32_t board_sysclk_hz(void);
const char *board_clock_name(clock_source_t c);

/* USART1: TX polled (waits on TXE, bounded), RX from the DMA ring. */
void uart_putc(uint8_t c);
void uart_write(const uint8_t *p, uint32_t n);
void uart_flush(void); /* waits (bounded) until the last byte has left the shift register */
int uart_getc(void);   /* next received byte or -1 */

/* TIM2 free-running at 1 MHz: 16-bit hardware counter extended to 32 bits in software
 * (call at least every 65 ms). */
uint32_t time_us(void);
void delay_us(uint32_t us);

void led_set(int on); /* PC13, active low */
void led_toggle(void);

void watchdog_start(uint32_t timeout_ms);
void watchdog_kick(void);

void board_uid(uint8_t out[12]);
uint32_t board_flash_size(void);
uint32_t board_reset_flags(void); /* RCC_CSR at boot (flags cleared after reading) */
void board_reset(void) __attribute__((noreturn));

#endif
