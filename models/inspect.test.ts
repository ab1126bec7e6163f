import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary, inspectModel, planArena } from './inspect.ts';
import { readTflite } from './tflite/reader.ts';
import { writeFullyConnectedModel } from './tflite/writer.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const referencePath = path.resolve(repoRoot, '../shared/models/hello_world_2488.tflite');
if (!existsSync(referencePath)) console.warn(`skipping the converter model in inspect tests: ${referencePath} is absent`);
const files = [
  { name: 'our sinemodel 1.0.0', file: path.join(repoRoot, 'models/sine/sinemodel-1.0.0.tflite') },
  { name: 'the converter hello_world model', file: referencePath },
].filter((f) => existsSync(f.file));

describe.each(files)('inspecting $name', ({ file }) => {
  const bytes = new Uint8Array(readFileSync(file));
  const s = inspectModel(readTflite(bytes));

  it('reports 3 FULLY_CONNECTED operators and 10 tensors', () => {
    expect(s.operatorCount).toBe(3);
    expect(s.operatorKinds).toEqual({ FULLY_CONNECTED: 3 });
    expect(s.tensorCount).toBe(10);
  });

  it('reports model size, 420 weight bytes, int8 1x1 input and output', () => {
    expect(s.modelBytes).toBe(bytes.length);
    expect(s.weightBytes).toBe(16 + 256 + 16 + 4 * (16 + 16 + 1));
    expect(s.input).toMatchObject({ type: 'INT8', shape: [1, 1] });
    expect(s.output).toMatchObject({ type: 'INT8', shape: [1, 1] });
    expect(s.input.scale).toBeGreaterThan(0);
  });

  it('plans 32 arena bytes: two 16-byte activations side by side, input and output reuse them', () => {
    expect(s.arenaBytes).toBe(32);
    expect(s.arenaPlan).toHaveLength(4);
  });

  it('is JSON-serialisable and prints a readable report', () => {
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(formatSummary(s)).toMatch(/operators: +3 \(3 x FULLY_CONNECTED\)/);
  });
});

describe('arena planning', () => {
  const layer = (name: string, units: number, depth: number) => ({
    name, units, depth, weights: new Int8Array(units * depth), weightScale: 0.1, bias: new Int32Array(units), activation: 'RELU' as const,
    output: { scale: 0.1, zeroPoint: -128 },
  });
  const model = readTflite(writeFullyConnectedModel({
    inputName: 'in', outputName: 'out', input: { size: 1, scale: 0.1, zeroPoint: 0 },
    layers: [layer('a', 8, 1), layer('b', 32, 8), layer('c', 4, 32)],
  }));

  it('places largest first at the lowest free 4-aligned offset among tensors alive at the same time', () => {
    const plan = planArena(model);
    const byName = Object.fromEntries(plan.map((p) => [p.name, p]));
    expect(byName['b/Relu']).toMatchObject({ offset: 0, bytes: 32, firstOp: 1, lastOp: 2 });
    expect(byName['a/Relu']).toMatchObject({ offset: 32, bytes: 8, firstOp: 0, lastOp: 1 });
    expect(byName['in']).toMatchObject({ offset: 0, bytes: 4, firstOp: 0, lastOp: 0 });
    expect(byName['out']).toMatchObject({ offset: 32, bytes: 4, firstOp: 2, lastOp: 2 });
    expect(inspectModel(model).arenaBytes).toBe(40);
  });

  it('never overlaps two tensors that are alive at the same time', () => {
    const plan = planArena(model);
    for (const a of plan) for (const b of plan) {
      if (a === b || a.lastOp < b.firstOp || b.lastOp < a.firstOp) continue;
      expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset, `${a.name} and ${b.name}`).toBe(true);
    }
  });
});
