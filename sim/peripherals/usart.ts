/**
 * USART1, RM0008 §27.6 (registers) and §27.3 (character transmission/reception).
 * BRR sets the baud from PCLK2; each TX or RX character takes its frame time
 * (start + 8/9 data + stop bits) in virtual time. TXE/TC/RXNE/ORE/IDLE as in §27.6.1:
 * a character arriving while RXNE is still set and DMA reception is off is lost (ORE).
 * Simplification: the "read SR then read/write DR" clearing sequences clear on the DR access.
 */
import { MotaError } from '../../common/errors.ts';
import { PeripheralBase } from '../peripheral.ts';
import type { BoardContext, ClockTree } from './context.ts';
import type { Timer } from '../clock.ts';
import type { Dma } from './dma.ts';

export const USART1_BASE = 0x40013800;
const USART_SR = 0x00;
const USART_DR = 0x04;
const USART_BRR = 0x08;
const USART_CR1 = 0x0c;
const USART_CR2 = 0x10;
const USART_CR3 = 0x14;
const USART_GTPR = 0x18;

export const SR_PE = 1 << 0;
export const SR_FE = 1 << 1;
export const SR_NE = 1 << 2;
export const SR_ORE = 1 << 3;
export const SR_IDLE = 1 << 4;
export const SR_RXNE = 1 << 5;
export const SR_TC = 1 << 6;
export const SR_TXE = 1 << 7;
const CR1_RE = 1 << 2;
const CR1_TE = 1 << 3;
const CR1_INTERRUPTS = 0x1f0; // IDLEIE RXNEIE TCIE TXEIE PEIE
const CR1_M = 1 << 12;
const CR1_UE = 1 << 13;
const CR3_DMAR = 1 << 6;
const CR3_DMAT = 1 << 7;
const DMA_TX_CHANNEL = 4;
const DMA_RX_CHANNEL = 5;

export class Usart extends PeripheralBase {
  readonly name = 'USART1';
  private sr = SR_TXE | SR_TC;
  private rdr = 0;
  private tdr = 0;
  private tdrFull = false;
  private shifting = false;
  private brr = 0;
  private cr1 = 0;
  private cr2 = 0;
  private cr3 = 0;
  private gtpr = 0;
  private rxTimer: Timer | undefined;
  private idleTimer: Timer | undefined;
  /** Characters the host has sent that are still on the wire. */
  private readonly line: number[] = [];
  /** Bytes the USART put on the wire, delivered to the host. */
  onTransmit: (byte: number) => void = () => {};
  dma: Dma | undefined;
  /** Characters lost to overrun or to a disabled receiver (statistics for tests). */
  lost = 0;

  constructor(
    private readonly ctx: BoardContext,
    private readonly clocks: ClockTree,
  ) {
    super(USART1_BASE);
  }

  reset(): void {
    this.sr = SR_TXE | SR_TC;
    this.rdr = this.tdr = this.brr = this.cr1 = this.cr2 = this.cr3 = this.gtpr = 0;
    this.tdrFull = this.shifting = false;
    this.ctx.clock.cancel(this.idleTimer);
    this.idleTimer = undefined;
    // The wire keeps its characters: the host does not know the board reset.
  }

  get baud(): number {
    return this.brr === 0 ? 0 : this.clocks.pclk2 / this.brr;
  }

  /** Frame time in ns at the configured baud (115200 8N1 when BRR is not set yet). */
  frameNs(): number {
    const stop = [1, 0.5, 2, 1.5][(this.cr2 >>> 12) & 3]!;
    const bits = 1 + (this.cr1 & CR1_M ? 9 : 8) + stop;
    const baud = this.baud || 115200;
    return (bits * 1e9) / baud;
  }

  override isStable(offset: number): boolean {
    return offset === USART_SR || offset === USART_BRR || offset === USART_CR1 || offset === USART_CR3;
  }

  readUint32(offset: number): number {
    switch (offset) {
      case USART_SR: return this.sr;
      case USART_DR: {
        this.sr &= ~(SR_RXNE | SR_ORE | SR_IDLE | SR_FE | SR_NE | SR_PE);
        return this.rdr;
      }
      case USART_BRR: return this.brr;
      case USART_CR1: return this.cr1;
      case USART_CR2: return this.cr2;
      case USART_CR3: return this.cr3;
      case USART_GTPR: return this.gtpr;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case USART_SR:
        // rc_w0: RXNE, TC, LBD, CTS may be cleared by writing 0 (RM0008 §27.6.1)
        this.sr &= value | ~(SR_RXNE | SR_TC | (1 << 8) | (1 << 9));
        return;
      case USART_DR:
        this.tdr = value & (this.cr1 & CR1_M ? 0x1ff : 0xff);
        this.tdrFull = true;
        this.sr &= ~(SR_TXE | SR_TC);
        this.startTx();
        return;
      case USART_BRR: this.brr = value & 0xffff; return;
      case USART_CR1:
        if (value & CR1_INTERRUPTS) throw new MotaError('SIM_UNMODELLED_FEATURE', 'USART1_CR1 interrupt enable set, but the virtual board has no NVIC (polling + DMA firmware, DESIGN decision 5)', 'poll USART_SR or use DMA');
        this.cr1 = value & 0x3fff;
        this.startTx();
        this.scheduleRx();
        return;
      case USART_CR2: this.cr2 = value & 0x7f7f; return;
      case USART_CR3:
        if (value & 1) throw new MotaError('SIM_UNMODELLED_FEATURE', 'USART1_CR3.EIE needs an NVIC', 'poll USART_SR');
        this.cr3 = value & 0x7ff;
        this.startTx();
        return;
      case USART_GTPR: this.gtpr = value & 0xffff; return;
      default: return this.bad(offset, true);
    }
  }

  private get txEnabled(): boolean {
    return (this.cr1 & (CR1_UE | CR1_TE)) === (CR1_UE | CR1_TE);
  }

  private get rxEnabled(): boolean {
    return (this.cr1 & (CR1_UE | CR1_RE)) === (CR1_UE | CR1_RE);
  }

  /** DMA TX (channel 4) feeds TDR whenever it is empty and DMAT is set (RM0008 §27.3.13). */
  pullDma(): void {
    if (!this.tdrFull && this.cr3 & CR3_DMAT && this.txEnabled && this.dma) {
      const v = this.dma.memToPeriph(DMA_TX_CHANNEL);
      if (v !== undefined) {
        this.tdr = v & 0xff;
        this.tdrFull = true;
        this.sr &= ~(SR_TXE | SR_TC);
      }
    }
  }

  private startTx(): void {
    this.pullDma();
    if (this.shifting || !this.tdrFull || !this.txEnabled) return;
    if (this.brr === 0) throw new MotaError('SIM_USART_BAUD', 'USART1 transmits with BRR = 0', 'set USART1_BRR before enabling the transmitter');
    const byte = this.tdr;
    this.tdrFull = false;
    this.shifting = true;
    this.sr |= SR_TXE;
    this.ctx.clock.schedule(this.frameNs(), () => {
      this.shifting = false;
      this.onTransmit(byte & 0xff);
      this.pullDma();
      if (this.tdrFull) this.startTx();
      else this.sr |= SR_TC;
    }, 'USART1 TX');
    this.pullDma();
  }

  /** Bytes from the host: they cross the wire one frame time each. */
  hostSend(bytes: Uint8Array): void {
    for (const b of bytes) this.line.push(b);
    this.scheduleRx();
  }

  /** Forgets the characters still on the wire (the receiver lost power). */
  dropLine(): void {
    this.line.length = 0;
    this.ctx.clock.cancel(this.rxTimer);
    this.rxTimer = undefined;
  }

  get pendingFromHost(): number {
    return this.line.length;
  }

  private scheduleRx(): void {
    if (this.rxTimer && !this.rxTimer.cancelled) return;
    if (this.line.length === 0) return;
    this.rxTimer = this.ctx.clock.schedule(this.frameNs(), () => {
      this.rxTimer = undefined;
      const byte = this.line.shift();
      if (byte !== undefined) this.receive(byte);
      this.scheduleRx();
    }, 'USART1 RX');
  }

  private receive(byte: number): void {
    if (!this.rxEnabled) {
      this.lost++;
      return;
    }
    if (this.cr3 & CR3_DMAR && this.dma?.periphToMem(DMA_RX_CHANNEL, byte)) {
      // went to memory
    } else if (this.sr & SR_RXNE) {
      this.sr |= SR_ORE; // the new character is lost, RDR keeps the old one
      this.lost++;
    } else {
      this.rdr = byte;
      this.sr |= SR_RXNE;
    }
    this.ctx.clock.cancel(this.idleTimer);
    this.idleTimer = this.ctx.clock.schedule(this.frameNs(), () => {
      this.idleTimer = undefined;
      if (this.line.length === 0) this.sr |= SR_IDLE;
    }, 'USART1 IDLE');
  }
}
