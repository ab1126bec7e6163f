import { Builder, type Offset } from 'flatbuffers';
import { BufferField, BuiltinOptions, ModelField, OperatorCodeField, OperatorField, QuantizationField, SubGraphField, TensorField, TensorType } from './schema.ts';

/**
 * Builds small, deliberately odd .tflite files for reader tests: one FULLY_CONNECTED 1x1 layer by
 * default, with knobs for what converter files may contain (several subgraphs, external buffers,
 * other operators, only the deprecated opcode byte, missing optional fields).
 */
export interface OddModelOptions {
  subgraphs?: number;
  tensorType?: number;
  deprecatedCode?: number | null;
  builtinCode?: number | null;
  externalWeights?: boolean;
  omitNamesAndQuantization?: boolean;
  weight?: number;
  schemaVersion?: number;
}

export function buildOddModel(o: OddModelOptions = {}): Uint8Array {
  const type = o.tensorType ?? TensorType.INT8;
  const b = new Builder(512);
  const vec = (offs: Offset[]) => {
    b.startVector(4, offs.length, 4);
    for (let i = offs.length - 1; i >= 0; i--) b.addOffset(offs[i]!);
    return b.endVector();
  };
  const ints = (xs: number[]) => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!);
    return b.endVector();
  };
  const buffer = (data: number[] | null, external = false) => {
    let d = 0;
    if (data && !external) {
      b.startVector(1, data.length, 16);
      for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i]!);
      d = b.endVector();
    }
    b.startObject(3);
    if (d) b.addFieldOffset(BufferField.data, d, 0);
    if (external) {
      b.addFieldInt64(BufferField.offset, 4096n, 0n);
      b.addFieldInt64(BufferField.size, BigInt(data?.length ?? 0), 0n);
    }
    return b.endObject();
  };
  const weightBytes = type === TensorType.FLOAT32 ? [0, 0, 0x80, 0x3f] : [o.weight ?? 64];
  const buffers = vec([buffer(null), buffer(weightBytes, o.externalWeights), buffer([0, 0, 0, 0])]);
  const tensor = (name: string, shape: number[], t: number, buf: number, scale: number, zp: number) => {
    const n = b.createString(name);
    const s = ints(shape);
    let q = 0;
    if (!o.omitNamesAndQuantization && t !== TensorType.FLOAT32) {
      b.startVector(4, 1, 4);
      b.addFloat32(scale);
      const sv = b.endVector();
      b.startVector(8, 1, 8);
      b.addInt64(BigInt(zp));
      const zv = b.endVector();
      b.startObject(7);
      b.addFieldOffset(QuantizationField.scale, sv, 0);
      b.addFieldOffset(QuantizationField.zeroPoint, zv, 0);
      q = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(TensorField.shape, s, 0);
    b.addFieldInt8(TensorField.type, t, TensorType.FLOAT32);
    b.addFieldInt32(TensorField.buffer, buf, 0);
    if (!o.omitNamesAndQuantization) b.addFieldOffset(TensorField.name, n, 0);
    if (q) b.addFieldOffset(TensorField.quantization, q, 0);
    return b.endObject();
  };
  const subgraph = () => {
    const biasType = type === TensorType.FLOAT32 ? TensorType.FLOAT32 : TensorType.INT32;
    const tensors = vec([
      tensor('input', [1, 1], type, 0, 0.5, -10),
      tensor('weights', [1, 1], type, 1, 0.25, 0),
      tensor('bias', [1], biasType, 2, 0.125, 0),
      tensor('output', [1, 1], type, 0, 0.5, 3),
    ]);
    const inputs = ints([0, 1, 2]);
    const outputs = ints([3]);
    b.startObject(5);
    b.addFieldInt32(OperatorField.opcodeIndex, 0, 0);
    b.addFieldOffset(OperatorField.inputs, inputs, 0);
    b.addFieldOffset(OperatorField.outputs, outputs, 0);
    b.addFieldInt8(OperatorField.builtinOptionsType, BuiltinOptions.NONE, 0);
    const op = b.endObject();
    const ops = vec([op]);
    const sgIn = ints([0]);
    const sgOut = ints([3]);
    b.startObject(5);
    b.addFieldOffset(SubGraphField.tensors, tensors, 0);
    b.addFieldOffset(SubGraphField.inputs, sgIn, 0);
    b.addFieldOffset(SubGraphField.outputs, sgOut, 0);
    b.addFieldOffset(SubGraphField.operators, ops, 0);
    return b.endObject();
  };
  const subgraphs = vec(Array.from({ length: o.subgraphs ?? 1 }, subgraph));
  b.startObject(4);
  const dep = o.deprecatedCode === undefined ? 9 : o.deprecatedCode;
  const code = o.builtinCode === undefined ? 9 : o.builtinCode;
  if (dep !== null) b.addFieldInt8(OperatorCodeField.deprecatedBuiltinCode, dep, 0);
  if (code !== null) b.addFieldInt32(OperatorCodeField.builtinCode, code, 0);
  const opcodes = vec([b.endObject()]);
  b.startObject(5);
  b.addFieldInt32(ModelField.version, o.schemaVersion ?? 3, 0);
  b.addFieldOffset(ModelField.operatorCodes, opcodes, 0);
  b.addFieldOffset(ModelField.subgraphs, subgraphs, 0);
  b.addFieldOffset(ModelField.buffers, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}
