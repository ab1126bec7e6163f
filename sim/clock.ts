/**
 * Virtual time. The CPU clock is the only time source: cycles = retired instructions × CPI
 * + stall cycles (flash busy). Peripherals schedule events in nanoseconds of virtual time;
 * the run loop turns the next event into an instruction budget for the native engine.
 */
import { Ctl } from './native.ts';

export interface Timer {
  at: number;
  fn: () => void;
  cancelled: boolean;
  label: string;
}

export class VirtualClock {
  /** Core clock (HCLK) in Hz: HSI 8 MHz after reset, changed by RCC. */
  hz = 8_000_000;
  readonly cpi: number;
  private stallCycles = 0;
  private baseNs = 0;
  private baseCycles = 0;
  private queue: Timer[] = [];
  private seq = 0;

  /** `shared.ctl` is the native control block (replaced by a copy when the engine closes). */
  constructor(
    private readonly shared: { ctl: Float64Array },
    cpi = 1,
  ) {
    this.cpi = cpi;
  }

  private get ctl(): Float64Array {
    return this.shared.ctl;
  }

  get instructions(): number {
    return this.ctl[Ctl.icount]!;
  }

  /** CPU cycles since power-on (what DWT CYCCNT counts). */
  get cycles(): number {
    return this.ctl[Ctl.icount]! * this.cpi + this.stallCycles;
  }

  nowNs(): number {
    return this.baseNs + ((this.cycles - this.baseCycles) * 1e9) / this.hz;
  }

  /** Changes the core clock from now on (RCC clock switch). */
  setHz(hz: number): void {
    const now = this.nowNs();
    this.baseCycles = this.cycles;
    this.baseNs = now;
    this.hz = hz;
  }

  /** The CPU waits `ns` without retiring instructions (flash busy stall, sleep). */
  stall(ns: number): void {
    if (ns > 0) this.stallCycles += (ns * this.hz) / 1e9;
  }

  /** Instruction count at which virtual time reaches `tNs` (never below the current count). */
  icountAt(tNs: number): number {
    const cyclesNeeded = this.baseCycles + ((tNs - this.baseNs) * this.hz) / 1e9;
    const instr = Math.ceil((cyclesNeeded - this.stallCycles) / this.cpi - 1e-9);
    return Math.max(instr, this.instructions);
  }

  schedule(delayNs: number, fn: () => void, label = ''): Timer {
    const t: Timer = { at: this.nowNs() + Math.max(0, delayNs), fn, cancelled: false, label };
    this.insert(t);
    return t;
  }

  scheduleAt(atNs: number, fn: () => void, label = ''): Timer {
    const t: Timer = { at: atNs, fn, cancelled: false, label };
    this.insert(t);
    return t;
  }

  cancel(t: Timer | undefined): void {
    if (t) t.cancelled = true;
  }

  private insert(t: Timer): void {
    this.seq++;
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > t.at) i--;
    this.queue.splice(i, 0, t);
    // An event sooner than the running slice's budget: stop at the next block boundary.
    const icount = this.icountAt(t.at);
    if (icount < this.ctl[Ctl.budget]!) this.ctl[Ctl.budget] = icount;
    if (this.ctl[Ctl.skipUntil]! > 0 && icount < this.ctl[Ctl.skipUntil]!) this.ctl[Ctl.skipUntil] = icount;
  }

  /** Time of the next pending event, or Infinity. */
  nextEventNs(): number {
    while (this.queue.length > 0 && this.queue[0]!.cancelled) this.queue.shift();
    return this.queue[0]?.at ?? Infinity;
  }

  /** Fires every event due at or before now, in time order. Returns how many fired. */
  fireDue(): number {
    let n = 0;
    for (;;) {
      const next = this.queue[0];
      if (!next) return n;
      if (next.cancelled) {
        this.queue.shift();
        continue;
      }
      if (next.at > this.nowNs()) return n;
      this.queue.shift();
      n++;
      next.fn();
    }
  }

  /** Drops every pending event (reset, power cut). */
  clearEvents(): void {
    for (const t of this.queue) t.cancelled = true;
    this.queue = [];
  }

  /** Moves virtual time forward to `tNs` without executing instructions (the CPU idles). */
  idleUntil(tNs: number): void {
    const now = this.nowNs();
    if (tNs > now) this.stall(tNs - now);
  }
}
