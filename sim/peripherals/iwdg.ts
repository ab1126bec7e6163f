/**
 * IWDG, RM0008 §19: independent watchdog on the LSI (40 kHz typ, DS5792 table 24).
 * KR 0xCCCC starts it (and it cannot be stopped), 0xAAAA reloads, 0x5555 unlocks PR/RLR.
 * The counter reaching 0 resets the system. PVU/RVU stay set for 5 LSI periods after an update.
 */
import { PeripheralBase } from '../peripheral.ts';
import type { Timer } from '../clock.ts';
import type { BoardContext } from './context.ts';

export const IWDG_BASE = 0x40003000;
const IWDG_KR = 0x00;
const IWDG_PR = 0x04;
const IWDG_RLR = 0x08;
const IWDG_SR = 0x0c;
export const LSI_HZ = 40_000;

export class Iwdg extends PeripheralBase {
  readonly name = 'IWDG';
  private pr = 0;
  private rlr = 0xfff;
  private unlocked = false;
  private running = false;
  private expiry: Timer | undefined;
  private pvuUntil = 0;
  private rvuUntil = 0;
  onStart: () => void = () => {};

  constructor(private readonly ctx: BoardContext) {
    super(IWDG_BASE);
  }

  reset(): void {
    this.ctx.clock.cancel(this.expiry);
    this.expiry = undefined;
    this.pr = 0;
    this.rlr = 0xfff;
    this.unlocked = false;
    this.running = false;
  }

  /** Time from a reload to the reset: (RLR+1) counter ticks of LSI / (4·2^PR). */
  timeoutNs(): number {
    const div = 4 << Math.min(this.pr, 6);
    return ((this.rlr + 1) * div * 1e9) / LSI_HZ;
  }

  private reload(): void {
    this.ctx.clock.cancel(this.expiry);
    this.expiry = this.ctx.clock.schedule(this.timeoutNs(), () => this.ctx.requestReset('watchdog'), 'IWDG expiry');
  }

  readUint32(offset: number): number {
    const now = this.ctx.clock.nowNs();
    switch (offset) {
      case IWDG_KR: return 0;
      case IWDG_PR: return this.pr;
      case IWDG_RLR: return this.rlr;
      case IWDG_SR: return (now < this.pvuUntil ? 1 : 0) | (now < this.rvuUntil ? 2 : 0);
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    const busyNs = (5 * 1e9) / LSI_HZ;
    switch (offset) {
      case IWDG_KR:
        switch (value & 0xffff) {
          case 0xcccc:
            this.unlocked = false;
            if (!this.running) {
              this.running = true;
              this.onStart();
              this.reload();
            }
            return;
          case 0xaaaa:
            this.unlocked = false;
            if (this.running) this.reload();
            return;
          case 0x5555:
            this.unlocked = true;
            return;
          default:
            this.unlocked = false;
            return;
        }
      case IWDG_PR:
        if (!this.unlocked) return;
        this.pr = value & 7;
        this.pvuUntil = this.ctx.clock.nowNs() + busyNs;
        return;
      case IWDG_RLR:
        if (!this.unlocked) return;
        this.rlr = value & 0xfff;
        this.rvuUntil = this.ctx.clock.nowNs() + busyNs;
        return;
      case IWDG_SR: return;
      default: return this.bad(offset, true);
    }
  }
}
