/** Shared by the firmware tests: UART demultiplexing (SPEC §3), sine packages, expected frames (SPEC §4.2). */
import { type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { readTflite, ReferenceInterpreter } from '../../models/index.ts';
import { decodeFrame } from '../../protocol/link/frames.ts';
import { buildPackage, deriveSelfTest, layouts, type Board } from '../../protocol/index.ts';

export interface UartCapture {
  lines: Map<string, string>;
  text: string[];
  frames: { ref: number; pred: number }[];
}

/** SPEC §3: 0x7E starts an 11-byte plot frame; printable bytes and \n form text lines. */
export function demux(out: Uint8Array): UartCapture {
  const text: string[] = [];
  const frames: UartCapture['frames'] = [];
  let line = '';
  for (let i = 0; i < out.length; ) {
    const b = out[i]!;
    if (b === 0x7e) {
      expect(i + 11, 'a whole frame').toBeLessThanOrEqual(out.length);
      expect(out[i + 1]).toBe(0x08);
      expect(out[i + 10]).toBe(0x7f);
      expect(Array.from(out.subarray(i + 6, i + 10))).toEqual([0, 0, 0, 0]);
      const dv = new DataView(out.buffer, out.byteOffset + i);
      frames.push({ ref: dv.getInt16(2, true), pred: dv.getInt16(4, true) });
      i += 11;
      continue;
    }
    expect(b === 0x0a || (b >= 0x20 && b <= 0x7d), `text byte 0x${b.toString(16)}`).toBe(true);
    if (b === 0x0a) {
      text.push(line);
      line = '';
    } else line += String.fromCharCode(b);
    i++;
  }
  const lines = new Map<string, string>();
  for (const t of text) {
    const k = t.indexOf(': ');
    if (k > 0) lines.set(t.slice(0, k), t.slice(k + 2));
  }
  return { lines, text, frames };
}

export function sinePackage(privateKey: KeyObject, version: string, payloadFile: string, board: Board = 'rc', corruptSelftest = false): Uint8Array {
  const payload = new Uint8Array(readFileSync(payloadFile));
  const ref = new ReferenceInterpreter(readTflite(payload), { rounding: 'double' });
  const selftest = deriveSelfTest(ref, { count: 8, rounding: 'double' });
  if (corruptSelftest) selftest.vectors[3]!.expected[0] = (selftest.vectors[3]!.expected[0]! + 5) & 0x7f;
  return buildPackage({ name: 'sinemodel', version, payload, selftest, privateKey, capacity: layouts[board].slotSize });
}

export function handoff(slot: number, state: number, slotAddr: number, slotStates = state | (slot << 16)): Uint8Array {
  const w = new Uint32Array(16);
  w[0] = 0x4d4f4842; // magic
  w[1] = slot;
  w[2] = state;
  w[3] = slotAddr;
  w[4] = 0; // request
  w[5] = 1; // reset_count
  w[6] = (1 << 16) | (2 << 8) | 3; // bootloader 1.2.3
  w[8] = slotStates; // A state | B state << 8 | active slot << 16
  w[7] = ~(w[0]! ^ w[1]! ^ w[2]! ^ w[3]! ^ w[4]! ^ w[5]! ^ w[6]! ^ w[8]!) >>> 0;
  return new Uint8Array(w.buffer);
}

/** The frame values SPEC §4.2 defines, from the reference interpreter. */
export function expectedFrames(payloadFile: string, count: number): { ref: number; pred: number }[] {
  const model = readTflite(new Uint8Array(readFileSync(payloadFile)));
  const ref = new ReferenceInterpreter(model, { rounding: 'double' });
  const f = Math.fround;
  const round = (v: number) => (v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5));
  const plot = (y: number) => round(f(y * 1000)) + 1000;
  const step = f((2 * Math.PI) / 64);
  const out = [];
  for (let n = 0; n < count; n++) {
    const x = f((n % 64) * step);
    const q = Math.max(-128, Math.min(127, round(f(x / f(ref.input.scale))) + ref.input.zeroPoint));
    const o = ref.invoke(new Int8Array(ref.inputBytes).fill(q))[0]!;
    out.push({ ref: plot(Math.sin(x)), pred: plot(f(f(ref.output.scale) * (o - ref.output.zeroPoint))) });
  }
  return out;
}

/** Sets every OperatorCode's builtin_code and deprecated_builtin_code to 3 by walking the flatbuffer. */
export function patchOpcodes(bytes: Uint8Array, count: number): Uint8Array {
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  const u32 = (p: number) => dv.getUint32(p, true);
  const field = (table: number, id: number): number => {
    const vt = table - dv.getInt32(table, true);
    const vsize = dv.getUint16(vt, true);
    if (4 + 2 * id >= vsize) return 0;
    const off = dv.getUint16(vt + 4 + 2 * id, true);
    return off ? table + off : 0;
  };
  const root = u32(0);
  const codesField = field(root, 1);
  const vec = codesField + u32(codesField);
  expect(u32(vec)).toBe(count);
  for (let i = 0; i < count; i++) {
    const el = vec + 4 + 4 * i;
    const t = el + u32(el);
    const dep = field(t, 0);
    const bc = field(t, 3);
    if (dep) b[dep] = 3;
    if (bc) dv.setInt32(bc, 3, true);
  }
  return b;
}

/** Protocol frames (§5.1) in a UART capture, found with the §3 demultiplexer rules. */
export function protocolFrames(out: Uint8Array): { type: number; seq: number; payload: Buffer }[] {
  const frames: { type: number; seq: number; payload: Buffer }[] = [];
  for (let i = 0; i < out.length; ) {
    if (out[i] === 0x7e && out[i + 10] === 0x7f) {
      i += 11;
    } else if (out[i] === 0xa5 && i + 9 <= out.length) {
      const len = out[i + 3]! | (out[i + 4]! << 8);
      const f = decodeFrame(out.subarray(i, i + 9 + len));
      if ('problem' in f) i++;
      else {
        frames.push(f);
        i += 9 + len;
      }
    } else i++;
  }
  return frames;
}
