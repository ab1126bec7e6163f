import { describe, expect, it } from 'vitest';
import { isMotaError } from '../../common/errors.ts';
import type { Operator, Tensor, TfliteModel } from '../tflite/model.ts';
import { BuiltinOperator, builtinOperatorName, TensorType, tensorTypeName } from '../tflite/schema.ts';
import { ReferenceInterpreter } from './interpreter.ts';

/** Graphs written as data: the interpreter runs a parsed TfliteModel, so kernels can be tested without a file. */
function tensor(index: number, type: number, shape: number[], q: [number, number] | null, data: Uint8Array | null = null): Tensor {
  return {
    index, name: `t${index}`, shape, type, typeName: tensorTypeName(type), buffer: data ? index + 1 : 0, data,
    quantization: q ? { scale: [q[0]], zeroPoint: [q[1]], quantizedDimension: 0 } : null, isVariable: false,
  };
}
function op(index: number, code: number, inputs: number[], outputs: number[]): Operator {
  return { index, opcodeIndex: 0, builtinCode: code, name: builtinOperatorName(code), inputs, outputs, options: null };
}
function model(tensors: Tensor[], operators: Operator[], inputs: number[], outputs: number[]): TfliteModel {
  return { bytes: new Uint8Array(0), schemaVersion: 3, description: '', subgraphName: '', operatorCodes: [], tensors, inputs, outputs, operators, bufferCount: tensors.length + 1 };
}

describe('reference kernels besides FULLY_CONNECTED', () => {
  it('RESHAPE passes int8 values through unchanged', () => {
    const m = model(
      [tensor(0, TensorType.INT8, [1, 4], [0.1, 0]), tensor(1, TensorType.INT32, [2], null, new Uint8Array([2, 0, 0, 0, 2, 0, 0, 0])), tensor(2, TensorType.INT8, [2, 2], [0.1, 0])],
      [op(0, BuiltinOperator.RESHAPE, [0, 1], [2])], [0], [2],
    );
    const it = new ReferenceInterpreter(m);
    expect(Array.from(it.invoke(Int8Array.of(1, -2, 127, -128)))).toEqual([1, -2, 127, -128]);
    expect(it.output.shape).toEqual([2, 2]);
  });

  it('QUANTIZE requantizes int8 to int8 with the scale ratio and clamps', () => {
    const m = model([tensor(0, TensorType.INT8, [1, 3], [0.5, 0]), tensor(1, TensorType.INT8, [1, 3], [0.25, 10])], [op(0, BuiltinOperator.QUANTIZE, [0], [1])], [0], [1]);
    expect(Array.from(new ReferenceInterpreter(m).invoke(Int8Array.of(3, 60, -100)))).toEqual([16, 127, -128]);
  });

  it('DEQUANTIZE to float then QUANTIZE back rounds half away from zero', () => {
    const m = model(
      [tensor(0, TensorType.INT8, [1, 4], [0.5, 0]), tensor(1, TensorType.FLOAT32, [1, 4], null), tensor(2, TensorType.INT8, [1, 4], [2, -1])],
      [op(0, BuiltinOperator.DEQUANTIZE, [0], [1]), op(1, BuiltinOperator.QUANTIZE, [1], [2])], [0], [2],
    );
    // x * 0.5 / 2 = x / 4: 2 -> 0.5 -> 1, -2 -> -0.5 -> -1, 6 -> 1.5 -> 2, 5 -> 1.25 -> 1; then + (-1).
    expect(Array.from(new ReferenceInterpreter(m).invoke(Int8Array.of(2, -2, 6, 5)))).toEqual([0, -2, 1, 0]);
  });
});

describe('refusing what it cannot run', () => {
  const passThrough = () => model([tensor(0, TensorType.INT8, [1, 2], [0.1, 0]), tensor(1, TensorType.INT8, [1, 2], [0.1, 0])], [op(0, BuiltinOperator.RESHAPE, [0], [1])], [0], [1]);

  it('rejects an input of the wrong length with MODEL_BAD_INPUT', () => {
    const it = new ReferenceInterpreter(passThrough());
    expect(() => it.invoke(Int8Array.of(1))).toThrow(/takes 2 int8 input values, got 1/);
  });

  it('rejects models with several inputs', () => {
    const m = passThrough();
    m.inputs = [0, 1];
    let err: unknown;
    try { new ReferenceInterpreter(m); } catch (e) { err = e; }
    expect(isMotaError(err, 'MODEL_UNSUPPORTED')).toBe(true);
    expect(String(err)).toContain('2 inputs');
  });

  it('rejects a float input that no QUANTIZE turns into int8', () => {
    const m = model([tensor(0, TensorType.FLOAT32, [1, 2], null), tensor(1, TensorType.FLOAT32, [1, 2], null)], [op(0, BuiltinOperator.RESHAPE, [0], [1])], [0], [1]);
    expect(() => new ReferenceInterpreter(m)).toThrow(/input "t0" is FLOAT32/);
  });

  it('rejects activations too large for any microcontroller', () => {
    const m = passThrough();
    m.tensors[1]!.shape = [4096, 8192];
    expect(() => new ReferenceInterpreter(m)).toThrow(/activations are capped/);
  });
});
