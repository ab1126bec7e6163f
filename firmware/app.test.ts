/**
 * The real ARM app (build/<board>/app.bin) on a minimal Unicorn board (test/armrun.c: RCC
 * ready bits, USART1 TX, TIM2 from the instruction count at 72 MHz): it finds the model slot,
 * prints the SPEC §4.1 report and streams §4.2 frames whose y_pred equals the TypeScript
 * reference interpreter's for the same x. Also pins the instructions per inference.
 * (The full virtual board in sim/ runs the same binary in the cross-component tests.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTflite } from '../models/index.ts';
import { buildPackage, layouts, type Board } from '../protocol/index.ts';
import { demux, expectedFrames, handoff, patchOpcodes, sinePackage as buildSine, type UartCapture } from './test/harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const armrun = join(here, 'build/host/armrun');
const tmp = mkdtempSync(join(tmpdir(), 'mota-app-'));
const { privateKey } = generateKeyPairSync('ed25519');
const INSTRUCTIONS_PER_INFERENCE_BUDGET = 3000;
const sinePackage = (version: string, payloadFile = join(repo, 'models/sine/sinemodel-1.1.0.tflite'), board: Board = 'rc', corrupt = false) =>
  buildSine(privateKey, version, payloadFile, board, corrupt);

interface Run extends UartCapture {
  stderr: string;
  invoke: { min: number; max: number; calls: number } | null;
}

function run(board: Board, slots: { a?: Uint8Array; b?: Uint8Array; handoff?: Uint8Array }, instructions: number): Run {
  const l = layouts[board];
  const file = (name: string, bytes?: Uint8Array) => {
    if (!bytes) return '-';
    const p = join(tmp, `${board}-${name}-${Math.random().toString(36).slice(2)}.bin`);
    writeFileSync(p, bytes);
    return p;
  };
  const elfNm = execFileSync('arm-none-eabi-nm', [join(here, `build/${board}/app.elf`)], { encoding: 'utf8' });
  const invokeAddr = elfNm.split('\n').find((s) => / mi_invoke_int8/.test(s))?.split(' ')[0];
  const env = { ...process.env, ...(slots.handoff ? { MOTA_HANDOFF: file('handoff', slots.handoff) } : {}) };
  const r = spawnSync(
    armrun,
    [join(here, `build/${board}/app.bin`), `0x${l.app.addr.toString(16)}`, `0x${l.slotA.addr.toString(16)}`, file('a', slots.a),
      `0x${l.slotB.addr.toString(16)}`, file('b', slots.b), String(instructions), ...(invokeAddr ? [`0x${invokeAddr}`] : [])],
    { env, maxBuffer: 1 << 24 },
  );
  const stderr = r.stderr.toString();
  expect(r.status, stderr).toBe(0);
  return { ...demux(r.stdout), stderr, invoke: parseInvoke(stderr) };
}

function parseInvoke(stderr: string): Run['invoke'] {
  const m = /invoke_instructions: (\d+) (\d+) (\d+)/.exec(stderr);
  return m ? { min: Number(m[1]), max: Number(m[2]), calls: Number(m[3]) } : null;
}

beforeAll(() => {
  for (const board of ['rc', 'c8']) execFileSync('make', ['-s', '-C', here, `BOARD=${board}`, 'all'], { stdio: 'pipe' });
  execFileSync('make', ['-s', '-C', here, 'build/host/armrun'], { stdio: 'pipe' });
});

describe('the ARM app on a minimal Unicorn board', () => {
  const sine11 = join(repo, 'models/sine/sinemodel-1.1.0.tflite');

  it('prints the boot report and streams frames whose y_pred equals the reference interpreter', () => {
    const r = run('rc', { a: sinePackage('1.1.0') }, 30_000_000);
    expect(r.text[0]).toBe('mota-app: 0.1.0');
    expect(r.lines.get('board')).toBe('STM32F103RC');
    expect(r.lines.get('clock')).toBe('HSE PLL 72 MHz');
    expect(r.lines.get('uid')).toMatch(/^[0-9A-F]{24}$/);
    expect(r.lines.get('bootloader')).toBe('none (no hand-off)');
    expect(r.lines.get('slot')).toBe('A UNMANAGED at 0x08010000');
    expect(r.lines.get('model')).toBe('sinemodel 1.1.0');
    expect(r.lines.get('model_size')).toBe(`${readFileSync(sine11).length} B in flash at 0x08010080`);
    expect(r.lines.get('operators')).toBe('3 (FULLY_CONNECTED x3)');
    expect(r.lines.get('tensors')).toBe('10');
    const arena = /^(\d+) \/ (\d+) B, headroom (\d+) B$/.exec(r.lines.get('arena') ?? '');
    expect(arena).not.toBeNull();
    expect(Number(arena![1])).toBeLessThanOrEqual(256);
    expect(Number(arena![1]) + Number(arena![3])).toBe(Number(arena![2]));
    expect(Number(r.lines.get('inference_us'))).toBeGreaterThan(0);
    expect(r.lines.get('selftest')).toBe('pass 8/8');
    expect(r.text.at(-1)).toMatch(/^ready: sine 64 steps, frame every \d+ us$/);
    expect(r.frames.length).toBeGreaterThanOrEqual(15);
    const want = expectedFrames(sine11, r.frames.length);
    r.frames.forEach((fr, n) => {
      expect(fr.pred, `frame ${n} pred`).toBe(want[n]!.pred);
      expect(Math.abs(fr.ref - want[n]!.ref), `frame ${n} ref`).toBeLessThanOrEqual(1);
    });
  });

  it(`runs a sine inference in at most ${INSTRUCTIONS_PER_INFERENCE_BUDGET} instructions`, () => {
    for (const model of ['sinemodel-1.0.0.tflite', 'sinemodel-1.1.0.tflite']) {
      const r = run('rc', { a: sinePackage('1.0.0', join(repo, 'models/sine', model)) }, 8_000_000);
      expect(r.invoke, r.stderr).not.toBeNull();
      console.log(`${model}: ${r.invoke!.min}..${r.invoke!.max} instructions per inference (${r.invoke!.calls} calls)`);
      expect(r.invoke!.max).toBeLessThanOrEqual(INSTRUCTIONS_PER_INFERENCE_BUDGET);
    }
  });

  it('takes the valid slot with the higher version, and skips a damaged one', () => {
    const a = sinePackage('1.0.0', join(repo, 'models/sine/sinemodel-1.0.0.tflite'));
    const b = sinePackage('1.1.0');
    expect(run('rc', { a, b }, 3_000_000).lines.get('model')).toBe('sinemodel 1.1.0');
    const damaged = b.slice();
    damaged[300]! ^= 0x01;
    const r = run('rc', { a, b: damaged }, 3_000_000);
    expect(r.lines.get('slot')).toBe('A UNMANAGED at 0x08010000');
    expect(r.lines.get('model')).toBe('sinemodel 1.0.0');
  });

  it('follows the hand-off mailbox and names the bootloader and the trial state', () => {
    const l = layouts.rc;
    const r = run('rc', { a: sinePackage('1.1.0'), b: sinePackage('1.0.0', join(repo, 'models/sine/sinemodel-1.0.0.tflite')), handoff: handoff(1, 2, l.slotB.addr) }, 3_000_000);
    expect(r.lines.get('bootloader')).toBe('1.2.3');
    expect(r.lines.get('slot')).toBe('B TRIAL at 0x08028000');
    expect(r.lines.get('model')).toBe('sinemodel 1.0.0');
  });

  it('reports no model and blinks when both slots are empty', () => {
    const r = run('rc', {}, 3_000_000);
    expect(r.lines.get('slot')).toBe('none (A: error 2, B: error 2)'); // PKG_BAD_MAGIC
    expect(r.lines.get('model')).toBe('none');
    expect(r.text.at(-1)).toBe('ready: no model');
    expect(r.frames).toEqual([]);
  });

  it('resets to revert a trial model whose self-test fails', () => {
    const l = layouts.rc;
    const r = run('rc', { a: sinePackage('1.1.0', sine11, 'rc', true), handoff: handoff(0, 2, l.slotA.addr) }, 5_000_000);
    expect(r.lines.get('selftest')).toBe('FAIL 7/8 (first failure 3, max diff 5 LSB)');
    expect(r.lines.get('trial')).toBe('rejected: resetting to revert');
    expect(r.stderr).toContain('reset: AIRCR');
  });

  it('names an unsupported operator instead of running it', () => {
    const payload = new Uint8Array(readFileSync(sine11));
    const model = readTflite(payload);
    // Patch the FULLY_CONNECTED code (9) in both opcode fields to CONV_2D (3): find them via the parsed offsets.
    const patched = patchOpcodes(payload, model.operatorCodes.length);
    const pkg = buildPackage({ name: 'badop', version: '0.0.1', payload: patched, privateKey, capacity: layouts.rc.slotSize });
    const r = run('rc', { a: pkg }, 3_000_000);
    expect(r.lines.get('model_error')).toBe('unsupported operator CONV_2D');
    expect(r.text.at(-1)).toBe('ready: no model');
  });

  it('runs on the STM32F103C8 layout', () => {
    const r = run('c8', { a: sinePackage('1.1.0', sine11, 'c8') }, 6_000_000);
    expect(r.lines.get('board')).toBe('STM32F103C8');
    expect(r.lines.get('slot')).toBe('A UNMANAGED at 0x08009800');
    expect(r.lines.get('selftest')).toBe('pass 8/8');
    expect(r.frames.length).toBeGreaterThan(0);
  });
});

