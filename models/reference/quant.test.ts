import { describe, expect, it } from 'vitest';
import {
  activationRange, convolutionMultiplier, frexp, INT32_MAX, INT32_MIN, multiplyByQuantizedMultiplier, quantizeMultiplier,
  roundHalfAwayFromZero, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from './quant.ts';

describe('TFLite fixed-point primitives', () => {
  it('saturates INT32_MIN * INT32_MIN to INT32_MAX instead of overflowing', () => {
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).toBe(-INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1);
  });

  it('rounds doubling-high-multiply ties upward (gemmlowp nudge), including negative ties', () => {
    const half = 2 ** 30; // multiplying by 2^30 halves the value
    expect(saturatingRoundingDoublingHighMul(1, half)).toBe(1); // 0.5 -> 1
    expect(saturatingRoundingDoublingHighMul(3, half)).toBe(2); // 1.5 -> 2
    expect(saturatingRoundingDoublingHighMul(-1, half)).toBe(0); // -0.5 -> 0
    expect(saturatingRoundingDoublingHighMul(-3, half)).toBe(-1); // -1.5 -> -1
  });

  it('rounds divide-by-power-of-two ties away from zero', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2);
    expect(roundingDivideByPOT(6, 2)).toBe(2);
    expect(roundingDivideByPOT(-5, 2)).toBe(-1);
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1);
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });

  it('rounds half away from zero like std::round', () => {
    expect([2.5, -2.5, 0.5, -0.5, 0.49999999999999994, 1.4999999999999998].map(roundHalfAwayFromZero)).toEqual([3, -3, 1, -1, 0, 1]);
  });

  it('splits numbers like frexp, subnormals included', () => {
    expect(frexp(8)).toEqual({ fraction: 0.5, exponent: 4 });
    expect(frexp(0.3)).toEqual({ fraction: 0.6, exponent: -1 });
    expect(frexp(-3)).toEqual({ fraction: -0.75, exponent: 2 });
    expect(frexp(5e-324)).toEqual({ fraction: 0.5, exponent: -1073 });
  });
});

describe('QuantizeMultiplier', () => {
  it('encodes multipliers as Q31 mantissa and shift', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('rounds a mantissa tie away from zero', () => {
    expect(quantizeMultiplier(0.5 + 2 ** -32)).toEqual({ multiplier: 2 ** 30 + 1, shift: 0 });
  });

  it('renormalises a mantissa that rounds up to 2^31', () => {
    expect(quantizeMultiplier((1 - 2 ** -33) / 8)).toEqual({ multiplier: 2 ** 30, shift: -2 });
  });

  it('flushes multipliers below 2^-32 to zero', () => {
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('caps the left shift at 30 only in single-rounding builds', () => {
    expect(quantizeMultiplier(2 ** 40, 'double')).toEqual({ multiplier: 2 ** 30, shift: 41 });
    expect(quantizeMultiplier(2 ** 40, 'single')).toEqual({ multiplier: 2 ** 31 - 1, shift: 30 });
  });

  it('derives the FC multiplier from the float product of the input and weight scales', () => {
    const sIn = Math.fround(0.1);
    const sW = Math.fround(0.3);
    const sOut = Math.fround(0.7);
    expect(convolutionMultiplier(sIn, sW, sOut)).toBe(Math.fround(sIn * sW) / sOut);
    expect(convolutionMultiplier(sIn, sW, sOut)).not.toBe((sIn * sW) / sOut);
  });
});

describe('MultiplyByQuantizedMultiplier', () => {
  it('differs between double and single rounding on a negative tie', () => {
    // x * 0.25 with x = -2 is exactly -0.5: TFLM rounds twice (-1), TFLite once, half up (0).
    expect(multiplyByQuantizedMultiplier(-2, 2 ** 30, -1, 'double')).toBe(-1);
    expect(multiplyByQuantizedMultiplier(-2, 2 ** 30, -1, 'single')).toBe(0);
  });

  it('agrees in both modes away from ties and applies left shifts', () => {
    for (const x of [0, 1, 7, -7, 1000, -1000, 123456]) {
      expect(multiplyByQuantizedMultiplier(x, 2 ** 30, 2, 'double')).toBe(x * 2);
      expect(multiplyByQuantizedMultiplier(x, 2 ** 30, 2, 'single')).toBe(x * 2);
    }
    expect(multiplyByQuantizedMultiplier(1000, 1610612736, -3, 'double')).toBe(94); // 1000 * 0.75 / 8 = 93.75
    expect(multiplyByQuantizedMultiplier(1000, 1610612736, -3, 'single')).toBe(94);
  });

  it('saturates instead of wrapping when the doubling high multiply overflows', () => {
    expect(multiplyByQuantizedMultiplier(INT32_MIN, INT32_MIN, 0, 'double')).toBe(INT32_MAX);
  });
});

describe('fused activation ranges', () => {
  it('clamps RELU at the output zero point and RELU6 at 6.0', () => {
    expect(activationRange(0, 0.1, -128)).toEqual({ min: -128, max: 127 });
    expect(activationRange(1, 0.1, -128)).toEqual({ min: -128, max: 127 });
    expect(activationRange(1, 0.1, 5)).toEqual({ min: 5, max: 127 });
    expect(activationRange(3, 0.1, -128)).toEqual({ min: -128, max: -68 });
    expect(activationRange(2, 0.01, 0)).toEqual({ min: -100, max: 100 });
  });
});
