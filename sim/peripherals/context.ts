/** What a peripheral may ask of the board it sits on. */
import type { VirtualClock } from '../clock.ts';

export type ResetCause = 'power' | 'software' | 'watchdog' | 'pin';

export interface BoardContext {
  readonly clock: VirtualClock;
  /** Re-evaluate the run budget at the next block boundary (state changed under the CPU). */
  requestStop(): void;
  /** A system reset (AIRCR SYSRESETREQ, IWDG) taken at the next block boundary. */
  requestReset(cause: ResetCause): void;
  /** Bus access on behalf of DMA (RAM, flash reads, peripherals). */
  busRead(addr: number, size: 1 | 2 | 4): number;
  busWrite(addr: number, size: 1 | 2 | 4, value: number): void;
}

/** RM0008 §7.3 enable bits the other peripherals check. */
export interface ClockTree {
  readonly hclk: number;
  readonly pclk1: number;
  readonly pclk2: number;
  /** TIM2..7 clock: PCLK1, doubled when the APB1 prescaler is not 1 (RM0008 §7.2). */
  readonly timclk1: number;
  enabled(bus: 'AHB' | 'APB1' | 'APB2', bit: number): boolean;
}
