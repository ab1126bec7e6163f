/**
 * DMA1, RM0008 §13. All seven channels' registers are kept; requests exist for the two
 * channels mota uses: 4 = USART1_TX, 5 = USART1_RX (RM0008 §13.3.7 table 78). Normal and
 * circular mode, CNDTR counting down, MINC/PINC, PSIZE/MSIZE, HT/TC/GIF flags.
 */
import { MotaError } from '../../common/errors.ts';
import { hex, PeripheralBase } from '../peripheral.ts';
import type { BoardContext } from './context.ts';

export const DMA1_BASE = 0x40020000;
const DMA_ISR = 0x00;
const DMA_IFCR = 0x04;
const CCR_EN = 1 << 0;
const CCR_INTERRUPTS = 0x0e; // TCIE HTIE TEIE
const CCR_DIR = 1 << 4;
const CCR_CIRC = 1 << 5;
const CCR_PINC = 1 << 6;
const CCR_MINC = 1 << 7;
const CCR_MEM2MEM = 1 << 14;
const GIF = 1;
const TCIF = 2;
const HTIF = 4;

interface Channel {
  ccr: number;
  cndtr: number; // programmed value (reload for circular)
  remaining: number;
  cpar: number;
  cmar: number;
  index: number; // transfers done since (re)load
}

export class Dma extends PeripheralBase {
  readonly name = 'DMA1';
  private isr = 0;
  private readonly ch: Channel[] = [];
  /** Called when a channel becomes able to move data (USART TX pulls). */
  onEnable: (channel: number) => void = () => {};

  constructor(private readonly ctx: BoardContext) {
    super(DMA1_BASE);
    this.reset();
  }

  reset(): void {
    this.isr = 0;
    this.ch.length = 0;
    for (let i = 0; i < 7; i++) this.ch.push({ ccr: 0, cndtr: 0, remaining: 0, cpar: 0, cmar: 0, index: 0 });
  }

  override isStable(offset: number): boolean {
    return offset === DMA_ISR || (offset >= 0x08 && offset < 0x8c);
  }

  readUint32(offset: number): number {
    if (offset === DMA_ISR) return this.isr >>> 0;
    if (offset === DMA_IFCR) return 0;
    const [c, reg] = this.locate(offset, false);
    switch (reg) {
      case 0: return c.ccr;
      case 1: return c.ccr & CCR_EN ? c.remaining : c.cndtr;
      case 2: return c.cpar >>> 0;
      default: return c.cmar >>> 0;
    }
  }

  writeUint32(offset: number, value: number): void {
    if (offset === DMA_ISR) return;
    if (offset === DMA_IFCR) {
      // CGIFx clears all four flags of channel x (RM0008 §13.4.2)
      let clear = value;
      for (let i = 0; i < 7; i++) if (value & (GIF << (4 * i))) clear |= 0xf << (4 * i);
      this.isr &= ~clear;
      return;
    }
    const [c, reg, n] = this.locate(offset, true);
    switch (reg) {
      case 0: {
        if (value & CCR_INTERRUPTS) throw new MotaError('SIM_UNMODELLED_FEATURE', `DMA1_CCR${n} interrupt enable set, but the virtual board has no NVIC (DESIGN decision 5)`, 'poll DMA1_ISR / CNDTR instead');
        if (value & CCR_MEM2MEM && value & CCR_EN) throw new MotaError('SIM_UNMODELLED_FEATURE', `DMA1 channel ${n}: memory-to-memory mode is not modelled`, 'copy with the CPU');
        const wasOn = c.ccr & CCR_EN;
        c.ccr = value & 0x7fff;
        if (!wasOn && c.ccr & CCR_EN) {
          c.remaining = c.cndtr;
          c.index = 0;
          this.onEnable(n);
        }
        return;
      }
      case 1:
        if (!(c.ccr & CCR_EN)) c.cndtr = value & 0xffff; // writable only while disabled
        return;
      case 2:
        if (!(c.ccr & CCR_EN)) c.cpar = value >>> 0;
        return;
      default:
        if (!(c.ccr & CCR_EN)) c.cmar = value >>> 0;
    }
  }

  private locate(offset: number, write: boolean): [Channel, number, number] {
    const rel = offset - 0x08;
    const n = Math.floor(rel / 0x14) + 1;
    const reg = (rel % 0x14) / 4;
    const c = this.ch[n - 1];
    if (rel < 0 || !c || reg > 3 || !Number.isInteger(reg)) return this.bad(offset, write);
    return [c, reg, n];
  }

  private active(n: number, dirMemToPeriph: boolean): Channel | undefined {
    const c = this.ch[n - 1]!;
    if (!(c.ccr & CCR_EN) || c.remaining === 0) return undefined;
    if (((c.ccr & CCR_DIR) !== 0) !== dirMemToPeriph) {
      throw new MotaError('SIM_DMA_CONFIG', `DMA1 channel ${n} has DIR=${dirMemToPeriph ? 0 : 1} but its request is ${dirMemToPeriph ? 'memory→peripheral (TX)' : 'peripheral→memory (RX)'}`, 'set CCR.DIR=1 for USART TX (channel 4), 0 for RX (channel 5)');
    }
    return c;
  }

  private sizeOf(bits: number): 1 | 2 | 4 {
    return bits === 0 ? 1 : bits === 1 ? 2 : 4;
  }

  private advance(n: number, c: Channel): void {
    c.index++;
    c.remaining--;
    const f = 4 * (n - 1);
    if (c.remaining === Math.floor(c.cndtr / 2)) this.isr |= (HTIF | GIF) << f;
    if (c.remaining === 0) {
      this.isr |= (TCIF | GIF) << f;
      if (c.ccr & CCR_CIRC) {
        c.remaining = c.cndtr;
        c.index = 0;
      }
    }
  }

  private memAddr(c: Channel, msize: number): number {
    return (c.cmar + (c.ccr & CCR_MINC ? c.index * msize : 0)) >>> 0;
  }

  /** A peripheral-to-memory request (USART RX): returns false when the channel is not ready. */
  periphToMem(n: number, value: number): boolean {
    const c = this.active(n, false);
    if (!c) return false;
    const msize = this.sizeOf((c.ccr >>> 10) & 3);
    const addr = this.memAddr(c, msize);
    try {
      this.ctx.busWrite(addr, msize, value);
    } catch (e) {
      throw new MotaError('SIM_DMA_ERROR', `DMA1 channel ${n} wrote to ${hex(addr)}: ${(e as Error).message}`, 'check CMAR/CNDTR: the buffer must lie in RAM');
    }
    this.advance(n, c);
    return true;
  }

  /** A memory-to-peripheral request (USART TX): the next value, or undefined when idle. */
  memToPeriph(n: number): number | undefined {
    const c = this.active(n, true);
    if (!c) return undefined;
    const msize = this.sizeOf((c.ccr >>> 10) & 3);
    const addr = this.memAddr(c, msize);
    let v: number;
    try {
      v = this.ctx.busRead(addr, msize);
    } catch (e) {
      throw new MotaError('SIM_DMA_ERROR', `DMA1 channel ${n} read ${hex(addr)}: ${(e as Error).message}`, 'check CMAR/CNDTR');
    }
    this.advance(n, c);
    return v;
  }
}
