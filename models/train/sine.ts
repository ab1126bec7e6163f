import { readTflite } from '../tflite/reader.ts';
import { writeFullyConnectedModel } from '../tflite/writer.ts';
import { ReferenceInterpreter } from '../reference/interpreter.ts';
import type { Rounding } from '../reference/quant.ts';
import { meanSquaredError, seededRandom, trainAdam, type DenseLayer, type Mlp } from './mlp.ts';
import { dequantizeValue, quantizeMlp, quantizeValue } from './quantize.ts';

export interface TrainSineOptions {
  seed?: number;
  epochs?: number;
  samples?: number;
  hidden?: number;
  batchSize?: number;
  learningRate?: number;
  /** Quantize weights per output unit, as TFLite converters since 2024 do for Dense layers. */
  perChannel?: boolean;
  /** Float input/output through QUANTIZE/DEQUANTIZE (the converter's default without int8 I/O). */
  floatIo?: boolean;
}

export interface TrainSineResult {
  /** The .tflite bytes. */
  tflite: Uint8Array;
  /** Float model MSE on the training set. */
  floatMse: number;
  /** int8 model (reference interpreter, TFLM double rounding) MSE against sin(x) on a 1000-point grid. */
  quantizedMse: number;
  options: Required<TrainSineOptions>;
}

export const SINE_DEFAULTS: Required<TrainSineOptions> = {
  seed: 1, epochs: 500, samples: 1000, hidden: 16, batchSize: 32, learningRate: 0.005, perChannel: false, floatIo: false,
};

const TWO_PI = 2 * Math.PI;

/**
 * Trains the 1-16-16-1 ReLU sine model deterministically (seeded PRNG, fixed order of float
 * operations), quantizes it to int8 with the training inputs as representative set, and writes
 * the .tflite. Same options, same bytes.
 */
export function trainSine(options: TrainSineOptions = {}): TrainSineResult {
  const o = { ...SINE_DEFAULTS, ...options };
  const random = seededRandom(o.seed);
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (let i = 0; i < o.samples; i++) {
    const x = random() * TWO_PI;
    xs.push(Float64Array.of(x));
    ys.push(Float64Array.of(Math.sin(x)));
  }
  const net: Mlp = [firstLayer(o.hidden, random), dense(o.hidden, o.hidden, true, random), dense(1, o.hidden, false, random)];
  trainAdam(net, xs, ys, { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, random });
  const floatMse = meanSquaredError(net, xs, ys);

  const spec = quantizeMlp(net, xs, { input: 'serving_default_dense_input:0', output: 'StatefulPartitionedCall:0', layers: ['dense', 'dense_1', 'dense_2'] }, { perChannel: o.perChannel });
  spec.description = `mota sine model (seed ${o.seed}, ${o.epochs} epochs)`;
  spec.floatIo = o.floatIo;
  spec.signatureInputName = 'dense_input';
  spec.signatureOutputName = 'dense_2';
  const tflite = writeFullyConnectedModel(spec);
  return { tflite, floatMse, quantizedMse: sineMse(tflite), options: o };
}

/** MSE of an int8 sine model against sin(x) on `points` evenly spaced x in [0, 2π]. */
export function sineMse(tflite: Uint8Array, rounding: Rounding = 'double', points = 1000): number {
  const it = new ReferenceInterpreter(readTflite(tflite), { rounding });
  let sum = 0;
  for (let i = 0; i < points; i++) {
    const x = (i * TWO_PI) / (points - 1);
    const q = quantizeValue(x, it.input);
    const y = dequantizeValue(it.invoke(Int8Array.of(q))[0]!, it.output);
    sum += (y - Math.sin(x)) ** 2;
  }
  return sum / points;
}

/** He-uniform weights; biases put each ReLU's turn-on point inside [0, 2π] so no unit starts dead. */
function firstLayer(units: number, random: () => number): DenseLayer {
  const l = dense(units, 1, true, random);
  for (let o = 0; o < units; o++) {
    let w = l.weights[o]!;
    if (Math.abs(w) < 0.1) w = w < 0 ? -0.1 : 0.1;
    l.weights[o] = w;
    const turnOn = ((o + 0.5) / units) * TWO_PI;
    l.bias[o] = -w * turnOn;
  }
  return l;
}

function dense(units: number, depth: number, relu: boolean, random: () => number): DenseLayer {
  const limit = Math.sqrt(6 / depth);
  return {
    weights: Float64Array.from({ length: units * depth }, () => (random() * 2 - 1) * limit),
    bias: new Float64Array(units),
    units, depth, relu,
  };
}
