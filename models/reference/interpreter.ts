import { MotaError } from '../../common/errors.ts';
import type { Operator, Tensor, TfliteModel } from '../tflite/model.ts';
import { BuiltinOperator, TensorType } from '../tflite/schema.ts';
import {
  activationRange, convolutionMultiplier, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAwayFromZero,
  type Rounding,
} from './quant.ts';

export interface QuantizedPort {
  scale: number;
  zeroPoint: number;
  shape: number[];
}

/** Larger activations cannot fit any target; refusing them keeps a hostile shape from exhausting memory. */
const MAX_ACTIVATION_ELEMENTS = 1 << 24;

type Storage = Int8Array | Int32Array | Float32Array;

/** A kernel prepared once (multipliers, clamp ranges, weights decoded); invoke allocates nothing. */
type Step = (tensors: Storage[]) => void;

/**
 * Runs a parsed int8 model with TFLite's reference integer kernels: FULLY_CONNECTED (fused NONE,
 * RELU, RELU6, RELU_N1_TO_1), QUANTIZE, DEQUANTIZE, RESHAPE. `rounding: 'double'` (default) is
 * TFLM; 'single' matches the full TFLite runtime. A float input QUANTIZE and float output
 * DEQUANTIZE are skipped: invoke() always takes and returns int8.
 */
export class ReferenceInterpreter {
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly input: QuantizedPort;
  readonly output: QuantizedPort;
  readonly rounding: Rounding;
  private readonly storage: Storage[];
  private readonly steps: Step[];
  private readonly inputIndex: number;
  private readonly outputIndex: number;

  constructor(readonly model: TfliteModel, options: { rounding?: Rounding } = {}) {
    this.rounding = options.rounding ?? 'double';
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw unsupported(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; mota runs models with one input and one output`);
    }
    const { inputIndex, outputIndex, skipped } = int8Boundary(model);
    this.inputIndex = inputIndex;
    this.outputIndex = outputIndex;
    const inT = tensor(model, this.inputIndex);
    const outT = tensor(model, this.outputIndex);
    this.input = int8Port(inT, 'input');
    this.output = int8Port(outT, 'output');
    this.inputBytes = elementCount(inT);
    this.outputBytes = elementCount(outT);
    for (const t of model.tensors) {
      if (!t.data && elementCount(t) > MAX_ACTIVATION_ELEMENTS) {
        throw unsupported(`tensor #${t.index} "${t.name}" has ${elementCount(t)} elements; activations are capped at ${MAX_ACTIVATION_ELEMENTS} (no microcontroller has that much RAM)`);
      }
    }
    this.storage = model.tensors.map(allocate);
    this.steps = model.operators.filter((op) => !skipped.has(op.index)).map((op) => this.prepare(op));
  }

  /** Runs the model on one int8 input (inputBytes values) and returns a copy of the int8 output. */
  invoke(input: Int8Array): Int8Array {
    if (input.length !== this.inputBytes) {
      throw new MotaError('MODEL_BAD_INPUT', `the model takes ${this.inputBytes} int8 input values, got ${input.length}`, `pass an Int8Array of length ${this.inputBytes}`);
    }
    (this.storage[this.inputIndex] as Int8Array).set(input);
    for (const step of this.steps) step(this.storage);
    return (this.storage[this.outputIndex] as Int8Array).slice();
  }

  private prepare(op: Operator): Step {
    switch (op.builtinCode) {
      case BuiltinOperator.FULLY_CONNECTED: return this.prepareFullyConnected(op);
      case BuiltinOperator.QUANTIZE: return this.prepareQuantize(op);
      case BuiltinOperator.DEQUANTIZE: return prepareDequantize(this.model, op);
      case BuiltinOperator.RESHAPE: return prepareReshape(this.model, op);
      default: throw unsupported(`operator #${op.index} is ${op.name}`);
    }
  }

  private prepareFullyConnected(op: Operator): Step {
    const m = this.model;
    const [inIdx, wIdx, bIdx = -1] = op.inputs;
    const outIdx = op.outputs[0];
    if (inIdx === undefined || wIdx === undefined || outIdx === undefined) throw unsupported(`FULLY_CONNECTED #${op.index} lacks its input, weights or output`);
    const inT = tensor(m, inIdx);
    const wT = tensor(m, wIdx);
    const outT = tensor(m, outIdx);
    const where = `FULLY_CONNECTED #${op.index}`;
    for (const [t, role] of [[inT, 'input'], [wT, 'weights'], [outT, 'output']] as const) {
      if (t.type !== TensorType.INT8) throw unsupported(`${where} ${role} "${t.name}" is ${t.typeName}; only int8 FULLY_CONNECTED is supported`);
    }
    if (!wT.data) throw unsupported(`${where} weights "${wT.name}" are not constant`);
    if (wT.shape.length !== 2) throw unsupported(`${where} weights "${wT.name}" have shape [${wT.shape.join(', ')}], expected [outputs, inputs]`);
    const [units, depth] = wT.shape as [number, number];
    const inQ = perTensor(inT, where);
    const outQ = perTensor(outT, where);
    const wScales = weightScales(wT, units, where);
    const inCount = elementCount(inT);
    if (depth === 0 || inCount % depth !== 0) throw unsupported(`${where} input has ${inCount} values, not a multiple of the weights' depth ${depth}`);
    const batches = inCount / depth;
    if (elementCount(outT) !== batches * units) throw unsupported(`${where} output "${outT.name}" has ${elementCount(outT)} values, expected ${batches * units}`);

    const weights = new Int8Array(wT.data.buffer.slice(wT.data.byteOffset, wT.data.byteOffset + wT.data.length));
    let bias: Int32Array | null = null;
    if (bIdx >= 0) {
      const bT = tensor(m, bIdx);
      if (bT.type !== TensorType.INT32 || !bT.data || bT.data.length !== 4 * units) {
        throw unsupported(`${where} bias "${bT.name}" must be a constant INT32 tensor of ${units} values`);
      }
      bias = decodeInt32(bT.data);
    }
    // Per-tensor: TFLite's GetQuantizedConvolutionMultipler (float product of the scales). Per-channel
    // (the converter's default for Dense layers since 2024): TFLM multiplies the scales in double.
    const multipliers = new Int32Array(units);
    const shifts = new Int32Array(units);
    for (let o = 0; o < units; o++) {
      const real = wScales.length === 1 ? convolutionMultiplier(inQ.scale, wScales[0]!, outQ.scale) : (inQ.scale * wScales[o]!) / outQ.scale;
      const q = quantizeMultiplier(real, this.rounding);
      multipliers[o] = q.multiplier;
      shifts[o] = q.shift;
    }
    const { min, max } = activationRange(op.options?.fusedActivation ?? 0, outQ.scale, outQ.zeroPoint);
    const inputOffset = -inQ.zeroPoint;
    const outputOffset = outQ.zeroPoint;
    const rounding = this.rounding;

    return (s) => {
      const x = s[inIdx] as Int8Array;
      const y = s[outIdx] as Int8Array;
      for (let b = 0; b < batches; b++) {
        for (let o = 0; o < units; o++) {
          let acc = 0;
          for (let d = 0; d < depth; d++) {
            acc = (acc + Math.imul(weights[o * depth + d]!, x[b * depth + d]! + inputOffset)) | 0;
          }
          if (bias) acc = (acc + bias[o]!) | 0;
          let v = multiplyByQuantizedMultiplier(acc, multipliers[o]!, shifts[o]!, rounding) + outputOffset;
          v = v < min ? min : v > max ? max : v;
          y[b * units + o] = v;
        }
      }
    };
  }

  private prepareQuantize(op: Operator): Step {
    const m = this.model;
    const inIdx = op.inputs[0]!;
    const outIdx = op.outputs[0]!;
    const inT = tensor(m, inIdx);
    const outT = tensor(m, outIdx);
    const where = `QUANTIZE #${op.index}`;
    if (outT.type !== TensorType.INT8) throw unsupported(`${where} output is ${outT.typeName}; only int8 output is supported`);
    const outQ = perTensor(outT, where);
    const n = elementCount(outT);
    if (inT.type === TensorType.FLOAT32) {
      // AffineQuantize: round(x / scale) in float, then add the zero point and clamp.
      const scale = Math.fround(outQ.scale);
      return (s) => {
        const x = s[inIdx] as Float32Array;
        const y = s[outIdx] as Int8Array;
        for (let i = 0; i < n; i++) {
          const v = roundHalfAwayFromZero(Math.fround(x[i]! / scale)) + outQ.zeroPoint;
          y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
        }
      };
    }
    if (inT.type === TensorType.INT8) {
      // int8 -> int8 requantization with the multiplier s_in / s_out.
      const inQ = perTensor(inT, where);
      const { multiplier, shift } = quantizeMultiplier(inQ.scale / outQ.scale, this.rounding);
      const rounding = this.rounding;
      return (s) => {
        const x = s[inIdx] as Int8Array;
        const y = s[outIdx] as Int8Array;
        for (let i = 0; i < n; i++) {
          const v = multiplyByQuantizedMultiplier(x[i]! - inQ.zeroPoint, multiplier, shift, rounding) + outQ.zeroPoint;
          y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
        }
      };
    }
    throw unsupported(`${where} input is ${inT.typeName}; QUANTIZE takes FLOAT32 or INT8`);
  }
}

function prepareDequantize(m: TfliteModel, op: Operator): Step {
  const inIdx = op.inputs[0]!;
  const outIdx = op.outputs[0]!;
  const inT = tensor(m, inIdx);
  const outT = tensor(m, outIdx);
  const where = `DEQUANTIZE #${op.index}`;
  if (inT.type !== TensorType.INT8 || outT.type !== TensorType.FLOAT32) throw unsupported(`${where} converts ${inT.typeName} to ${outT.typeName}; only INT8 to FLOAT32 is supported`);
  const q = perTensor(inT, where);
  const n = elementCount(inT);
  return (s) => {
    const x = s[inIdx] as Int8Array;
    const y = s[outIdx] as Float32Array;
    for (let i = 0; i < n; i++) y[i] = q.scale * (x[i]! - q.zeroPoint);
  };
}

function prepareReshape(m: TfliteModel, op: Operator): Step {
  const inIdx = op.inputs[0]!;
  const outIdx = op.outputs[0]!;
  const inT = tensor(m, inIdx);
  const outT = tensor(m, outIdx);
  if (inT.type !== outT.type || elementCount(inT) !== elementCount(outT)) {
    throw unsupported(`RESHAPE #${op.index} changes ${inT.typeName}[${inT.shape.join(', ')}] into ${outT.typeName}[${outT.shape.join(', ')}]`);
  }
  return (s) => {
    (s[outIdx] as Int8Array).set(s[inIdx] as Int8Array);
  };
}

function tensor(m: TfliteModel, index: number): Tensor {
  const t = m.tensors[index];
  if (!t) throw unsupported(`tensor ${index} does not exist`);
  return t;
}

function elementCount(t: Tensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

function perTensor(t: Tensor, where: string): { scale: number; zeroPoint: number } {
  const q = t.quantization;
  if (!q || q.scale.length === 0) throw unsupported(`${where}: tensor "${t.name}" has no quantization parameters`);
  if (q.scale.length !== 1) throw unsupported(`${where}: tensor "${t.name}" is quantized per channel (${q.scale.length} scales); mota supports per-tensor quantization`);
  const scale = q.scale[0]!;
  if (!(scale > 0) || !Number.isFinite(scale)) throw unsupported(`${where}: tensor "${t.name}" has scale ${scale}; scales must be positive`);
  return { scale, zeroPoint: q.zeroPoint[0] ?? 0 };
}

/**
 * Where the int8 computation starts and ends. Converter models exported without int8 I/O take
 * float input through a QUANTIZE and give float output through a DEQUANTIZE; like the TFLM demo,
 * mota feeds and reads the int8 tensors next to them and skips those two operators.
 */
function int8Boundary(m: TfliteModel): { inputIndex: number; outputIndex: number; skipped: Set<number> } {
  const skipped = new Set<number>();
  let inputIndex = m.inputs[0]!;
  let outputIndex = m.outputs[0]!;
  if (tensor(m, inputIndex).type === TensorType.FLOAT32) {
    const q = m.operators.find((op) => op.builtinCode === BuiltinOperator.QUANTIZE && op.inputs[0] === inputIndex);
    const next = q?.outputs[0];
    if (q && next !== undefined && m.tensors[next]?.type === TensorType.INT8 && !m.operators.some((op) => op !== q && op.inputs.includes(inputIndex))) {
      skipped.add(q.index);
      inputIndex = next;
    }
  }
  if (tensor(m, outputIndex).type === TensorType.FLOAT32) {
    const d = m.operators.find((op) => op.builtinCode === BuiltinOperator.DEQUANTIZE && op.outputs[0] === outputIndex);
    const prev = d?.inputs[0];
    if (d && prev !== undefined && prev >= 0 && m.tensors[prev]?.type === TensorType.INT8) {
      skipped.add(d.index);
      outputIndex = prev;
    }
  }
  return { inputIndex, outputIndex, skipped };
}

/** Weight scales: one per tensor, or one per output unit (quantized dimension 0); zero points must be 0. */
function weightScales(t: Tensor, units: number, where: string): number[] {
  const q = t.quantization;
  if (!q || q.scale.length === 0) throw unsupported(`${where}: weights "${t.name}" have no quantization parameters`);
  if (q.scale.length !== 1 && (q.scale.length !== units || q.quantizedDimension !== 0)) {
    throw unsupported(`${where}: weights "${t.name}" have ${q.scale.length} scales along dimension ${q.quantizedDimension}; expected 1 or one per output unit (${units}) along dimension 0`);
  }
  const zp = q.zeroPoint.find((z) => z !== 0);
  if (zp !== undefined) throw unsupported(`${where} weights have zero point ${zp}; int8 weights must be symmetric (zero point 0)`);
  const bad = q.scale.find((x) => !(x > 0) || !Number.isFinite(x));
  if (bad !== undefined) throw unsupported(`${where}: weights "${t.name}" have scale ${bad}; scales must be positive`);
  return q.scale;
}

function int8Port(t: Tensor, role: string): QuantizedPort {
  if (t.type !== TensorType.INT8) {
    throw unsupported(`the model ${role} "${t.name}" is ${t.typeName}; mota models take int8 input and give int8 output`);
  }
  const q = perTensor(t, `model ${role}`);
  return { scale: q.scale, zeroPoint: q.zeroPoint, shape: [...t.shape] };
}

function allocate(t: Tensor): Storage {
  const n = elementCount(t);
  if (t.data) {
    if (t.type === TensorType.INT32) return decodeInt32(t.data);
    if (t.type === TensorType.INT8) return new Int8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.length));
    if (t.type === TensorType.FLOAT32) {
      const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.length);
      return Float32Array.from({ length: n }, (_, i) => v.getFloat32(4 * i, true));
    }
  }
  if (t.type === TensorType.FLOAT32) return new Float32Array(n);
  if (t.type === TensorType.INT32) return new Int32Array(n);
  return new Int8Array(n);
}

function decodeInt32(data: Uint8Array): Int32Array {
  const v = new DataView(data.buffer, data.byteOffset, data.length);
  return Int32Array.from({ length: data.length / 4 }, (_, i) => v.getInt32(4 * i, true));
}

function unsupported(message: string): MotaError {
  return new MotaError('MODEL_UNSUPPORTED', `the reference interpreter cannot run this model: ${message}`, 'export an int8 model of FULLY_CONNECTED layers with int8 input and output');
}
