/**
 * Cortex-M3 system peripherals on the private peripheral bus (PM0056 §4, ARMv7-M ARM B3):
 * SCB (CPUID, VTOR, AIRCR system reset), CoreDebug DEMCR, SysTick, DWT CYCCNT.
 * There is no NVIC: the firmware is polling-only (DESIGN decision 5), so enabling an
 * exception that would need one is a loud error.
 */
import { MotaError } from '../../common/errors.ts';
import { PeripheralBase } from '../peripheral.ts';
import type { BoardContext, ClockTree } from './context.ts';

export const SCB_BASE = 0xe000ed00;
const SCB_CPUID = 0x00;
const SCB_ICSR = 0x04;
const SCB_VTOR = 0x08;
const SCB_AIRCR = 0x0c;
const SCB_SCR = 0x10;
const SCB_CCR = 0x14;
const SCB_SHPR1 = 0x18;
const SCB_SHPR3 = 0x20;
const SCB_SHCSR = 0x24;
const SCB_CFSR = 0x28;
const SCB_HFSR = 0x2c;
const COREDEBUG_DEMCR = 0xfc;
const AIRCR_VECTKEY = 0x05fa;
const AIRCR_SYSRESETREQ = 1 << 2;
export const DEMCR_TRCENA = 1 << 24;

/** SCB + CoreDebug (0xE000ED00–0xE000EDFF). */
export class Scb extends PeripheralBase {
  readonly name = 'SCB';
  override readonly size = 0x100;
  vtor = 0;
  private aircrPrigroup = 0;
  private scr = 0;
  private ccr = 0x200;
  private shpr = new Uint32Array(3);
  demcr = 0;
  /** DEMCR.TRCENA changed (DWT starts or stops counting). */
  onTraceChange: () => void = () => {};

  constructor(private readonly ctx: BoardContext) {
    super(SCB_BASE);
  }

  reset(): void {
    this.vtor = 0;
    this.aircrPrigroup = 0;
    this.scr = 0;
    this.ccr = 0x200;
    this.shpr.fill(0);
    this.demcr = 0;
  }

  readUint32(offset: number): number {
    switch (offset) {
      case SCB_CPUID: return 0x411fc231; // Cortex-M3 r1p1, as in STM32F103 (PM0056 §4.4.1)
      case SCB_ICSR: return 0;
      case SCB_VTOR: return this.vtor >>> 0;
      case SCB_AIRCR: return ((0xfa05 << 16) | (this.aircrPrigroup << 8)) >>> 0;
      case SCB_SCR: return this.scr;
      case SCB_CCR: return this.ccr;
      case SCB_SHPR1:
      case SCB_SHPR1 + 4:
      case SCB_SHPR3: return this.shpr[(offset - SCB_SHPR1) / 4]!;
      case SCB_SHCSR:
      case SCB_CFSR:
      case SCB_HFSR: return 0;
      case COREDEBUG_DEMCR: return this.demcr >>> 0;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    value >>>= 0;
    switch (offset) {
      case SCB_ICSR:
        if (value !== 0) throw new MotaError('SIM_UNMODELLED_FEATURE', 'SCB_ICSR: pending exceptions need an NVIC, which the virtual board does not have', 'polling-only firmware (DESIGN decision 5)');
        return;
      case SCB_VTOR: this.vtor = value & 0x3fffff80; return;
      case SCB_AIRCR:
        if (value >>> 16 !== AIRCR_VECTKEY) return; // writes without the key are ignored
        this.aircrPrigroup = (value >>> 8) & 7;
        if (value & AIRCR_SYSRESETREQ) this.ctx.requestReset('software');
        return;
      case SCB_SCR: this.scr = value & 0x16; return;
      case SCB_CCR: this.ccr = value & 0x31b; return;
      case SCB_SHPR1:
      case SCB_SHPR1 + 4:
      case SCB_SHPR3: this.shpr[(offset - SCB_SHPR1) / 4] = value; return;
      case SCB_SHCSR:
        if (value & 0x70000) throw new MotaError('SIM_UNMODELLED_FEATURE', 'SCB_SHCSR: enabling fault handlers is not modelled; faults stop the virtual board with an error', 'leave SHCSR at its reset value');
        return;
      case SCB_CFSR:
      case SCB_HFSR: return; // write-one-to-clear status, always clear here
      case COREDEBUG_DEMCR: {
        const was = this.demcr;
        this.demcr = value & 0x010f07f1;
        if ((was ^ this.demcr) & DEMCR_TRCENA) this.onTraceChange();
        return;
      }
      default: return this.bad(offset, true);
    }
  }
}

/** SysTick, PM0056 §4.5: 24-bit down counter on HCLK (CLKSOURCE=1) or HCLK/8, counted from CPU cycles. */
export class SysTick extends PeripheralBase {
  readonly name = 'SysTick';
  override readonly size = 0x10;
  private ctrl = 0;
  private load = 0;
  /** Counter value at `anchorTicks` (in source-clock ticks since power-on). */
  private anchorVal = 0;
  private anchorTicks = 0;
  private countflag = false;

  constructor(private readonly ctx: BoardContext) {
    super(0xe000e010);
  }

  reset(): void {
    this.ctrl = 0;
    this.load = 0;
    this.anchorVal = 0;
    this.countflag = false;
  }

  private ticks(): number {
    const c = this.ctx.clock.cycles;
    return Math.floor(this.ctrl & 4 ? c : c / 8);
  }

  /** Current value; sets COUNTFLAG when the counter went from 1 to 0 since the anchor. */
  private current(): number {
    if (!(this.ctrl & 1)) return this.anchorVal;
    const t = this.ticks();
    let k = t - this.anchorTicks;
    let v = this.anchorVal;
    if (v > 0 && k > 0) {
      if (k < v) {
        v -= k;
        k = 0;
      } else {
        k -= v;
        v = 0;
        this.countflag = true;
      }
    }
    if (k > 0 && this.load > 0) {
      // from 0: the next tick reloads LOAD, then counts down; period LOAD+1
      v = this.load - ((k - 1) % (this.load + 1));
      if (k - 1 >= this.load) this.countflag = true;
    }
    this.anchorVal = v;
    this.anchorTicks = t;
    return v;
  }

  readUint32(offset: number): number {
    switch (offset) {
      case 0x0: {
        this.current();
        const v = this.ctrl | (this.countflag ? 1 << 16 : 0);
        this.countflag = false; // COUNTFLAG clears on read
        return v;
      }
      case 0x4: return this.load;
      case 0x8: return this.current();
      case 0xc: return 0x40002328; // STM32F1 CALIB: NOREF=0, SKEW=1, TENMS=9000 (PM0056 §4.5.4)
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case 0x0:
        if (value & 2) throw new MotaError('SIM_UNMODELLED_FEATURE', 'SysTick TICKINT: the SysTick exception needs an NVIC, which the virtual board does not have', 'poll SYST_CSR.COUNTFLAG instead (DESIGN decision 5)');
        this.current();
        this.ctrl = value & 5;
        this.anchorTicks = this.ticks();
        return;
      case 0x4: this.load = value & 0xffffff; return;
      case 0x8:
        this.current();
        this.anchorVal = 0; // any write clears the counter and COUNTFLAG
        this.anchorTicks = this.ticks();
        this.countflag = false;
        return;
      case 0xc: return;
      default: return this.bad(offset, true);
    }
  }
}

/** DWT, ARMv7-M ARM C1.8: CTRL.CYCCNTENA and CYCCNT (counts CPU cycles while DEMCR.TRCENA). */
export class Dwt extends PeripheralBase {
  readonly name = 'DWT';
  override readonly size = 0x1000;
  private ctrl = 0x40000000;
  private cyccntBase = 0;
  private cyclesAtBase = 0;

  private counting = false;

  constructor(
    private readonly ctx: BoardContext,
    private readonly scb: Scb,
  ) {
    super(0xe0001000);
    scb.onTraceChange = () => this.sync();
  }

  /** Re-anchors CYCCNT whenever counting starts or stops, so only enabled cycles count. */
  private sync(): void {
    const cycles = this.ctx.clock.cycles;
    if (this.counting) this.cyccntBase = (this.cyccntBase + Math.floor(cycles - this.cyclesAtBase)) % 0x100000000;
    this.cyclesAtBase = cycles;
    this.counting = this.running();
  }

  reset(): void {
    this.ctrl = 0x40000000;
    this.cyccntBase = 0;
    this.cyclesAtBase = 0;
    this.counting = false;
  }

  private running(): boolean {
    return (this.ctrl & 1) !== 0 && (this.scb.demcr & DEMCR_TRCENA) !== 0;
  }

  private cyccnt(): number {
    if (!this.counting) return this.cyccntBase >>> 0;
    return (this.cyccntBase + Math.floor(this.ctx.clock.cycles - this.cyclesAtBase)) % 0x100000000;
  }

  stableUntilNs(offset: number): number {
    return offset === 0x4 || offset === 0x0 ? Infinity : -Infinity;
  }

  /** CYCCNT counts CPU cycles: base + cycles since the anchor (the native layer wraps it mod 2^32). */
  countingAt(offset: number): { base: number; originNs: number; perNs: number } | undefined {
    if (offset !== 0x4 || !this.counting) return undefined;
    const nowNs = this.ctx.clock.nowNs();
    const base = this.cyccnt();
    return { base, originNs: nowNs, perNs: this.ctx.clock.hz / 1e9 };
  }

  readUint32(offset: number): number {
    switch (offset) {
      case 0x0: return this.ctrl >>> 0;
      case 0x4: return this.cyccnt() >>> 0;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case 0x0:
        this.sync();
        this.ctrl = (0x40000000 | (value & 0x1fff)) >>> 0;
        this.sync();
        return;
      case 0x4:
        this.cyccntBase = value >>> 0;
        this.cyclesAtBase = this.ctx.clock.cycles;
        return;
      default: return this.bad(offset, true);
    }
  }
}
