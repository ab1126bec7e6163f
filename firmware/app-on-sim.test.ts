/**
 * The ARM app on the virtual STM32F103 (sim/): the same app.elf, a slot image from
 * protocol buildPackage, no bootloader (two boot words at 0x08000000 point at the app, as
 * when the app is flashed alone). Checks the SPEC §4.1 report and that the §4.2 frames'
 * y_pred equals the TypeScript reference interpreter's for the same x.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { layouts, type Board as BoardName } from '../protocol/index.ts';
import { Board } from '../sim/index.ts';
import { decodeErrorReply, decodeInfo, encodeFrame } from '../protocol/link/frames.ts';
import { demux, expectedFrames, handoff, protocolFrames, sinePackage } from './test/harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const sine11 = join(repo, 'models/sine/sinemodel-1.1.0.tflite');
const { privateKey } = generateKeyPairSync('ed25519');
const boards: Board[] = [];

beforeAll(() => {
  for (const b of ['rc', 'c8']) execFileSync('make', ['-s', '-C', here, `BOARD=${b}`, 'all'], { stdio: 'pipe' });
});

afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

function boot(chip: BoardName, slotA?: Uint8Array): Board {
  const b = Board.create({ chip, uid: '0123456789ABCDEF01234567' });
  boards.push(b);
  b.loadElf(join(here, `build/${chip}/app.elf`));
  const app = new Uint8Array(readFileSync(join(here, `build/${chip}/app.bin`)));
  b.loadBin(app.subarray(0, 8), 0x08000000); // initial SP and reset vector of the app
  if (slotA) b.loadBin(slotA, layouts[chip].slotA.addr);
  return b;
}

describe('the ARM app on the virtual STM32F103', () => {
  it('reports the model and streams frames equal to the reference interpreter (RC)', async () => {
    const b = boot('rc', sinePackage(privateKey, '1.1.0', sine11, 'rc'));
    let out = Buffer.alloc(0);
    await b.run({ ms: 400, until: (x) => (out = Buffer.concat([out, x.takeUartOutput()])).filter((c) => c === 0x7e).length >= 12 });
    const r = demux(out.subarray(0, out.lastIndexOf(0x7f) + 1));
    expect(r.text[0]).toBe('mota-app: 0.1.0');
    expect(r.lines.get('board')).toBe('STM32F103RC');
    expect(r.lines.get('clock')).toBe('HSE PLL 72 MHz');
    expect(r.lines.get('uid')).toBe('0123456789ABCDEF01234567');
    expect(r.lines.get('reset')).toBe('power-on');
    expect(r.lines.get('model')).toBe('sinemodel 1.1.0');
    expect(r.lines.get('operators')).toBe('3 (FULLY_CONNECTED x3)');
    expect(r.lines.get('tensors')).toBe('10');
    expect(r.lines.get('selftest')).toBe('pass 8/8');
    expect(r.frames.length).toBeGreaterThanOrEqual(10);
    const want = expectedFrames(sine11, r.frames.length);
    r.frames.forEach((f, n) => {
      expect(f.pred, `frame ${n}`).toBe(want[n]!.pred);
      expect(Math.abs(f.ref - want[n]!.ref)).toBeLessThanOrEqual(1);
    });
  });

  it('boots on the C8 and reports no model with empty slots', async () => {
    const b = boot('c8');
    let out = Buffer.alloc(0);
    await b.run({ ms: 100, until: (x) => (out = Buffer.concat([out, x.takeUartOutput()])).includes('ready: ') && out.at(-1) === 0x0a });
    const r = demux(out);
    expect(r.lines.get('board')).toBe('STM32F103C8');
    expect(r.lines.get('model')).toBe('none');
    expect(r.text.at(-1)).toBe('ready: no model');
  });
});

describe('the app answers update-protocol requests (SPEC §5.2)', () => {
  const l = layouts.rc;

  async function bootTrial(): Promise<{ b: Board; out: () => Buffer }> {
    const b = boot('rc', sinePackage(privateKey, '1.1.0', sine11, 'rc'));
    // slot A in TRIAL, slot B EMPTY, active slot B? none: 0xFF (first install)
    b.loadBin(handoff(0, 2, l.slotA.addr, 2 | (0 << 8) | (0xff << 16)), 0x20000000);
    let acc = Buffer.alloc(0);
    const out = () => (acc = Buffer.concat([acc, b.takeUartOutput()]));
    await b.run({ ms: 300, until: () => out().includes('ready: ') });
    return { b, out };
  }

  async function request(b: Board, out: () => Buffer, frame: Uint8Array, type: number): Promise<{ type: number; seq: number; payload: Buffer }> {
    const start = out().length;
    b.sendToUart(frame);
    let found: { type: number; seq: number; payload: Buffer } | undefined;
    await b.run({ ms: 100, until: () => (found = protocolFrames(out().subarray(start)).find((f) => f.type === type || f.type === 0xff)) !== undefined });
    expect(found, `answer to request 0x${frame[1]!.toString(16)}`).toBeDefined();
    return found!;
  }

  it('answers INFO in app mode with the running slot and the slot records', async () => {
    const { b, out } = await bootTrial();
    const f = await request(b, out, Buffer.concat([Buffer.from('noise~'), encodeFrame(0x01, 42)]), 0x81);
    expect(f.seq).toBe(42);
    const info = decodeInfo(f.payload);
    expect(info.mode).toBe(2);
    expect(info.runningSlot).toBe(0);
    expect(info.activeSlot).toBe(0xff);
    expect(info.board).toBe('STM32F103RC');
    expect(info.uid).toBe('0123456789ABCDEF01234567');
    expect(info.bootloaderVersion).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(info.slotSize).toBe(l.slotSize);
    expect(info.slotAddr).toEqual([l.slotA.addr, l.slotB.addr]);
    expect(info.slots[0]).toMatchObject({ state: 2, name: 'sinemodel', version: { major: 1, minor: 1, patch: 0 } });
    expect(info.slots[1]).toMatchObject({ state: 0, name: '', imageSize: 0 });
  });

  it('refuses upload requests with WRONG_MODE', async () => {
    const { b, out } = await bootTrial();
    const f = await request(b, out, encodeFrame(0x05, 3), 0xff);
    expect(decodeErrorReply(f.payload)).toEqual({ requestType: 0x05, code: 34, detail: 0 });
  });

  it('decodes the golden request streams (noise, false syncs, bad CRCs) exactly as SPEC §5.11 says', async () => {
    const vectors = JSON.parse(readFileSync(join(repo, 'protocol/vectors/frames/frames.json'), 'utf8')) as {
      frames: { name: string; hex: string; type: number; seq: number }[];
      streams: { name: string; hex: string; decodes: string[] }[];
    };
    const byName = new Map(vectors.frames.map((f) => [f.name, f]));
    for (const stream of vectors.streams) {
      const { b, out } = await bootTrial();
      const start = out().length;
      b.sendToUart(Buffer.from(stream.hex, 'hex'));
      const want = stream.decodes.map((n) => byName.get(n)!);
      let got: ReturnType<typeof protocolFrames> = [];
      await b.run({ ms: 300, until: () => (got = protocolFrames(out().subarray(start))).length >= want.length });
      await b.run({ ms: 30 }); // nothing more may come
      got = protocolFrames(out().subarray(start));
      expect(got.map((f) => [f.type, f.seq]), stream.name).toEqual(want.map((w) => [w.type === 0x01 ? 0x81 : 0xff, w.seq]));
      for (const [i, f] of got.entries()) if (f.type === 0xff) expect(decodeErrorReply(f.payload).code).toBe(want[i]!.type === 0x01 ? 0 : 34);
      await b.close();
    }
  });

  it('answers a request with a payload it does not take with BAD_LENGTH', async () => {
    const { b, out } = await bootTrial();
    const f = await request(b, out, encodeFrame(0x01, 4, new Uint8Array([1])), 0xff);
    expect(decodeErrorReply(f.payload)).toEqual({ requestType: 0x01, code: 32, detail: 0 });
  });

  for (const [name, type, req, payload] of [
    ['ENTER', 0x02, 1, []],
    ['BOOT', 0x07, 0, []],
    ['ROLLBACK', 0x09, 3, [0xff, 0, 0, 0]],
  ] as const) {
    it(`answers ${name}, leaves request ${req} in the mailbox and resets`, async () => {
      const { b, out } = await bootTrial();
      let reset = false;
      b.on('reset', () => {
        reset = true;
        b.stop();
      });
      const start = out().length;
      b.sendToUart(encodeFrame(type, 11));
      await b.run({ ms: 100, until: () => reset });
      expect(reset).toBe(true);
      const f = protocolFrames(out().subarray(start)).find((x) => x.type === (type | 0x80));
      expect(f?.seq).toBe(11);
      expect(Array.from(f!.payload)).toEqual([...payload]);
      const m = b.readBytes(0x20000000, 64);
      const w = new DataView(m.buffer, m.byteOffset, 64);
      expect(w.getUint32(16, true)).toBe(req);
    });
  }

  it('answers CONFIRM of a trial model, leaves the request in the mailbox and resets', async () => {
    const { b, out } = await bootTrial();
    let reset = false;
    b.on('reset', () => {
      reset = true;
      b.stop();
    });
    const start = out().length;
    b.sendToUart(encodeFrame(0x08, 9));
    await b.run({ ms: 100, until: () => reset });
    expect(reset).toBe(true);
    const f = protocolFrames(out().subarray(start)).find((x) => x.type === 0x88);
    expect(f?.seq).toBe(9);
    const mailbox = b.readBytes(0x20000000, 64);
    const w = new DataView(mailbox.buffer, mailbox.byteOffset, 64);
    expect(w.getUint32(16, true)).toBe(2); // MOTA_REQ_CONFIRM
    let x = 0;
    for (const k of [0, 1, 2, 3, 4, 5, 6, 8]) x ^= w.getUint32(4 * k, true);
    expect(w.getUint32(28, true)).toBe(~x >>> 0); // check still valid
  });
});
