/*
 * int8 fixed-point arithmetic exactly as TFLite's reference kernels
 * (tensorflow/lite/kernels/internal/common.h, quantization_util.cc), in both rounding modes.
 * Mirrors models/reference/quant.ts; the host tests check the two agree bit for bit.
 */
#ifndef MOTA_QUANT_H
#define MOTA_QUANT_H

#include <stdint.h>

#define MI_ROUNDING_DOUBLE 0 /* TFLM reference kernels (default) */
#define MI_ROUNDING_SINGLE 1 /* TFLITE_SINGLE_ROUNDING, the full TFLite runtime */

/* std::frexp for finite x. */
double mi_frexp(double x, int *exponent);
/* TfLiteRound / std::round on double and float: halves away from zero (|x| < 2^62). */
double mi_round(double x);
float mi_roundf(float x);
/* QuantizeMultiplier. Returns 0 when the multiplier cannot be represented (not finite,
 * negative, or a shift the rounding mode's multiply cannot apply). */
int mi_quantize_multiplier(double real, int rounding, int32_t *multiplier, int *shift);
/* QuantizeMultiplier((double)num / (double)den) for positive finite floats, computed with
 * integers only (no soft-double on the M3): the quotient is rounded to 53 bits exactly as the
 * IEEE double division would (nearest, ties to even), then to Q31 half away from zero.
 * Bit-identical to mi_quantize_multiplier on that double; the host test checks it. */
int mi_quantize_multiplier_ratio(float num, float den, int rounding, int32_t *multiplier, int *shift);
/* The same for ((double)a * (double)b) / (double)den: the per-channel multiplier, where TFLM
 * multiplies the scales in double (the product of two floats is exact in a double). */
int mi_quantize_multiplier_product(float a, float b, float den, int rounding, int32_t *multiplier, int *shift);
/* MultiplyByQuantizedMultiplier for a multiplier from QuantizeMultiplier (0 <= m < 2^31) and
 * shift in [-31, 30]. Double rounding: SaturatingRoundingDoublingHighMul is
 * trunc((ab + nudge) / 2^31) with nudge = ab >= 0 ? 2^30 : 1 - 2^30, which equals
 * floor((ab + 2^30) / 2^31) for every ab (for ab < 0, trunc(n / 2^31) = floor((n + 2^31 - 1) / 2^31));
 * its saturation case needs m = INT32_MIN, which never occurs. Then RoundingDivideByPOT. */
static inline int32_t mi_mbqm(int32_t x, int32_t multiplier, int shift, int rounding) {
  if (rounding == MI_ROUNDING_SINGLE) {
    int total = 31 - shift;
    return (int32_t)(uint32_t)(uint64_t)(((int64_t)x * multiplier + ((int64_t)1 << (total - 1))) >> total);
  }
  int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int32_t a = (int32_t)((uint32_t)x << left);
  int32_t hi = (int32_t)(((int64_t)a * multiplier + ((int64_t)1 << 30)) >> 31);
  int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u);
  return (hi >> right) + ((hi & mask) > (mask >> 1) + (hi < 0));
}
/* float -> int8 as AffineQuantize: round(v / scale) + zp, clamped. */
int8_t mi_quantize_f32(float v, float scale, int32_t zero_point);
/* int8 -> float as Dequantize: (float)((double)scale * (q - zp)). */
float mi_dequantize_i8(int8_t q, float scale, int32_t zero_point);

#endif
