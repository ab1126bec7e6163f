import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32Mpeg2 } from './crc.ts';
import { decodeHeader, encodeHeader, headerToJson } from './header.ts';

const fields = {
  name: 'sinemodel',
  version: { major: 1, minor: 0x0203, patch: 0xfffe },
  flags: 1,
  payloadSize: 2488,
  selftestSize: 24,
  imageSize: 2704,
  keyId: Uint8Array.of(0xa5, 0xe7, 0xf6, 0xed),
  bodySha256: Uint8Array.from({ length: 32 }, (_, i) => i),
  bodyCrc32: 0x11223344,
  created: 0x69559d80,
};

const hex = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('hex');

describe('package header bytes (SPEC §1.1)', () => {
  const h = encodeHeader(fields);

  it('puts every field at its offset, little-endian', () => {
    expect(h.length).toBe(128);
    expect(hex(h, 0, 4)).toBe('4d4f5441');
    expect(hex(h, 4, 8)).toBe('01008000');
    expect(Buffer.from(h.subarray(8, 40)).toString('latin1')).toBe('sinemodel'.padEnd(32, '\0'));
    expect(hex(h, 40, 46)).toBe('01000302feff');
    expect(hex(h, 46, 48)).toBe('0100');
    expect(hex(h, 48, 60)).toBe('b8090000' + '18000000' + '900a0000');
    expect(hex(h, 60, 64)).toBe('a5e7f6ed');
    expect(hex(h, 64, 96)).toBe(Buffer.from(fields.bodySha256).toString('hex'));
    expect(hex(h, 96, 104)).toBe('44332211' + '809d5569');
    expect(hex(h, 104, 124)).toBe('00'.repeat(20));
  });

  it('ends with the word-order CRC of bytes 0..123, stored little-endian', () => {
    const swapped = Buffer.alloc(124);
    for (let i = 0; i < 124; i += 4) for (let j = 0; j < 4; j++) swapped[i + j] = h[i + 3 - j]!;
    const crc = crc32Mpeg2(swapped);
    expect(new DataView(h.buffer).getUint32(124, true)).toBe(crc);
  });

  it('decodes to the fields it was encoded from', () => {
    const d = decodeHeader(h);
    expect(headerToJson(d)).toMatchObject({ name: 'sinemodel', version: '1.515.65534', flags: 1, payload_size: 2488, selftest_size: 24, image_size: 2704, key_id: 'a5e7f6ed', body_crc32: 0x11223344, created: 0x69559d80 });
  });

  it('reads the committed valid vector at the documented offsets', () => {
    const v = new Uint8Array(readFileSync(new URL('../vectors/packages/valid_selftest.mota', import.meta.url)));
    const dv = new DataView(v.buffer, v.byteOffset);
    expect(dv.getUint32(48, true)).toBe(2488);
    expect(dv.getUint32(56, true)).toBe(v.length);
    expect(Buffer.from(v.subarray(128 + 4, 128 + 8)).toString('latin1')).toBe('TFL3');
  });
});
