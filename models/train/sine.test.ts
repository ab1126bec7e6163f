import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTflite } from '../tflite/reader.ts';
import { ReferenceInterpreter } from '../reference/interpreter.ts';
import { SINE_DEFAULTS, sineMse, trainSine } from './sine.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const committed = (version: string) => new Uint8Array(readFileSync(path.join(repoRoot, `models/sine/sinemodel-${version}.tflite`)));
const REFERENCE_MODEL_BYTES = 2488;

describe('sine model training', () => {
  it('regenerates the committed sinemodel 1.0.0 byte for byte (seed 1, 500 epochs)', () => {
    expect(SINE_DEFAULTS.seed).toBe(1);
    expect(SINE_DEFAULTS.epochs).toBe(500);
    const { tflite } = trainSine({ seed: 1, epochs: 500 });
    expect(Buffer.from(tflite).equals(Buffer.from(committed('1.0.0')))).toBe(true);
  });

  it.each(['1.0.0', '1.1.0'])('committed sinemodel %s approximates sin(x) with int8 MSE <= 0.002 on a 1000-point grid', (version) => {
    const bytes = committed(version);
    expect(sineMse(bytes, 'double', 1000)).toBeLessThanOrEqual(0.002);
    expect(sineMse(bytes, 'single', 1000)).toBeLessThanOrEqual(0.002);
  });

  it.each(['1.0.0', '1.1.0'])('committed sinemodel %s has 3 operators, 10 tensors and a size within 15%% of the 2488-byte reference', (version) => {
    const bytes = committed(version);
    const m = readTflite(bytes);
    expect(m.operators).toHaveLength(3);
    expect(m.tensors).toHaveLength(10);
    expect(Math.abs(bytes.length - REFERENCE_MODEL_BYTES) / REFERENCE_MODEL_BYTES).toBeLessThanOrEqual(0.15);
  });

  it('versions 1.0.0 and 1.1.0 are different models that give different outputs', () => {
    const a = new ReferenceInterpreter(readTflite(committed('1.0.0')));
    const b = new ReferenceInterpreter(readTflite(committed('1.1.0')));
    let differing = 0;
    for (let x = -128; x < 128; x++) if (a.invoke(Int8Array.of(x))[0] !== b.invoke(Int8Array.of(x))[0]) differing++;
    expect(differing).toBeGreaterThan(50);
  });

  it.each([2, 3, 4])('seed %i also converges (first-layer biases keep every ReLU alive)', (seed) => {
    const r = trainSine({ seed });
    expect(r.floatMse).toBeLessThan(0.002);
    expect(r.quantizedMse).toBeLessThanOrEqual(0.002);
  });
});
