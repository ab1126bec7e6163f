/**
 * CRC calculation unit, RM0008 §4: CRC-32 (poly 0x04C11DB7) over 32-bit words written to
 * DR, MSB first, init 0xFFFFFFFF, no reflection, no final XOR (CRC-32/MPEG-2).
 */
import { PeripheralBase } from '../peripheral.ts';

export const CRC_BASE = 0x40023000;
const CRC_DR = 0x00;
const CRC_IDR = 0x04;
const CRC_CR = 0x08;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32Word(crc: number, word: number): number {
  let c = crc >>> 0;
  for (let shift = 24; shift >= 0; shift -= 8) c = ((c << 8) ^ TABLE[((c >>> 24) ^ (word >>> shift)) & 0xff]!) >>> 0;
  return c;
}

export class Crc extends PeripheralBase {
  readonly name = 'CRC';
  private dr = 0xffffffff;
  private idr = 0;
  constructor() {
    super(CRC_BASE);
  }
  reset(): void {
    this.dr = 0xffffffff;
    this.idr = 0;
  }
  override isStable(offset: number): boolean {
    return offset === CRC_DR || offset === CRC_IDR;
  }
  readUint32(offset: number): number {
    switch (offset) {
      case CRC_DR: return this.dr;
      case CRC_IDR: return this.idr;
      case CRC_CR: return 0;
      default: return this.bad(offset, false);
    }
  }
  writeUint32(offset: number, value: number): void {
    switch (offset) {
      case CRC_DR: this.dr = crc32Word(this.dr, value >>> 0); return;
      case CRC_IDR: this.idr = value & 0xff; return;
      case CRC_CR: if (value & 1) this.dr = 0xffffffff; return;
      default: return this.bad(offset, true);
    }
  }
}
