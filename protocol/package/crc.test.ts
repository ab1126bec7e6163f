import { describe, expect, it } from 'vitest';
import { crc32Mpeg2, crc32WordOrder } from './crc.ts';

describe('CRC-32/MPEG-2 (SPEC §1.4)', () => {
  it('gives the catalogue check value 0x0376E6E7 for ASCII 123456789', () => {
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });

  it('in word order equals the byte-wise CRC of each word reversed', () => {
    const wordOrder = crc32WordOrder(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(wordOrder).toBe(crc32Mpeg2(Uint8Array.of(4, 3, 2, 1, 8, 7, 6, 5)));
    expect(wordOrder).not.toBe(crc32Mpeg2(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
  });

  it('matches a bitwise model of the STM32 CRC unit fed little-endian words', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i += 4) {
      const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      crc = (crc ^ word) >>> 0;
      for (let bit = 0; bit < 32; bit++) {
        crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
      }
    }
    expect(crc32WordOrder(bytes)).toBe(crc);
  });

  it('works on a view into a larger buffer', () => {
    const big = Uint8Array.of(9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9);
    expect(crc32WordOrder(big.subarray(2, 10))).toBe(crc32WordOrder(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
  });

  it('refuses a length that is not a whole number of words', () => {
    expect(() => crc32WordOrder(new Uint8Array(6))).toThrow(/multiple of 4/);
  });
});
