/* USART1 transmission by DMA1 channel 4 from a buffer in flash (RM0008 §27.3.13, §13.3):
   the CPU only waits for TCIF4 and then for USART TC. */
#include "sim-test.h"

static const char message[] = "sent by DMA channel 4";

int main(void) {
  uart_init(69);
  RCC_AHBENR |= 1u; /* DMA1EN */
  DMA1_CPAR(4) = 0x40013804u;
  DMA1_CMAR(4) = (uint32_t)message;
  DMA1_CNDTR(4) = sizeof message - 1u;
  DMA1_CCR(4) = (1u << 7) | (1u << 4) | 1u; /* MINC, DIR = memory->peripheral, EN */
  USART1_CR3 = 1u << 7;                     /* DMAT */
  while (!(DMA1_ISR & (1u << 13))) {        /* TCIF4 */
  }
  RESULTS[1] = DMA1_CNDTR(4);
  while (!(USART1_SR & USART_SR_TC)) {
  }
  RESULTS[2] = DMA1_ISR;
  RESULTS[0] = 1;
  return 0;
}
