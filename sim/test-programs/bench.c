/* Workloads for bench/sim-speed, selected by RESULTS[63]:
   1: compute-bound integer loop, RESULTS[62] iterations;
   2: counted polling of USART1_SR (RESULTS[62] reads, a loop counter changes every pass);
   3: waiting for a character: while (!(USART1_SR & RXNE)) {} until the host sends one;
   4: memory-bound loop, a RAM load and store per pass. */
#include "sim-test.h"

int main(void) {
  uint32_t n = RESULTS[62];
  if (RESULTS[63] == 1) {
    uint32_t a = 1, b = 2;
    for (uint32_t i = 0; i < n; i++) {
      a = a * 1664525u + 1013904223u;
      b ^= a >> 7;
    }
    RESULTS[1] = b;
    return 0;
  }
  if (RESULTS[63] == 4) {
    /* memory-bound: a store and a load to RAM every pass */
    volatile uint32_t *cell = &RESULTS[2];
    for (uint32_t i = 0; i < n; i++) *cell = *cell + i;
    RESULTS[1] = *cell;
    return 0;
  }
  uart_init(69);
  if (RESULTS[63] == 3) {
    while (!(USART1_SR & USART_SR_RXNE)) {
    }
    RESULTS[1] = USART1_DR;
    return 0;
  }
  /* Poll the status register n times (the loop a firmware spins in while waiting for input). */
  uint32_t seen = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (USART1_SR & USART_SR_RXNE) seen++;
  }
  RESULTS[1] = seen;
  return 0;
}
