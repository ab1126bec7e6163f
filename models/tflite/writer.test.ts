import { describe, expect, it } from 'vitest';
import { MotaError } from '../../common/errors.ts';
import { readTflite } from './reader.ts';
import { writeFullyConnectedModel, type FullyConnectedModelSpec } from './writer.ts';

function spec(): FullyConnectedModelSpec {
  return {
    inputName: 'in',
    outputName: 'out',
    input: { size: 2, scale: 0.05, zeroPoint: -128 },
    layers: [
      { name: 'hidden', weights: Int8Array.of(1, -2, 3, -4, 5, -6), weightScale: 0.01, bias: Int32Array.of(100, -200, 300), units: 3, depth: 2, activation: 'RELU', output: { scale: 0.02, zeroPoint: -128 } },
      { name: 'head', weights: Int8Array.of(127, -127, 0), weightScale: 0.03, bias: Int32Array.of(-5), units: 1, depth: 3, activation: 'NONE', output: { scale: 0.04, zeroPoint: 7 } },
    ],
  };
}

describe('writing FULLY_CONNECTED int8 models', () => {
  it('writes a file the reader reads back with the same weights, biases, scales and activations', () => {
    const m = readTflite(writeFullyConnectedModel(spec()));
    expect(m.operators.map((o) => [o.name, o.options?.fusedActivationName])).toEqual([['FULLY_CONNECTED', 'RELU'], ['FULLY_CONNECTED', 'NONE']]);
    const [op0, op1] = m.operators as [typeof m.operators[0], typeof m.operators[0]];
    expect(Array.from(new Int8Array(m.tensors[op0.inputs[1]!]!.data!.slice().buffer))).toEqual([1, -2, 3, -4, 5, -6]);
    expect(Array.from(new Int32Array(m.tensors[op1.inputs[2]!]!.data!.slice().buffer))).toEqual([-5]);
    expect(m.tensors[op0.inputs[1]!]!.shape).toEqual([3, 2]);
    // Bias scale is s_in * s_w in float32, as the converter stores it.
    expect(m.tensors[op1.inputs[2]!]!.quantization!.scale[0]).toBe(Math.fround(Math.fround(0.02) * Math.fround(0.03)));
    const out = m.tensors[m.outputs[0]!]!;
    expect(out.name).toBe('out');
    expect(out.quantization).toEqual({ scale: [Math.fround(0.04)], zeroPoint: [7], quantizedDimension: 0 });
    expect(m.tensors[m.inputs[0]!]!.shape).toEqual([1, 2]);
    expect(op1.inputs[0]).toBe(op0.outputs[0]);
  });

  it('is deterministic', () => {
    expect(Buffer.from(writeFullyConnectedModel(spec())).equals(Buffer.from(writeFullyConnectedModel(spec())))).toBe(true);
  });

  it('refuses a layer whose depth does not match the previous layer', () => {
    const s = spec();
    s.layers[1]!.depth = 4;
    expect(() => writeFullyConnectedModel(s)).toThrowError(MotaError);
    expect(() => writeFullyConnectedModel(s)).toThrow(/layer 1 \(head\) takes 4 inputs but the previous layer gives 3/);
  });

  it('refuses a zero point outside int8', () => {
    const s = spec();
    s.input.zeroPoint = 200;
    expect(() => writeFullyConnectedModel(s)).toThrow(/input zero point 200 is not an int8/);
  });
});
