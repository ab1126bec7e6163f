import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crcOf, FRAMES_JSON, generate, render, type FrameVectors } from './generate.ts';

describe('golden frame vectors (SPEC §5.11)', () => {
  const committed = readFileSync(FRAMES_JSON, 'utf8');
  const v = JSON.parse(committed) as FrameVectors;

  it('the committed file is what the generator writes', () => {
    expect(committed).toBe(render(generate()));
  });

  it('uses CRC-32/MPEG-2 with its check value', () => {
    expect(crcOf(Buffer.from(v.crc.check_input, 'hex')).toString(16).padStart(8, '0')).toBe(v.crc.check_value);
  });

  it('every good frame has a valid header, length and CRC', () => {
    for (const f of v.frames) {
      const b = Buffer.from(f.hex, 'hex');
      expect(b[0], f.name).toBe(0xa5);
      expect(b[1], f.name).toBe(f.type);
      expect(b[2], f.name).toBe(f.seq);
      expect(b.readUInt16LE(3), f.name).toBe(f.length);
      expect(b.length, f.name).toBe(9 + f.length);
      expect(b.subarray(5, 5 + f.length).toString('hex'), f.name).toBe(f.payload);
      expect(b.readUInt32LE(5 + f.length), f.name).toBe(crcOf(b.subarray(0, 5 + f.length)));
    }
  });
});
