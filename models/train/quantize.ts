import type { FullyConnectedModelSpec, QuantParams } from '../tflite/writer.ts';
import { roundHalfAwayFromZero } from '../reference/quant.ts';
import { forward, type Mlp } from './mlp.ts';

/**
 * Post-training int8 quantization as the TFLite converter does it: activations asymmetric
 * (range from a representative set, widened to include 0), weights symmetric per tensor
 * (zero point 0, range ±127), biases int32 at scale s_in·s_w.
 */
export function quantizeMlp(
  net: Mlp,
  representative: Float64Array[],
  names: { input: string; output: string; layers: string[] },
  options: { perChannel?: boolean } = {},
): FullyConnectedModelSpec {
  const inputRange = rangeOf(representative.map((x) => x));
  const acts = net.map((l) => new Float64Array(l.units));
  const mins = net.map(() => Infinity);
  const maxs = net.map(() => -Infinity);
  for (const x of representative) {
    forward(net, x, acts);
    acts.forEach((a, i) => {
      for (const v of a) {
        if (v < mins[i]!) mins[i] = v;
        if (v > maxs[i]!) maxs[i] = v;
      }
    });
  }
  const input = asymmetric(inputRange.min, inputRange.max);
  let inScale = input.scale;
  const layers = net.map((l, i) => {
    const output = asymmetric(mins[i]!, maxs[i]!);
    // Symmetric weight scale per tensor, or per output unit (row) when perChannel.
    const rows = options.perChannel ? l.units : 1;
    const rowLength = l.weights.length / rows;
    const scales = Array.from({ length: rows }, (_, r) => {
      let maxAbs = 0;
      for (let k = r * rowLength; k < (r + 1) * rowLength; k++) maxAbs = Math.max(maxAbs, Math.abs(l.weights[k]!));
      return Math.fround(maxAbs > 0 ? maxAbs / 127 : 1);
    });
    const weights = Int8Array.from(l.weights, (w, k) => clamp(roundHalfAwayFromZero(w / scales[Math.floor(k / rowLength)]!), -127, 127));
    const bias = Int32Array.from(l.bias, (b, o) => {
      const biasScale = Math.fround(inScale * scales[rows === 1 ? 0 : o]!);
      return clamp(roundHalfAwayFromZero(b / biasScale), -2147483647, 2147483647);
    });
    const weightScale = rows === 1 ? scales[0]! : scales;
    inScale = output.scale;
    return {
      name: names.layers[i] ?? `dense_${i}`,
      weights, weightScale, bias, units: l.units, depth: l.depth,
      activation: l.relu ? ('RELU' as const) : ('NONE' as const),
      output,
    };
  });
  return { inputName: names.input, outputName: names.output, input: { ...input, size: net[0]!.depth }, layers };
}

/** int8 asymmetric parameters for a real range; the range always includes 0 so 0 is exact. */
export function asymmetric(rmin: number, rmax: number): QuantParams {
  const min = Math.min(0, rmin);
  const max = Math.max(0, rmax);
  const scale = Math.fround(max > min ? (max - min) / 255 : 1);
  const zeroPoint = clamp(roundHalfAwayFromZero(-128 - min / scale), -128, 127);
  return { scale, zeroPoint };
}

/** Float value to int8 with the given parameters (TFLite's AffineQuantize). */
export function quantizeValue(x: number, q: QuantParams): number {
  return clamp(roundHalfAwayFromZero(Math.fround(x / q.scale)) + q.zeroPoint, -128, 127);
}

export function dequantizeValue(v: number, q: QuantParams): number {
  return q.scale * (v - q.zeroPoint);
}

function rangeOf(xs: Float64Array[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
