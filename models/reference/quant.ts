/**
 * int8 fixed-point arithmetic exactly as TensorFlow Lite's reference kernels
 * (tensorflow/lite/kernels/internal/common.h/.cc, quantization_util.cc). int32 and int64
 * values are emulated with JS numbers (int32) and BigInt (the 64-bit products).
 */

export type Rounding = 'double' | 'single';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** std::frexp for finite x: x = fraction * 2^exponent with |fraction| in [0.5, 1). */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let biased = (view.getUint16(0) >> 4) & 0x7ff;
  let scaled = x;
  let adjust = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    scaled = x * 2 ** 64;
    adjust = -64;
    view.setFloat64(0, scaled);
    biased = (view.getUint16(0) >> 4) & 0x7ff;
  }
  const exponent = biased - 1022;
  return { fraction: scaled / 2 ** exponent, exponent: exponent + adjust };
}

/** TfLiteRound / std::round: halves away from zero. */
export function roundHalfAwayFromZero(x: number): number {
  const a = Math.abs(x);
  const whole = Math.floor(a);
  // a - floor(a) is exact in binary floating point, so the tie test is exact too.
  const r = a - whole >= 0.5 ? whole + 1 : whole;
  return x < 0 ? -r : r;
}

/**
 * QuantizeMultiplier: a positive real multiplier as a Q31 integer in [2^30, 2^31) and a
 * power-of-two shift (positive = left). Single-rounding builds also cap the shift at 30.
 */
export function quantizeMultiplier(realMultiplier: number, rounding: Rounding = 'double'): { multiplier: number; shift: number } {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAwayFromZero(fraction * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  if (rounding === 'single' && shift > 30) {
    shift = 30;
    qFixed = 2 ** 31 - 1;
  }
  return { multiplier: qFixed, shift };
}

/** gemmlowp SaturatingRoundingDoublingHighMul: high 32 bits of 2ab, rounded to nearest; INT32_MIN² saturates. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, like C's int64 division.
  return Number((ab + nudge) / (1n << 31n));
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = 2 ** exponent - 1;
  const remainder = Number(BigInt(x) & BigInt(mask));
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * MultiplyByQuantizedMultiplier. 'double' is TFLM's default (two roundings: the doubling high
 * multiply, then the rounding shift); 'single' is TFLITE_SINGLE_ROUNDING as the full TFLite
 * runtime builds it: one 64-bit product, one round-half-up shift.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number, rounding: Rounding = 'double'): number {
  if (rounding === 'single') {
    const totalShift = BigInt(31 - shift);
    const round = 1n << (totalShift - 1n);
    const result = (BigInt(x) * BigInt(multiplier) + round) >> totalShift;
    return Number(BigInt.asIntN(32, result));
  }
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  // x * (1 << left_shift) in int32, wrapping like the C code.
  const shifted = Number(BigInt.asIntN(32, BigInt(x) << BigInt(leftShift)));
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}

/** The multiplier TFLite derives for conv/FC: (double)(float)(s_in * s_w) / (double)s_out. */
export function convolutionMultiplier(inputScale: number, weightScale: number, outputScale: number): number {
  return Math.fround(inputScale * weightScale) / outputScale;
}

/** CalculateActivationRangeQuantized for int8: fused activations become a clamp range. */
export function activationRange(activation: number, scale: number, zeroPoint: number): { min: number; max: number } {
  const q = (f: number) => zeroPoint + roundHalfAwayFromZero(Math.fround(f / scale));
  switch (activation) {
    case 0: return { min: -128, max: 127 };
    case 1: return { min: Math.max(-128, q(0)), max: 127 };
    case 2: return { min: Math.max(-128, q(-1)), max: Math.min(127, q(1)) };
    case 3: return { min: Math.max(-128, q(0)), max: Math.min(127, q(6)) };
    default: throw new RangeError(`activation ${activation}`);
  }
}
