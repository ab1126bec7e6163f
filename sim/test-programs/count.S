/* Exact instruction counting: 2 + 3*N + 2 instructions (BKPT included), N = r0.
   The loop mixes a 32-bit (add.w) and 16-bit instructions. */
  .syntax unified
  .thumb
  .section .vectors, "a"
  .word 0x2000C000
  .word reset_handler

  .text
  .thumb_func
  .global reset_handler
reset_handler:
  ldr r0, =1000000
  movs r1, #0
loop:
  add.w r1, r1, #3
  subs r0, r0, #1
  bne loop
  mov.w r2, #5
  bkpt #0
  .pool
