import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMotaError, MotaError } from '../../common/errors.ts';
import { ReferenceInterpreter } from '../reference/interpreter.ts';
import { readTflite } from './reader.ts';
import { CheckedFlatbuffer } from './flatbuffer.ts';
import { ModelField, SubGraphField, TensorType } from './schema.ts';
import { buildOddModel } from './test-models.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const referencePath = path.resolve(repoRoot, '../shared/models/hello_world_2488.tflite');
const hasReference = existsSync(referencePath);
if (!hasReference) console.warn(`skipping converter-model reader tests: ${referencePath} is absent`);
const sineBytes = new Uint8Array(readFileSync(path.join(repoRoot, 'models/sine/sinemodel-1.0.0.tflite')));

function rejection(bytes: Uint8Array): MotaError {
  try {
    readTflite(bytes);
  } catch (e) {
    if (e instanceof MotaError) return e;
    throw new Error(`expected a MotaError, got ${String(e)}`);
  }
  throw new Error('expected the model to be rejected, it was accepted');
}

describe('reading converter-written models', () => {
  it.skipIf(!hasReference)('reads the TFLM hello_world model written by the official converter', () => {
    const m = readTflite(new Uint8Array(readFileSync(referencePath)));
    expect(m.operators).toHaveLength(3);
    expect(m.tensors).toHaveLength(10);
    expect(m.operators.map((o) => o.name)).toEqual(['FULLY_CONNECTED', 'FULLY_CONNECTED', 'FULLY_CONNECTED']);
    expect(m.operators.map((o) => o.options?.fusedActivationName)).toEqual(['RELU', 'RELU', 'NONE']);
    // The converter lists QUANTIZE and DEQUANTIZE in the opcode table although no operator uses them.
    expect(m.operatorCodes.map((c) => c.name)).toEqual(['FULLY_CONNECTED', 'QUANTIZE', 'DEQUANTIZE']);
    const input = m.tensors[m.inputs[0]!]!;
    expect(input.type).toBe(TensorType.INT8);
    expect(input.quantization?.zeroPoint).toEqual([-128]);
    expect(input.quantization?.scale[0]).toBeCloseTo(0.024574, 5);
    const weights = m.tensors[m.operators[1]!.inputs[1]!]!;
    expect(weights.shape).toEqual([16, 16]);
    expect(weights.data?.length).toBe(256);
    expect(m.tensors.filter((t) => t.data).reduce((n, t) => n + t.data!.length, 0)).toBe(420);
  });

  it.skipIf(!hasReference)('handles the converter file\'s shared vtables (several tensors point to one vtable)', () => {
    const fb = new CheckedFlatbuffer(new Uint8Array(readFileSync(referencePath)));
    const subgraph = fb.root().tables(ModelField.subgraphs, 'subgraphs')![0]!;
    const tensors = subgraph.tables(SubGraphField.tensors, 'tensors')!;
    expect(new Set(tensors.map((t) => t.vtable)).size).toBeLessThan(tensors.length);
  });

  it('reads our own sine model with the same structure', () => {
    const m = readTflite(sineBytes);
    expect(m.operators).toHaveLength(3);
    expect(m.tensors).toHaveLength(10);
    expect(m.bufferCount).toBeGreaterThan(10);
  });

  it('reads a model lying at an odd offset inside a larger buffer (e.g. a package payload)', () => {
    const host = new Uint8Array(sineBytes.length + 11);
    host.set(sineBytes, 3);
    const embedded = readTflite(host.subarray(3, 3 + sineBytes.length));
    const a = new ReferenceInterpreter(embedded);
    const b = new ReferenceInterpreter(readTflite(sineBytes));
    for (let x = -128; x < 128; x += 7) expect(a.invoke(Int8Array.of(x))).toEqual(b.invoke(Int8Array.of(x)));
  });

  it('takes the larger of the two opcode fields (old files set only the deprecated byte)', () => {
    expect(readTflite(buildOddModel({ deprecatedCode: 9, builtinCode: null })).operators[0]!.name).toBe('FULLY_CONNECTED');
    expect(readTflite(buildOddModel({ deprecatedCode: null, builtinCode: 9 })).operators[0]!.name).toBe('FULLY_CONNECTED');
    const e = rejection(buildOddModel({ deprecatedCode: 127, builtinCode: 150 }));
    expect(e.code).toBe('MODEL_UNSUPPORTED_OPERATOR');
    expect(e.message).toContain('GELU');
  });

  it('uses schema defaults for absent optional fields (no names, no quantization, no options)', () => {
    const m = readTflite(buildOddModel({ omitNamesAndQuantization: true }));
    expect(m.tensors.map((t) => t.name)).toEqual(['', '', '', '']);
    expect(m.tensors[0]!.quantization).toBeNull();
    expect(m.operators[0]!.options?.fusedActivationName).toBe('NONE');
    expect(m.description).toBe('');
  });

  it('gives tensors the data of their buffer by index and none for buffer 0', () => {
    const m = readTflite(buildOddModel({ weight: 77 }));
    expect(m.tensors[0]!.data).toBeNull();
    expect(Array.from(m.tensors[1]!.data!)).toEqual([77]);
  });
});

describe('rejecting models mota cannot run, naming the problem', () => {
  it('rejects a file without the TFL3 identifier', () => {
    const bad = sineBytes.slice();
    bad.set([0x50, 0x4b, 0x03, 0x04], 4);
    const e = rejection(bad);
    expect(e.code).toBe('MODEL_BAD_IDENTIFIER');
    expect(e.message).toContain('"TFL3"');
  });

  it('rejects a model with several subgraphs', () => {
    const e = rejection(buildOddModel({ subgraphs: 2 }));
    expect(e.code).toBe('MODEL_SEVERAL_SUBGRAPHS');
    expect(e.message).toContain('2 subgraphs');
  });

  it('rejects weights kept in external buffers', () => {
    const e = rejection(buildOddModel({ externalWeights: true }));
    expect(e.code).toBe('MODEL_EXTERNAL_BUFFERS');
    expect(e.message).toMatch(/outside the flatbuffer.*offset 4096/);
  });

  it('rejects a float-only model', () => {
    const e = rejection(buildOddModel({ tensorType: TensorType.FLOAT32 }));
    expect(e.code).toBe('MODEL_FLOAT_ONLY');
    expect(e.message).toContain('FLOAT32');
  });

  it('rejects an operator it cannot run, by its builtin name', () => {
    const e = rejection(buildOddModel({ deprecatedCode: 3, builtinCode: 3 }));
    expect(e.code).toBe('MODEL_UNSUPPORTED_OPERATOR');
    expect(e.message).toContain('CONV_2D');
  });

  it('names builtin codes newer than its table by number', () => {
    const e = rejection(buildOddModel({ deprecatedCode: 127, builtinCode: 250 }));
    expect(e.code).toBe('MODEL_UNSUPPORTED_OPERATOR');
    expect(e.message).toContain('BUILTIN_250');
  });

  it('rejects a schema version other than 3', () => {
    const e = rejection(buildOddModel({ schemaVersion: 2 }));
    expect(e.code).toBe('MODEL_UNSUPPORTED_VERSION');
    expect(e.message).toContain('schema version 2');
  });

  it('rejects a uint8-quantized model, naming the type', () => {
    const e = rejection(buildOddModel({ tensorType: TensorType.UINT8 }));
    expect(e.code).toBe('MODEL_UNSUPPORTED_TENSOR');
    expect(e.message).toContain('UINT8');
  });

  it('rejects the file truncated at every length with MODEL_MALFORMED, never a raw error', () => {
    for (let len = 0; len < sineBytes.length; len++) {
      const e = rejection(sineBytes.subarray(0, len));
      expect(e.code, `truncated to ${len} bytes`).toBe('MODEL_MALFORMED');
      expect(e.message).toContain('truncated or corrupt');
    }
  });

  it('rejects a root offset pointing past the end of the file', () => {
    const bad = sineBytes.slice();
    new DataView(bad.buffer).setUint32(0, 0xfffffff0, true);
    const e = rejection(bad);
    expect(e.code).toBe('MODEL_MALFORMED');
    expect(e.message).toMatch(/root table offset.*outside the file/);
  });

  it('rejects a vector whose length runs past the end of the file', () => {
    const m = buildOddModel();
    // The buffer data vector of the 1-byte weight: find its length prefix (1) followed by the value 64.
    const bad = m.slice();
    const view = new DataView(bad.buffer);
    let patched = false;
    for (let i = 0; i + 5 <= bad.length; i += 4) {
      if (view.getUint32(i, true) === 1 && bad[i + 4] === 64) {
        view.setUint32(i, 0x7fffffff, true);
        patched = true;
        break;
      }
    }
    expect(patched).toBe(true);
    const e = rejection(bad);
    expect(e.code).toBe('MODEL_MALFORMED');
    expect(e.message).toContain('outside the file');
  });

  it('survives thousands of random corruptions with only MotaErrors, and runs what it accepts', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const outcomes = new Map<string, number>();
    for (let k = 0; k < 3000; k++) {
      const c = sineBytes.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let j = 0; j < flips; j++) c[Math.floor(random() * c.length)] = Math.floor(random() * 256);
      let outcome = 'accepted';
      try {
        const it = new ReferenceInterpreter(readTflite(c));
        it.invoke(new Int8Array(it.inputBytes));
      } catch (e) {
        if (!isMotaError(e)) throw new Error(`corruption #${k} raised a non-MotaError: ${String(e)}`);
        outcome = e.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('MODEL_MALFORMED')).toBeGreaterThan(0);
    expect(outcomes.get('accepted')).toBeGreaterThan(0);
  });
});
