/**
 * TIM2 general-purpose timer, RM0008 §15: up-counting time base (CR1.CEN/OPM/UDIS/URS,
 * PSC, ARR, CNT, SR.UIF, EGR.UG), clocked by TIMxCLK (RM0008 §7.2). Compare/capture
 * registers are kept but their flags are not modelled; interrupts need an NVIC (none).
 * PSC written while counting takes effect at the next UG, as the preload does at the next update.
 */
import { MotaError } from '../../common/errors.ts';
import { PeripheralBase } from '../peripheral.ts';
import type { BoardContext, ClockTree } from './context.ts';

export const TIM2_BASE = 0x40000000;
const TIM_CR1 = 0x00;
const TIM_DIER = 0x0c;
const TIM_SR = 0x10;
const TIM_EGR = 0x14;
const TIM_CNT = 0x24;
const TIM_PSC = 0x28;
const TIM_ARR = 0x2c;
const CR1_CEN = 1 << 0;
const CR1_UDIS = 1 << 1;
const CR1_URS = 1 << 2;
const CR1_OPM = 1 << 3;
const CR1_DIR = 1 << 4;
const CR1_CMS = 3 << 5;
const SR_UIF = 1 << 0;

export class Timer2 extends PeripheralBase {
  readonly name = 'TIM2';
  private cr1 = 0;
  private sr = 0;
  private psc = 0;
  private pscActive = 0;
  private arr = 0xffff;
  private anchorNs = 0;
  private anchorCnt = 0;
  private stopped = 0;
  /** Kept, not modelled: CR2 SMCR CCMR1 CCMR2 CCER CCR1..4 DCR (offsets → value). */
  private plain = new Map<number, number>();

  constructor(
    private readonly ctx: BoardContext,
    private readonly clocks: ClockTree,
  ) {
    super(TIM2_BASE);
  }

  reset(): void {
    this.cr1 = this.sr = this.psc = this.pscActive = this.anchorCnt = this.stopped = 0;
    this.arr = 0xffff;
    this.plain.clear();
  }

  private tickNs(): number {
    return ((this.pscActive + 1) * 1e9) / this.clocks.timclk1;
  }

  /** Brings CNT/UIF up to now. */
  private update(): number {
    if (!(this.cr1 & CR1_CEN)) return this.stopped;
    const now = this.ctx.clock.nowNs();
    const ticks = Math.floor((now - this.anchorNs) / this.tickNs() + 1e-9);
    const period = this.anchorCnt > this.arr ? 0x10000 : this.arr + 1;
    const total = this.anchorCnt + ticks;
    if (total < period) return total;
    if (!(this.cr1 & CR1_UDIS)) this.sr |= SR_UIF;
    if (this.cr1 & CR1_OPM) {
      this.cr1 &= ~CR1_CEN;
      this.stopped = 0;
      return 0;
    }
    // re-anchor at the last overflow (CNT = 0 there) so later periods are ARR+1 ticks
    const wraps = Math.floor((total - period) / (this.arr + 1)) + 1;
    const ticksToLastOverflow = period - this.anchorCnt + (wraps - 1) * (this.arr + 1);
    this.anchorNs += ticksToLastOverflow * this.tickNs();
    this.anchorCnt = 0;
    return (total - period) % (this.arr + 1);
  }

  /** CNT counts linearly until the next overflow; PSC/ARR change only on writes. */
  stableUntilNs(offset: number): number {
    if (offset !== TIM_CNT) return offset === TIM_PSC || offset === TIM_ARR ? Infinity : -Infinity;
    if (!(this.cr1 & CR1_CEN)) return Infinity;
    const period = this.anchorCnt > this.arr ? 0x10000 : this.arr + 1;
    return this.anchorNs + (period - this.anchorCnt) * this.tickNs() - 1e-6;
  }

  countingAt(offset: number): { base: number; originNs: number; perNs: number } | undefined {
    if (offset !== TIM_CNT || !(this.cr1 & CR1_CEN)) return undefined;
    return { base: this.anchorCnt, originNs: this.anchorNs, perNs: 1 / this.tickNs() };
  }

  private setCount(cnt: number): void {
    this.stopped = cnt;
    this.anchorCnt = cnt;
    this.anchorNs = this.ctx.clock.nowNs();
  }

  readUint32(offset: number): number {
    switch (offset) {
      case TIM_CR1: this.update(); return this.cr1;
      case TIM_DIER: return 0;
      case TIM_SR: this.update(); return this.sr;
      case TIM_EGR: return 0;
      case TIM_CNT: return this.update();
      case TIM_PSC: return this.psc;
      case TIM_ARR: return this.arr;
      default:
        if (this.plain.has(offset) || isPlain(offset)) return this.plain.get(offset) ?? 0;
        return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case TIM_CR1: {
        if (value & (CR1_DIR | CR1_CMS)) throw new MotaError('SIM_UNMODELLED_FEATURE', 'TIM2 down/center-aligned counting is not modelled', 'count up (CR1.DIR=0, CMS=0)');
        const cnt = this.update();
        const wasOn = this.cr1 & CR1_CEN;
        this.cr1 = value & 0x3ff;
        if (!wasOn && this.cr1 & CR1_CEN) this.setCount(cnt);
        else if (wasOn && !(this.cr1 & CR1_CEN)) this.stopped = cnt;
        return;
      }
      case TIM_DIER:
        if (value & 0x5f5f) throw new MotaError('SIM_UNMODELLED_FEATURE', 'TIM2_DIER: timer interrupts/DMA requests need an NVIC or DMA mapping the virtual board lacks', 'poll TIM2_SR.UIF or read TIM2_CNT');
        return;
      case TIM_SR:
        this.update();
        this.sr &= value; // rc_w0
        return;
      case TIM_EGR:
        if (value & 1) {
          this.pscActive = this.psc;
          this.setCount(0);
          if (!(this.cr1 & (CR1_URS | CR1_UDIS))) this.sr |= SR_UIF;
        }
        return;
      case TIM_CNT: this.setCount(value & 0xffff); return;
      case TIM_PSC:
        this.psc = value & 0xffff;
        if (!(this.cr1 & CR1_CEN)) this.pscActive = this.psc;
        return;
      case TIM_ARR: {
        const cnt = this.update();
        this.arr = value & 0xffff;
        this.setCount(cnt);
        return;
      }
      default:
        if (isPlain(offset)) {
          this.plain.set(offset, value >>> 0);
          return;
        }
        return this.bad(offset, true);
    }
  }
}

function isPlain(offset: number): boolean {
  return [0x04, 0x08, 0x18, 0x1c, 0x20, 0x34, 0x38, 0x3c, 0x40, 0x48].includes(offset);
}
