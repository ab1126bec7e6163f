/* USART1 RX while the CPU stalls on a page erase (RM0008 §27.3.3, §13.3):
   phase 1 without DMA: the bytes arriving during the stall overrun (ORE), one is kept;
   phase 2 with DMA1 channel 5 circular: every byte lands in RAM. */
#include "sim-test.h"

#define PAGE 0x08030000u
#define RING ((volatile uint8_t *)0x20000200)
#define RING_SIZE 64u

static void erase_page(void) {
  FLASH_CR = FLASH_CR_PER;
  FLASH_AR = PAGE;
  FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
  flash_wait();
  FLASH_CR = 0;
}

int main(void) {
  uart_init(69);
  flash_unlock();

  /* phase 1: polling, no DMA */
  uart_putc('1');
  while (!(USART1_SR & USART_SR_RXNE)) {
  }
  erase_page();
  RESULTS[1] = USART1_SR;
  RESULTS[2] = USART1_DR;

  /* phase 2: DMA circular into RING */
  RCC_AHBENR |= 1u; /* DMA1EN */
  DMA1_CPAR(5) = 0x40013804u;
  DMA1_CMAR(5) = (uint32_t)RING;
  DMA1_CNDTR(5) = RING_SIZE;
  DMA1_CCR(5) = (1u << 7) | (1u << 5) | 1u; /* MINC, CIRC, EN */
  USART1_CR3 = 1u << 6;                     /* DMAR */
  uart_putc('2');
  while (DMA1_CNDTR(5) == RING_SIZE) {
  }
  erase_page();
  RESULTS[3] = RING_SIZE - DMA1_CNDTR(5);
  RESULTS[4] = USART1_SR;
  RESULTS[5] = DMA1_ISR;
  RESULTS[0] = 1;
  return 0;
}
