/**
 * The C interpreter, built for the host (firmware/build/host/mota-infer, with ASan/UBSan), is
 * bit-exact with the TypeScript ReferenceInterpreter on all 256 int8 inputs, in both rounding
 * modes, for our sine models, the TFLM hello_world model and generated models that exercise
 * per-channel weights, float I/O (QUANTIZE/DEQUANTIZE skipped around the int8 core) and RELU. Its arena plan matches models/inspect planArena.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { planArena, readTflite, ReferenceInterpreter, writeFullyConnectedModel, type Rounding } from '../models/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const infer = join(here, 'build/host/mota-infer');
const hello = resolve(repo, '../shared/models/hello_world_2488.tflite');
const sineDir = join(repo, 'models/sine');

function runInfer(model: string, rounding: Rounding): Map<number, number[]> {
  const args = rounding === 'single' ? [model, '--single'] : [model];
  const out = execFileSync(infer, args, { encoding: 'utf8' });
  const rows = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [v, rest] = line.split(':');
    rows.set(Number(v), rest!.trim().split(' ').map(Number));
  }
  return rows;
}

function info(model: string): Record<string, string> {
  const out = execFileSync(infer, ['--info', model], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}

/** Deterministic pseudo-random int8 values. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function generatedModels(dir: string): string[] {
  const rnd = lcg(7);
  const i8 = (n: number) => Int8Array.from({ length: n }, () => ((rnd() >>> 24) & 0xff) - 128);
  const i32 = (n: number, span: number) => Int32Array.from({ length: n }, () => (rnd() % (2 * span)) - span);
  const files: string[] = [];
  for (const [name, perChannel, floatIo, batch] of [
    ['gen-per-tensor-int8io', false, false, 1],
    ['gen-per-channel-floatio', true, true, 1],
    ['gen-per-channel-int8io', true, false, 1],
  ] as const) {
    const depth0 = 3 * batch;
    const layers = [
      { units: 8, depth: 3, activation: 'RELU' as const },
      { units: 5, depth: 8, activation: 'NONE' as const },
    ].map((l, k) => ({
      name: `dense_${k}`,
      weights: i8(l.units * l.depth),
      weightScale: perChannel ? Array.from({ length: l.units }, (_, u) => 0.002 + 0.0007 * u + 0.0001 * k) : 0.0031 + 0.001 * k,
      bias: i32(l.units, 3000),
      units: l.units,
      depth: l.depth,
      activation: l.activation,
      output: { scale: 0.011 + 0.013 * k, zeroPoint: k === 0 ? -128 : 7 },
    }));
    const bytes = writeFullyConnectedModel({
      inputName: 'x',
      outputName: 'y',
      input: { scale: 0.0247, zeroPoint: -3, size: depth0 },
      layers,
      floatIo,
    });
    const file = join(dir, `${name}.tflite`);
    writeFileSync(file, bytes);
    files.push(file);
  }
  return files;
}

let models: string[] = [];

beforeAll(() => {
  execFileSync('make', ['-s', '-C', here, 'build/host/mota-infer'], { stdio: 'inherit' });
  const sine = existsSync(sineDir) ? readdirSync(sineDir).filter((f) => f.endsWith('.tflite')).map((f) => join(sineDir, f)) : [];
  models = [...sine, ...(existsSync(hello) ? [hello] : []), ...generatedModels(mkdtempSync(join(tmpdir(), 'mota-interp-')))];
});

describe('host interpreter (mota-infer) against the TypeScript reference', () => {
  it('has the sine models to check', () => {
    expect(models.filter((m) => m.includes('models/sine/')).length).toBeGreaterThanOrEqual(1);
  });

  for (const rounding of ['double', 'single'] as const) {
    it(`is bit-exact on all 256 int8 inputs with ${rounding} rounding`, () => {
      for (const model of models) {
        const parsed = readTflite(new Uint8Array(readFileSync(model)));
        const ref = new ReferenceInterpreter(parsed, { rounding });
        const rows = runInfer(model, rounding);
        expect(rows.size, model).toBe(256);
        for (let v = -128; v <= 127; v++) {
          const want = Array.from(ref.invoke(new Int8Array(ref.inputBytes).fill(v)));
          expect(rows.get(v), `${model} input ${v} (${rounding})`).toEqual(want);
        }
      }
    });
  }

  it('reports the same operators and tensors as the TypeScript reader, and the same arena plan', () => {
    for (const model of models) {
      const parsed = readTflite(new Uint8Array(readFileSync(model)));
      const got = info(model);
      expect(Number(got.operators), model).toBe(parsed.operators.length);
      expect(Number(got.tensors), model).toBe(parsed.tensors.length);
      const plan = planArena(parsed);
      const tsUsed = Math.max(0, ...plan.map((p) => p.offset + p.bytes));
      const persistent = Number(got.persistent);
      expect(Number(got.arena_used) - persistent, model).toBe(tsUsed);
    }
  });

  it('plans at most 256 arena bytes for the sine models', () => {
    for (const model of models.filter((m) => m.includes('models/sine/') || m === hello)) {
      expect(Number(info(model).arena_used), model).toBeLessThanOrEqual(256);
    }
  });
});
