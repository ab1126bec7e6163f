import { Builder, type Offset } from 'flatbuffers';
import { MotaError } from '../../common/errors.ts';
import {
  Activation, BufferField, BuiltinOperator, BuiltinOptions, FullyConnectedOptionsField, MetadataField, ModelField,
  OperatorCodeField, OperatorField, QuantizationField, SignatureDefField, SubGraphField, TensorMapField, TensorField, TensorType, TFLITE_FILE_IDENTIFIER,
} from './schema.ts';

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface FullyConnectedLayerSpec {
  name: string;
  /** Row-major [units][depth], symmetric int8 (zero point 0). */
  weights: Int8Array;
  /** One scale (per tensor) or one per output unit (per channel, as recent converters write Dense layers). */
  weightScale: number | number[];
  /** int32 at scale s_in * s_w (per unit when the weights are per channel), zero point 0. */
  bias: Int32Array;
  units: number;
  depth: number;
  activation: 'NONE' | 'RELU';
  /** Quantization of this layer's int8 output. */
  output: QuantParams;
}

export interface FullyConnectedModelSpec {
  inputName: string;
  outputName: string;
  input: QuantParams & { size: number };
  layers: FullyConnectedLayerSpec[];
  description?: string;
  /** Names in the serving_default signature (the Keras layer names). */
  signatureInputName?: string;
  signatureOutputName?: string;
  /** Float input and output around QUANTIZE/DEQUANTIZE, as the converter writes without int8 I/O. */
  floatIo?: boolean;
}

/** Lowest runtime that runs int8 FULLY_CONNECTED v4; the converter records it in the same metadata entry. */
const MIN_RUNTIME_VERSION = '1.14.0';

interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
  data: Uint8Array | null;
  quant: { scale: number | number[]; zeroPoint: number } | null;
}

/**
 * Writes an int8 model of FULLY_CONNECTED layers laid out like the TFLite converter's output:
 * input, biases and weights (last layer first), activations, output; one buffer per tensor
 * behind the empty buffers[0]; a "min_runtime_version" metadata buffer; a serving_default
 * signature; int8 input and output (or float ones through QUANTIZE/DEQUANTIZE with floatIo).
 */
export function writeFullyConnectedModel(spec: FullyConnectedModelSpec): Uint8Array {
  checkSpec(spec);
  const layers = spec.layers;
  const tensors: TensorSpec[] = [];
  const add = (t: TensorSpec) => tensors.push(t) - 1;

  const inputIndex = add({ name: spec.inputName, shape: [1, spec.input.size], type: TensorType.INT8, data: null, quant: spec.input });
  const biasIndex: number[] = [];
  const weightIndex: number[] = [];
  // Scales are stored as float32; the bias scale is the float32 product of the stored input and weight scales.
  let inScale = Math.fround(spec.input.scale);
  const biasScales = layers.map((l) => {
    const s = scalesOf(l).map((w) => Math.fround(inScale * Math.fround(w)));
    inScale = Math.fround(l.output.scale);
    return s;
  });
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    biasIndex[i] = add({ name: `${l.name}/bias`, shape: [l.units], type: TensorType.INT32, data: int32Bytes(l.bias), quant: { scale: biasScales[i]!, zeroPoint: 0 } });
  }
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    weightIndex[i] = add({ name: `${l.name}/kernel`, shape: [l.units, l.depth], type: TensorType.INT8, data: new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.length), quant: { scale: scalesOf(l), zeroPoint: 0 } });
  }
  const outIndex: number[] = [];
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    outIndex[i] = add({ name: last ? spec.outputName : `${l.name}/${l.activation === 'RELU' ? 'Relu' : 'BiasAdd'}`, shape: [1, l.units], type: TensorType.INT8, data: null, quant: l.output });
  });
  const int8Output = outIndex[layers.length - 1]!;
  // Float I/O, as the converter writes without inference_input_type/inference_output_type = int8.
  const graphInput = spec.floatIo ? add({ name: `${spec.inputName}_float`, shape: [1, spec.input.size], type: TensorType.FLOAT32, data: null, quant: null }) : inputIndex;
  const graphOutput = spec.floatIo ? add({ name: `${spec.outputName}_float`, shape: [1, layers[layers.length - 1]!.units], type: TensorType.FLOAT32, data: null, quant: null }) : int8Output;

  const b = new Builder(4096);
  // Buffers: [0] empty sentinel, one per tensor, then the metadata string.
  const bufferOffsets: Offset[] = [];
  const metadataBytes = new TextEncoder().encode(`${MIN_RUNTIME_VERSION}\0`);
  const bufferData: (Uint8Array | null)[] = [null, ...tensors.map((t) => t.data), metadataBytes];
  for (const data of bufferData) {
    let dataOffset = 0;
    if (data) {
      b.startVector(1, data.length, 16);
      for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i]!);
      dataOffset = b.endVector();
    }
    b.startObject(3);
    if (data) b.addFieldOffset(BufferField.data, dataOffset, 0);
    bufferOffsets.push(b.endObject());
  }
  const buffersVec = offsetVector(b, bufferOffsets);
  const metadataBufferIndex = bufferData.length - 1;

  const tensorOffsets = tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const scales = typeof t.quant.scale === 'number' ? [t.quant.scale] : t.quant.scale;
      b.startVector(4, scales.length, 4);
      for (let k = scales.length - 1; k >= 0; k--) b.addFloat32(scales[k]!);
      const scale = b.endVector();
      b.startVector(8, scales.length, 8);
      for (let k = 0; k < scales.length; k++) b.addInt64(BigInt(t.quant.zeroPoint));
      const zp = b.endVector();
      b.startObject(7);
      b.addFieldOffset(QuantizationField.scale, scale, 0);
      b.addFieldOffset(QuantizationField.zeroPoint, zp, 0);
      quant = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(TensorField.shape, shape, 0);
    b.addFieldInt8(TensorField.type, t.type, TensorType.FLOAT32);
    b.addFieldInt32(TensorField.buffer, i + 1, 0);
    b.addFieldOffset(TensorField.name, name, 0);
    if (quant) b.addFieldOffset(TensorField.quantization, quant, 0);
    return b.endObject();
  });
  const tensorsVec = offsetVector(b, tensorOffsets);

  // Opcode table: FULLY_CONNECTED, then QUANTIZE and DEQUANTIZE when the model has float I/O.
  const opcodeTable: { code: number; version: number }[] = [{ code: BuiltinOperator.FULLY_CONNECTED, version: 4 }];
  if (spec.floatIo) opcodeTable.push({ code: BuiltinOperator.QUANTIZE, version: 1 }, { code: BuiltinOperator.DEQUANTIZE, version: 2 });
  const plainOperator = (opcodeIndex: number, input: number, output: number) => {
    const inputs = int32Vector(b, [input]);
    const outputs = int32Vector(b, [output]);
    b.startObject(5);
    b.addFieldInt32(OperatorField.opcodeIndex, opcodeIndex, 0);
    b.addFieldOffset(OperatorField.inputs, inputs, 0);
    b.addFieldOffset(OperatorField.outputs, outputs, 0);
    return b.endObject();
  };
  const operatorOffsets = layers.map((l, i) => {
    const inputs = int32Vector(b, [i === 0 ? inputIndex : outIndex[i - 1]!, weightIndex[i]!, biasIndex[i]!]);
    const outputs = int32Vector(b, [outIndex[i]!]);
    b.startObject(4);
    b.addFieldInt8(FullyConnectedOptionsField.fusedActivationFunction, l.activation === 'RELU' ? Activation.RELU : Activation.NONE, Activation.NONE);
    const options = b.endObject();
    b.startObject(5);
    b.addFieldInt32(OperatorField.opcodeIndex, 0, 0);
    b.addFieldOffset(OperatorField.inputs, inputs, 0);
    b.addFieldOffset(OperatorField.outputs, outputs, 0);
    b.addFieldInt8(OperatorField.builtinOptionsType, BuiltinOptions.FullyConnectedOptions, 0);
    b.addFieldOffset(OperatorField.builtinOptions, options, 0);
    return b.endObject();
  });
  if (spec.floatIo) {
    operatorOffsets.unshift(plainOperator(1, graphInput, inputIndex));
    operatorOffsets.push(plainOperator(2, int8Output, graphOutput));
  }
  const operatorsVec = offsetVector(b, operatorOffsets);

  const sgName = b.createString('main');
  const sgInputs = int32Vector(b, [graphInput]);
  const sgOutputs = int32Vector(b, [graphOutput]);
  b.startObject(5);
  b.addFieldOffset(SubGraphField.tensors, tensorsVec, 0);
  b.addFieldOffset(SubGraphField.inputs, sgInputs, 0);
  b.addFieldOffset(SubGraphField.outputs, sgOutputs, 0);
  b.addFieldOffset(SubGraphField.operators, operatorsVec, 0);
  b.addFieldOffset(SubGraphField.name, sgName, 0);
  const subgraphsVec = offsetVector(b, [b.endObject()]);

  const opcodesVec = offsetVector(b, opcodeTable.map(({ code, version }) => {
    b.startObject(4);
    b.addFieldInt8(OperatorCodeField.deprecatedBuiltinCode, code, 0);
    b.addFieldInt32(OperatorCodeField.version, version, 1);
    b.addFieldInt32(OperatorCodeField.builtinCode, code, 0);
    return b.endObject();
  }));

  const metaName = b.createString('min_runtime_version');
  b.startObject(2);
  b.addFieldOffset(MetadataField.name, metaName, 0);
  b.addFieldInt32(MetadataField.buffer, metadataBufferIndex, 0);
  const metadataVec = offsetVector(b, [b.endObject()]);

  // A "serving_default" signature naming input and output, as the converter writes for Keras models.
  const tensorMap = (key: string, tensor: number) => {
    const name = b.createString(key);
    b.startObject(2);
    b.addFieldOffset(TensorMapField.name, name, 0);
    b.addFieldInt32(TensorMapField.tensorIndex, tensor, 0);
    return b.endObject();
  };
  const sigInputs = offsetVector(b, [tensorMap(spec.signatureInputName ?? 'dense_input', graphInput)]);
  const sigOutputs = offsetVector(b, [tensorMap(spec.signatureOutputName ?? 'output_0', graphOutput)]);
  const sigKey = b.createString('serving_default');
  b.startObject(5);
  b.addFieldOffset(SignatureDefField.inputs, sigInputs, 0);
  b.addFieldOffset(SignatureDefField.outputs, sigOutputs, 0);
  b.addFieldOffset(SignatureDefField.signatureKey, sigKey, 0);
  b.addFieldInt32(SignatureDefField.subgraphIndex, 0, 0);
  const signaturesVec = offsetVector(b, [b.endObject()]);

  const description = b.createString(spec.description ?? 'mota');
  b.startObject(8);
  b.addFieldInt32(ModelField.version, 3, 0);
  b.addFieldOffset(ModelField.operatorCodes, opcodesVec, 0);
  b.addFieldOffset(ModelField.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(ModelField.description, description, 0);
  b.addFieldOffset(ModelField.buffers, buffersVec, 0);
  b.addFieldOffset(ModelField.metadata, metadataVec, 0);
  b.addFieldOffset(ModelField.signatureDefs, signaturesVec, 0);
  b.finish(b.endObject(), TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function scalesOf(l: FullyConnectedLayerSpec): number[] {
  return typeof l.weightScale === 'number' ? [l.weightScale] : l.weightScale;
}

function offsetVector(b: Builder, offsets: Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function int32Vector(b: Builder, values: number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function int32Bytes(v: Int32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  v.forEach((x, i) => view.setInt32(4 * i, x, true));
  return out;
}

function checkSpec(spec: FullyConnectedModelSpec): void {
  const bad = (message: string) => new MotaError('MODEL_BAD_SPEC', `cannot write the model: ${message}`, 'fix the layer description passed to writeFullyConnectedModel');
  if (spec.layers.length === 0) throw bad('it has no layer');
  const port = (q: QuantParams, what: string) => {
    if (!(q.scale > 0) || !Number.isFinite(q.scale)) throw bad(`${what} scale ${q.scale} is not a positive number`);
    if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < -128 || q.zeroPoint > 127) throw bad(`${what} zero point ${q.zeroPoint} is not an int8`);
  };
  port(spec.input, 'input');
  let depth = spec.input.size;
  spec.layers.forEach((l, i) => {
    const where = `layer ${i} (${l.name})`;
    if (l.depth !== depth) throw bad(`${where} takes ${l.depth} inputs but the previous layer gives ${depth}`);
    if (l.weights.length !== l.units * l.depth) throw bad(`${where} has ${l.weights.length} weights, expected ${l.units} x ${l.depth}`);
    if (l.bias.length !== l.units) throw bad(`${where} has ${l.bias.length} biases, expected ${l.units}`);
    const scales = scalesOf(l);
    if (scales.length !== 1 && scales.length !== l.units) throw bad(`${where} has ${scales.length} weight scales, expected 1 or ${l.units}`);
    if (!scales.every((x) => x > 0 && Number.isFinite(x))) throw bad(`${where} weight scales [${scales.join(', ')}] are not all positive`);
    port(l.output, `${where} output`);
    depth = l.units;
  });
}
