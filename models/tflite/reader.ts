import { MotaError } from '../../common/errors.ts';
import { CheckedFlatbuffer, type Table } from './flatbuffer.ts';
import type { Operator, OperatorCode, Quantization, Tensor, TfliteModel } from './model.ts';
import {
  Activation, activationName, BufferField, BuiltinOperator, BuiltinOptions, builtinOperatorName, FullyConnectedOptionsField,
  ModelField, OperatorCodeField, OperatorField, QuantizationField, SubGraphField, TensorField, TensorType,
  TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION, tensorTypeName, tensorTypeSize,
} from './schema.ts';

/** Operators the mota interpreters (this reference and the firmware's C one) execute. */
export const SUPPORTED_OPERATORS: readonly number[] = [
  BuiltinOperator.FULLY_CONNECTED, BuiltinOperator.QUANTIZE, BuiltinOperator.DEQUANTIZE, BuiltinOperator.RESHAPE,
];

/** Fused activations the FULLY_CONNECTED kernel turns into a clamp range. */
const SUPPORTED_ACTIVATIONS: readonly number[] = [Activation.NONE, Activation.RELU, Activation.RELU_N1_TO_1, Activation.RELU6];

const REEXPORT_HINT = 'export an int8 model with one subgraph: TFLiteConverter with optimizations=[DEFAULT], a representative dataset and inference_input_type/inference_output_type=tf.int8';

/**
 * Reads a .tflite flatbuffer as written by the TensorFlow Lite converter (or by our writer) and
 * checks that mota can run it. Throws MotaError MODEL_* for anything else, naming the problem.
 */
export function readTflite(bytes: Uint8Array): TfliteModel {
  const fb = new CheckedFlatbuffer(bytes);
  if (bytes.length < 8) throw fb.malformed('the file header', 'needs at least 8 bytes');
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== TFLITE_FILE_IDENTIFIER) {
    throw new MotaError(
      'MODEL_BAD_IDENTIFIER',
      `not a TFLite model: bytes 4..7 are ${JSON.stringify(ident)} (hex ${hex(bytes.subarray(4, 8))}), expected the file identifier "TFL3"`,
      'give a .tflite file written by the TensorFlow Lite converter',
    );
  }
  try {
    return readModel(fb, bytes);
  } catch (e) {
    if (e instanceof MotaError) throw e;
    // Anything the checks above missed (RangeError from a typed array, ...) is still a bad file, not a crash.
    throw fb.malformed('a field', `could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}

function readModel(fb: CheckedFlatbuffer, bytes: Uint8Array): TfliteModel {
  const model = fb.root();
  const schemaVersion = model.u32(ModelField.version, 'version', 0);
  const description = model.string(ModelField.description, 'description') ?? '';
  if (schemaVersion !== TFLITE_SCHEMA_VERSION) {
    throw new MotaError(
      'MODEL_UNSUPPORTED_VERSION',
      `unsupported model: TFLite schema version ${schemaVersion}; mota reads schema version ${TFLITE_SCHEMA_VERSION} (the only one converters have written since TensorFlow 1.x)`,
      'convert the model again with a current TensorFlow Lite converter',
    );
  }

  const subgraphs = model.tables(ModelField.subgraphs, 'subgraphs') ?? [];
  if (subgraphs.length === 0) throw invalid('the model has no subgraph');
  if (subgraphs.length > 1) {
    throw new MotaError(
      'MODEL_SEVERAL_SUBGRAPHS',
      `unsupported model: it has ${subgraphs.length} subgraphs (control flow such as IF/WHILE or several signatures); mota runs models with exactly one subgraph`,
      REEXPORT_HINT,
    );
  }
  const buffers = model.tables(ModelField.buffers, 'buffers') ?? [];
  const operatorCodes = (model.tables(ModelField.operatorCodes, 'operator_codes') ?? []).map(readOperatorCode);

  const sg = subgraphs[0]!;
  const tensorTables = sg.tables(SubGraphField.tensors, 'tensors') ?? [];
  const tensors = tensorTables.map((t, i) => readTensor(t, i, buffers));
  const inputs = sg.int32s(SubGraphField.inputs, 'inputs') ?? [];
  const outputs = sg.int32s(SubGraphField.outputs, 'outputs') ?? [];
  const operators = (sg.tables(SubGraphField.operators, 'operators') ?? []).map((t, i) => readOperator(t, i, operatorCodes));
  const subgraphName = sg.string(SubGraphField.name, 'name') ?? '';

  const result: TfliteModel = {
    bytes, schemaVersion, description, subgraphName, operatorCodes, tensors, inputs, outputs, operators,
    bufferCount: buffers.length,
  };
  validate(result);
  return result;
}

function readOperatorCode(t: Table, i: number): OperatorCode {
  const deprecated = t.i8(OperatorCodeField.deprecatedBuiltinCode, 'deprecated_builtin_code', 0);
  const code = t.i32(OperatorCodeField.builtinCode, 'builtin_code', 0);
  // Old files only set the byte; new codes >127 set the byte to PLACEHOLDER (127) and the int32: take the larger.
  const builtinCode = Math.max(deprecated, code);
  return {
    builtinCode,
    name: builtinOperatorName(builtinCode),
    customCode: t.string(OperatorCodeField.customCode, 'custom_code'),
    version: t.i32(OperatorCodeField.version, 'version', 1),
  };
}

function readTensor(t: Table, index: number, buffers: Table[]): Tensor {
  const name = t.string(TensorField.name, 'name') ?? '';
  const shape = t.int32s(TensorField.shape, 'shape') ?? [];
  const type = t.i8(TensorField.type, 'type', TensorType.FLOAT32);
  const buffer = t.u32(TensorField.buffer, 'buffer', 0);
  if (t.has(TensorField.sparsity)) {
    throw new MotaError('MODEL_UNSUPPORTED_TENSOR', `unsupported model: tensor #${index} "${name}" is sparse; mota runs dense tensors only`, REEXPORT_HINT);
  }
  let data: Uint8Array | null = null;
  if (buffer !== 0) {
    const b = buffers[buffer];
    if (!b) throw invalid(`tensor #${index} "${name}" refers to buffer ${buffer}, but the model has ${buffers.length} buffers`);
    const offset = b.u64(BufferField.offset, 'offset', 0n);
    const size = b.u64(BufferField.size, 'size', 0n);
    // Schema 3c: offset > 1 means the data sits after the flatbuffer, outside what we can bounds-check.
    if (offset > 1n || size > 0n) {
      throw new MotaError(
        'MODEL_EXTERNAL_BUFFERS',
        `unsupported model: tensor #${index} "${name}" keeps its data outside the flatbuffer (external buffer at offset ${offset}, size ${size}); mota needs all weights inside the flatbuffer`,
        'convert without the large-model option (models over 2 GB cannot run on a microcontroller anyway)',
      );
    }
    const d = b.bytes(BufferField.data, 'data');
    if (d && d.length > 0) data = d;
  }
  const q = t.table(TensorField.quantization, 'quantization');
  let quantization: Quantization | null = null;
  if (q) {
    const scale = q.floats(QuantizationField.scale, 'scale') ?? [];
    const zp = q.int64s(QuantizationField.zeroPoint, 'zero_point') ?? [];
    if (scale.length > 0) {
      quantization = {
        scale,
        zeroPoint: zp.map((z) => Number(BigInt.asIntN(32, z))),
        quantizedDimension: q.i32(QuantizationField.quantizedDimension, 'quantized_dimension', 0),
      };
    }
  }
  return {
    index, name, shape, type, typeName: tensorTypeName(type), buffer, data, quantization,
    isVariable: t.bool(TensorField.isVariable, 'is_variable'),
  };
}

function readOperator(t: Table, index: number, codes: OperatorCode[]): Operator {
  const opcodeIndex = t.u32(OperatorField.opcodeIndex, 'opcode_index', 0);
  const code = codes[opcodeIndex];
  if (!code) throw invalid(`operator #${index} uses opcode ${opcodeIndex}, but the opcode table has ${codes.length} entries`);
  const inputs = t.int32s(OperatorField.inputs, 'inputs') ?? [];
  const outputs = t.int32s(OperatorField.outputs, 'outputs') ?? [];
  let options: Operator['options'] = null;
  if (code.builtinCode === BuiltinOperator.FULLY_CONNECTED) {
    const type = t.u8(OperatorField.builtinOptionsType, 'builtin_options_type', 0);
    const o = type === BuiltinOptions.FullyConnectedOptions ? t.table(OperatorField.builtinOptions, 'builtin_options') : null;
    const fused = o ? o.i8(FullyConnectedOptionsField.fusedActivationFunction, 'fused_activation_function', 0) : 0;
    options = {
      kind: 'FULLY_CONNECTED',
      fusedActivation: fused,
      fusedActivationName: activationName(fused),
      keepNumDims: o ? o.bool(FullyConnectedOptionsField.keepNumDims, 'keep_num_dims') : false,
    };
  }
  return { index, opcodeIndex, builtinCode: code.builtinCode, name: code.customCode ?? code.name, inputs, outputs, options };
}

/** Semantic checks: indices in range, only ops and types mota can run, constant sizes match shapes. */
function validate(m: TfliteModel): void {
  const n = m.tensors.length;
  const checkIndex = (i: number, where: string, optional: boolean) => {
    if ((optional && i === -1) || (i >= 0 && i < n)) return;
    throw invalid(`${where} refers to tensor ${i}, but the subgraph has ${n} tensors`);
  };
  m.inputs.forEach((i, k) => checkIndex(i, `subgraph input ${k}`, false));
  m.outputs.forEach((i, k) => checkIndex(i, `subgraph output ${k}`, false));
  if (m.inputs.length === 0 || m.outputs.length === 0) throw invalid('the subgraph declares no input or no output tensor');

  const otherQuantized = m.tensors.filter((t) => t.quantization && (t.type === TensorType.UINT8 || t.type === TensorType.INT16));
  if (!m.tensors.some((t) => t.type === TensorType.INT8) && otherQuantized.length > 0) {
    const t = otherQuantized[0]!;
    throw new MotaError(
      'MODEL_UNSUPPORTED_TENSOR',
      `unsupported model: it is quantized to ${t.typeName} (tensor #${t.index} "${t.name}"), not INT8; mota runs int8 quantized models`,
      REEXPORT_HINT,
    );
  }
  if (!m.tensors.some((t) => t.type === TensorType.INT8)) {
    const types = [...new Set(m.tensors.map((t) => t.typeName))].join(', ');
    throw new MotaError(
      'MODEL_FLOAT_ONLY',
      `unsupported model: it is not quantized (no INT8 tensor; tensor types: ${types || 'none'}); mota runs int8 quantized models`,
      REEXPORT_HINT,
    );
  }

  for (const op of m.operators) {
    op.inputs.forEach((i, k) => checkIndex(i, `operator #${op.index} (${op.name}) input ${k}`, true));
    op.outputs.forEach((i, k) => checkIndex(i, `operator #${op.index} (${op.name}) output ${k}`, false));
    if (!SUPPORTED_OPERATORS.includes(op.builtinCode) || (op.builtinCode === BuiltinOperator.CUSTOM)) {
      const what = op.builtinCode === BuiltinOperator.CUSTOM ? `custom operator "${op.name}"` : `operator ${op.name} (builtin code ${op.builtinCode})`;
      throw new MotaError(
        'MODEL_UNSUPPORTED_OPERATOR',
        `unsupported model: operator #${op.index} is ${what}; mota runs ${SUPPORTED_OPERATORS.map(builtinOperatorName).join(', ')}`,
        'build the model from Dense layers only (FULLY_CONNECTED with NONE or RELU activation)',
      );
    }
  }

  for (const op of m.operators) {
    const fused = op.options?.fusedActivation ?? Activation.NONE;
    if (!SUPPORTED_ACTIVATIONS.includes(fused)) {
      throw new MotaError(
        'MODEL_UNSUPPORTED_OPERATOR',
        `unsupported model: operator #${op.index} is ${op.name} with fused activation ${activationName(fused)}; mota fuses ${SUPPORTED_ACTIVATIONS.map(activationName).join(', ')}`,
        'use ReLU (or no activation) on Dense layers',
      );
    }
  }

  for (const t of m.tensors) {
    const bad = t.shape.find((d) => d < 0);
    if (bad !== undefined) throw invalid(`tensor #${t.index} "${t.name}" has a dynamic dimension (${bad}) in shape [${t.shape.join(', ')}]`);
    if (t.data) {
      const elem = tensorTypeSize(t.type);
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (elem !== undefined && t.data.length !== elem * count) {
        throw invalid(`tensor #${t.index} "${t.name}" (${t.typeName} [${t.shape.join(', ')}]) needs ${elem * count} bytes of data but its buffer holds ${t.data.length}`);
      }
    }
    if (t.quantization && t.quantization.zeroPoint.length !== 0 && t.quantization.zeroPoint.length !== t.quantization.scale.length) {
      throw invalid(`tensor #${t.index} "${t.name}" has ${t.quantization.scale.length} scales but ${t.quantization.zeroPoint.length} zero points`);
    }
  }
}

function invalid(message: string): MotaError {
  return new MotaError('MODEL_INVALID', `invalid model: ${message}`, 'the file is damaged or was not written by the TensorFlow Lite converter; re-export it');
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
