/* USART1 echo at 115200 baud on HSI 8 MHz (RM0008 §27.3.4: BRR = 8e6/115200 = 69.4 -> 69).
   Prints "ready\n", then returns every received byte. */
#include "sim-test.h"

int main(void) {
  uart_init(69);
  uart_puts("ready\n");
  for (;;) {
    while (!(USART1_SR & USART_SR_RXNE)) {
    }
    uart_putc((char)USART1_DR);
  }
}
