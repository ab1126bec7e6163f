/**
 * RCC: reset and clock control, RM0008 §7.3. Clock sources HSI (8 MHz), HSE (the board's
 * crystal, 8 MHz), PLL; the switch (SW/SWS) takes effect when the source is ready.
 * HSE starts in 2 ms (DS5792 tSU(HSE) typ), the PLL locks in 200 µs (tLOCK max).
 */
import { MotaError } from '../../common/errors.ts';
import { hex, PeripheralBase } from '../peripheral.ts';
import type { BoardContext, ClockTree, ResetCause } from './context.ts';

export const RCC_BASE = 0x40021000;
const RCC_CR = 0x00;
const RCC_CFGR = 0x04;
const RCC_CIR = 0x08;
const RCC_APB2RSTR = 0x0c;
const RCC_APB1RSTR = 0x10;
const RCC_AHBENR = 0x14;
const RCC_APB2ENR = 0x18;
const RCC_APB1ENR = 0x1c;
const RCC_BDCR = 0x20;
const RCC_CSR = 0x24;

const CR_HSION = 1 << 0;
const CR_HSIRDY = 1 << 1;
const CR_HSEON = 1 << 16;
const CR_HSERDY = 1 << 17;
const CR_HSEBYP = 1 << 18;
const CR_PLLON = 1 << 24;
const CR_PLLRDY = 1 << 25;
const CR_RW_MASK = 0x010d00f9; // HSION, HSITRIM, HSEON, HSEBYP, CSSON, PLLON

const CFGR_PLL_MASK = 0x003f0000; // PLLSRC, PLLXTPRE, PLLMUL: writable only while the PLL is off
const CSR_LSION = 1 << 0;
const CSR_LSIRDY = 1 << 1;
const CSR_RMVF = 1 << 24;
export const CSR_PINRSTF = 1 << 26;
export const CSR_PORRSTF = 1 << 27;
export const CSR_SFTRSTF = 1 << 28;
export const CSR_IWDGRSTF = 1 << 29;

const HSI_HZ = 8_000_000;
const HSE_STARTUP_NS = 2_000_000;
const PLL_LOCK_NS = 200_000;

/** RCC_APB2ENR / RCC_APB1ENR / RCC_AHBENR bits of the modelled peripherals. */
export const EN = {
  AFIOEN: 0, IOPAEN: 2, IOPBEN: 3, IOPCEN: 4, IOPDEN: 5, USART1EN: 14, // APB2
  TIM2EN: 0, // APB1
  DMA1EN: 0, FLITFEN: 4, CRCEN: 6, // AHB
} as const;

export class Rcc extends PeripheralBase implements ClockTree {
  readonly name = 'RCC';
  private cr = 0;
  private cfgr = 0;
  private ahbenr = 0;
  private apb2enr = 0;
  private apb1enr = 0;
  private apb2rstr = 0;
  private apb1rstr = 0;
  private bdcr = 0;
  private csr = 0;
  /** Called with the new HCLK whenever it changes. */
  onClockChange: (hclk: number) => void = () => {};
  /** Called when software pulses a peripheral reset bit (bus, bit). */
  onPeripheralReset: (bus: 'APB1' | 'APB2', bit: number) => void = () => {};
  /** FLASH_ACR latency check hook (RM0008 §3.3.3). */
  checkFlashLatency: (sysclk: number) => void = () => {};

  constructor(
    private readonly ctx: BoardContext,
    private readonly hseHz: number,
    resetFlags: number,
  ) {
    super(RCC_BASE);
    this.reset(resetFlags);
  }

  /** System reset: registers to their reset values (RM0008 §7.3), reset flags kept and `flags` added. */
  reset(flags: number): void {
    this.cr = 0x00000083;
    this.cfgr = 0;
    this.ahbenr = 0x14;
    this.apb2enr = 0;
    this.apb1enr = 0;
    this.apb2rstr = 0;
    this.apb1rstr = 0;
    this.csr = (this.csr & 0xfc000000) | flags;
  }

  static flagsFor(cause: ResetCause): number {
    switch (cause) {
      case 'power': return CSR_PORRSTF | CSR_PINRSTF;
      case 'software': return CSR_SFTRSTF | CSR_PINRSTF;
      case 'watchdog': return CSR_IWDGRSTF | CSR_PINRSTF;
      case 'pin': return CSR_PINRSTF;
    }
  }

  get sysclk(): number {
    switch ((this.cfgr >>> 2) & 3) {
      case 1: return this.hseHz;
      case 2: return this.pllHz();
      default: return HSI_HZ;
    }
  }

  private pllHz(): number {
    const mul = Math.min(((this.cfgr >>> 18) & 0xf) + 2, 16);
    const src = this.cfgr & (1 << 16) ? (this.cfgr & (1 << 17) ? this.hseHz / 2 : this.hseHz) : HSI_HZ / 2;
    return src * mul;
  }

  get hclk(): number {
    const hpre = (this.cfgr >>> 4) & 0xf;
    const div = hpre < 8 ? 1 : [2, 4, 8, 16, 64, 128, 256, 512][hpre - 8]!;
    return this.sysclk / div;
  }

  private apbDiv(ppre: number): number {
    return ppre < 4 ? 1 : [2, 4, 8, 16][ppre - 4]!;
  }

  get pclk1(): number {
    return this.hclk / this.apbDiv((this.cfgr >>> 8) & 7);
  }

  get pclk2(): number {
    return this.hclk / this.apbDiv((this.cfgr >>> 11) & 7);
  }

  get timclk1(): number {
    return this.apbDiv((this.cfgr >>> 8) & 7) === 1 ? this.pclk1 : this.pclk1 * 2;
  }

  enabled(bus: 'AHB' | 'APB1' | 'APB2', bit: number): boolean {
    const reg = bus === 'AHB' ? this.ahbenr : bus === 'APB1' ? this.apb1enr : this.apb2enr;
    return (reg & (1 << bit)) !== 0;
  }

  /** The IWDG forces the LSI on (RM0008 §19.3.2). */
  forceLsi(): void {
    this.csr |= CSR_LSION | CSR_LSIRDY;
  }

  override isStable(offset: number): boolean {
    return offset === RCC_CR || offset === RCC_CFGR;
  }

  readUint32(offset: number): number {
    switch (offset) {
      case RCC_CR: return this.cr >>> 0;
      case RCC_CFGR: return this.cfgr >>> 0;
      case RCC_CIR: return 0;
      case RCC_APB2RSTR: return this.apb2rstr >>> 0;
      case RCC_APB1RSTR: return this.apb1rstr >>> 0;
      case RCC_AHBENR: return this.ahbenr >>> 0;
      case RCC_APB2ENR: return this.apb2enr >>> 0;
      case RCC_APB1ENR: return this.apb1enr >>> 0;
      case RCC_BDCR: return this.bdcr >>> 0;
      case RCC_CSR: return this.csr >>> 0;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case RCC_CR: return this.writeCr(value);
      case RCC_CFGR: return this.writeCfgr(value);
      case RCC_CIR:
        if ((value & 0x1f00) !== 0) throw new MotaError('SIM_UNMODELLED_FEATURE', 'RCC_CIR: clock interrupts enabled, but the virtual board has no NVIC (polling-only firmware, DESIGN decision 5)', 'poll RCC_CR ready flags instead');
        return;
      case RCC_APB2RSTR: return this.writeRstr('APB2', value);
      case RCC_APB1RSTR: return this.writeRstr('APB1', value);
      case RCC_AHBENR: this.ahbenr = value & 0x557; return;
      case RCC_APB2ENR: this.apb2enr = value & 0x38fffd; return;
      case RCC_APB1ENR: this.apb1enr = value & 0x3afec9ff; return;
      case RCC_BDCR: this.bdcr = value & 0x18307; return;
      case RCC_CSR:
        if (value & CSR_RMVF) this.csr &= 0x00ffffff;
        this.csr = (this.csr & ~CSR_LSION) | (value & CSR_LSION);
        this.csr = value & CSR_LSION || this.csr & CSR_LSIRDY ? this.csr | CSR_LSIRDY : this.csr & ~CSR_LSIRDY;
        return;
      default: return this.bad(offset, true);
    }
  }

  private writeRstr(bus: 'APB1' | 'APB2', value: number): void {
    const old = bus === 'APB1' ? this.apb1rstr : this.apb2rstr;
    if (bus === 'APB1') this.apb1rstr = value >>> 0;
    else this.apb2rstr = value >>> 0;
    const rising = value & ~old;
    for (let bit = 0; bit < 32; bit++) if (rising & (1 << bit)) this.onPeripheralReset(bus, bit);
  }

  private writeCr(value: number): void {
    const sws = (this.cfgr >>> 2) & 3;
    let v = value & CR_RW_MASK;
    // The clock in use cannot be switched off (RM0008 §7.3.1).
    if (sws === 0) v |= CR_HSION;
    if (sws === 1) v |= CR_HSEON;
    if (sws === 2) v |= CR_PLLON;
    const old = this.cr;
    this.cr = (old & (CR_HSIRDY | CR_HSERDY | CR_PLLRDY)) | v;
    if (!(v & CR_HSION)) this.cr &= ~CR_HSIRDY;
    else this.cr |= CR_HSIRDY;
    if (v & CR_HSEON && !(old & CR_HSEON)) {
      this.ctx.clock.schedule(v & CR_HSEBYP ? 1000 : HSE_STARTUP_NS, () => {
        if (this.cr & CR_HSEON) {
          this.cr |= CR_HSERDY;
          this.trySwitch();
        }
      }, 'HSERDY');
    }
    if (!(v & CR_HSEON)) this.cr &= ~CR_HSERDY;
    if (v & CR_PLLON && !(old & CR_PLLON)) {
      this.ctx.clock.schedule(PLL_LOCK_NS, () => {
        if (this.cr & CR_PLLON) {
          const src = this.cfgr & (1 << 16) ? CR_HSERDY : CR_HSIRDY;
          if (!(this.cr & src)) throw new MotaError('SIM_CLOCK', 'the PLL was enabled while its input clock is not ready', 'wait for HSERDY before setting PLLON');
          this.cr |= CR_PLLRDY;
          this.trySwitch();
        }
      }, 'PLLRDY');
    }
    if (!(v & CR_PLLON)) this.cr &= ~CR_PLLRDY;
  }

  private writeCfgr(value: number): void {
    let v = value & 0x077fff03; // SWS is read-only
    if (this.cr & CR_PLLON) v = (v & ~CFGR_PLL_MASK) | (this.cfgr & CFGR_PLL_MASK);
    const before = this.hclk;
    this.cfgr = (this.cfgr & 0x0c) | v;
    this.trySwitch();
    if (this.hclk !== before) this.clockChanged();
  }

  /** SWS follows SW once the selected source is ready (RM0008 §7.2.6 clock switch). */
  private trySwitch(): void {
    const sw = this.cfgr & 3;
    const sws = (this.cfgr >>> 2) & 3;
    if (sw === sws || sw === 3) return;
    const ready = sw === 0 ? this.cr & CR_HSIRDY : sw === 1 ? this.cr & CR_HSERDY : this.cr & CR_PLLRDY;
    if (!ready) return;
    const before = this.hclk;
    this.cfgr = (this.cfgr & ~0x0c) | (sw << 2);
    if (this.hclk !== before) this.clockChanged();
  }

  private clockChanged(): void {
    const sys = this.sysclk;
    if (sys > 72_000_000) throw new MotaError('SIM_CLOCK', `SYSCLK ${sys / 1e6} MHz exceeds the STM32F103's 72 MHz`, 'check RCC_CFGR.PLLMUL');
    if (this.pclk1 > 36_000_000) throw new MotaError('SIM_CLOCK', `PCLK1 ${this.pclk1 / 1e6} MHz exceeds 36 MHz (RM0008 §7.2)`, 'set RCC_CFGR.PPRE1 to divide by 2 before switching to 72 MHz');
    this.checkFlashLatency(sys);
    this.onClockChange(this.hclk);
    this.ctx.requestStop();
  }

  describe(): string {
    return `SYSCLK ${this.sysclk / 1e6} MHz, HCLK ${this.hclk / 1e6} MHz, PCLK1 ${this.pclk1 / 1e6}, PCLK2 ${this.pclk2 / 1e6} (CFGR ${hex(this.cfgr)})`;
  }
}
