/**
 * GPIO ports, RM0008 §9.2: CRL/CRH/IDR/ODR/BSRR/BRR/LCKR. Output changes are reported
 * (the LED of most STM32F103 boards is PC13, active low). Inputs read the levels set
 * by the host with `setInput`, outputs read back ODR.
 */
import { PeripheralBase } from '../peripheral.ts';

export const GPIO_BASE = { A: 0x40010800, B: 0x40010c00, C: 0x40011000, D: 0x40011400 } as const;
export type PortName = keyof typeof GPIO_BASE;
const GPIO_CRL = 0x00;
const GPIO_CRH = 0x04;
const GPIO_IDR = 0x08;
const GPIO_ODR = 0x0c;
const GPIO_BSRR = 0x10;
const GPIO_BRR = 0x14;
const GPIO_LCKR = 0x18;

export interface PinChange {
  port: PortName;
  pin: number;
  level: 0 | 1;
}

export class Gpio extends PeripheralBase {
  readonly name: string;
  private crl = 0x44444444;
  private crh = 0x44444444;
  private odr = 0;
  private lckr = 0;
  private inputs = 0;
  onChange: (c: PinChange) => void = () => {};

  constructor(readonly port: PortName) {
    super(GPIO_BASE[port]);
    this.name = `GPIO${port}`;
  }

  reset(): void {
    this.setOdr(0);
    this.crl = this.crh = 0x44444444;
    this.lckr = 0;
  }

  /** MODE bits of pin n: 0 = input, else output (RM0008 §9.2.1). */
  isOutput(pin: number): boolean {
    const cr = pin < 8 ? this.crl : this.crh;
    return ((cr >>> ((pin % 8) * 4)) & 3) !== 0;
  }

  get outputLevels(): number {
    return this.odr;
  }

  setInput(pin: number, level: 0 | 1): void {
    this.inputs = level ? this.inputs | (1 << pin) : this.inputs & ~(1 << pin);
  }

  override isStable(offset: number): boolean {
    return offset === GPIO_IDR || offset === GPIO_ODR || offset === GPIO_CRL || offset === GPIO_CRH;
  }

  private idr(): number {
    let v = 0;
    for (let pin = 0; pin < 16; pin++) {
      const bit = 1 << pin;
      if ((this.isOutput(pin) ? this.odr : this.inputs) & bit) v |= bit;
    }
    return v;
  }

  readUint32(offset: number): number {
    switch (offset) {
      case GPIO_CRL: return this.crl >>> 0;
      case GPIO_CRH: return this.crh >>> 0;
      case GPIO_IDR: return this.idr();
      case GPIO_ODR: return this.odr;
      case GPIO_BSRR:
      case GPIO_BRR: return 0;
      case GPIO_LCKR: return this.lckr;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case GPIO_CRL: this.crl = value >>> 0; return this.report(0xffff);
      case GPIO_CRH: this.crh = value >>> 0; return this.report(0xffff);
      case GPIO_IDR: return;
      case GPIO_ODR: return this.setOdr(value & 0xffff);
      case GPIO_BSRR: return this.setOdr(((this.odr & ~(value >>> 16)) | value) & 0xffff); // BS wins over BR
      case GPIO_BRR: return this.setOdr(this.odr & ~value & 0xffff);
      case GPIO_LCKR: this.lckr = value & 0x1ffff; return;
      default: return this.bad(offset, true);
    }
  }

  private lastReported = -1;

  private setOdr(v: number): void {
    this.odr = v;
    this.report(0xffff);
  }

  /** Reports output pins whose driven level changed. */
  private report(mask: number): void {
    let driven = 0;
    for (let pin = 0; pin < 16; pin++) if (this.isOutput(pin)) driven |= 1 << pin;
    const levels = this.odr & driven;
    const prev = this.lastReported < 0 ? ~levels & driven : this.lastReported;
    for (let pin = 0; pin < 16; pin++) {
      const bit = 1 << pin;
      if (mask & bit && driven & bit && (levels & bit) !== (prev & bit)) {
        this.onChange({ port: this.port, pin, level: levels & bit ? 1 : 0 });
      }
    }
    this.lastReported = (this.lastReported < 0 ? 0 : this.lastReported & ~driven) | levels;
  }
}

/** AFIO, RM0008 §9.4: remap and EXTI line selection, kept as plain registers. */
export class Afio extends PeripheralBase {
  readonly name = 'AFIO';
  private regs = new Uint32Array(8);
  constructor() {
    super(0x40010000);
  }
  reset(): void {
    this.regs.fill(0);
  }
  readUint32(offset: number): number {
    if (offset > 0x1c || offset === 0x18) return this.bad(offset, false);
    return this.regs[offset / 4]!;
  }
  writeUint32(offset: number, value: number): void {
    if (offset > 0x1c || offset === 0x18) return this.bad(offset, true);
    this.regs[offset / 4] = value >>> 0;
  }
}
