#include "quant.h"

#include <string.h>

double mi_frexp(double x, int *exponent) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  int e = (int)((bits >> 52) & 0x7FFu);
  int adjust = 0;
  if (x == 0.0 || e == 0x7FF) {
    *exponent = 0;
    return x;
  }
  if (e == 0) { /* subnormal: scale into the normal range first */
    x *= 18446744073709551616.0; /* 2^64 */
    memcpy(&bits, &x, 8);
    e = (int)((bits >> 52) & 0x7FFu);
    adjust = -64;
  }
  *exponent = e - 1022 + adjust;
  bits = (bits & ~((uint64_t)0x7FF << 52)) | ((uint64_t)1022 << 52);
  memcpy(&x, &bits, 8);
  return x;
}

double mi_round(double x) {
  double a = x < 0 ? -x : x;
  double whole = (double)(int64_t)a; /* callers keep |x| < 2^62 */
  double r = (a - whole >= 0.5) ? whole + 1.0 : whole;
  return x < 0 ? -r : r;
}

float mi_roundf(float x) {
  float a = x < 0 ? -x : x;
  if (!(a < 8388608.0f)) return x; /* >= 2^23 (or NaN): already integral */
  float whole = (float)(int32_t)a;
  float r = (a - whole >= 0.5f) ? whole + 1.0f : whole;
  return x < 0 ? -r : r;
}

/* The tail of TFLite's QuantizeMultiplier, shared by the double and the integer paths:
 * q_fixed = round(fraction * 2^31) and the frexp exponent s, normalised and range-checked. */
static int store_multiplier(int64_t q_fixed, int s, int rounding, int32_t *multiplier, int *shift) {
  if (q_fixed == ((int64_t)1 << 31)) {
    q_fixed /= 2;
    ++s;
  }
  if (s < -31) {
    s = 0;
    q_fixed = 0;
  }
  if (rounding == MI_ROUNDING_SINGLE && s > 30) {
    s = 30;
    q_fixed = ((int64_t)1 << 31) - 1;
  }
  if (s > 30) return 0; /* x << s would not fit the int32 doubling multiply */
  *multiplier = (int32_t)q_fixed;
  *shift = s;
  return 1;
}

int mi_quantize_multiplier(double real, int rounding, int32_t *multiplier, int *shift) {
  *multiplier = 0;
  *shift = 0;
  if (real == 0.0) return 1;
  if (!(real > 0.0) || real > 1.7976931348623157e308) return 0; /* negative, NaN or infinite */
  int s;
  double q = mi_frexp(real, &s);
  return store_multiplier((int64_t)mi_round(q * 2147483648.0), s, rounding, multiplier, shift);
}

/* A positive finite float as m * 2^e with m in [2^23, 2^24). 0 for zero, inf or NaN. */
static int float_parts(float f, uint32_t *m, int *e) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  uint32_t ex = (bits >> 23) & 0xFFu, frac = bits & 0x7FFFFFu;
  if ((bits >> 31) || ex == 0xFFu || (ex == 0u && frac == 0u)) return 0;
  if (ex == 0u) { /* subnormal: normalise */
    *e = -149;
    while (frac < 0x800000u) {
      frac <<= 1;
      (*e)--;
    }
    *m = frac;
  } else {
    *m = frac | 0x800000u;
    *e = (int)ex - 150;
  }
  return 1;
}

static int finish_multiplier(uint64_t q53, int exponent, int rounding, int32_t *multiplier, int *shift) {
  /* frexp fraction = q53 / 2^53; TfLiteRound(fraction * 2^31) = q53 / 2^22, half away from 0 */
  return store_multiplier((int64_t)((q53 >> 22) + ((q53 >> 21) & 1u)), exponent, rounding, multiplier, shift);
}

/* QuantizeMultiplier of (mn * 2^en) / (md * 2^ed), mn < 2^48 and md in [2^23, 2^24). */
static int ratio_multiplier(uint64_t mn, int en, uint32_t md, int ed, int rounding, int32_t *multiplier, int *shift) {
  while (mn < ((uint64_t)1 << 47)) { /* top bit to bit 47, level with md << 24 */
    mn <<= 1;
    en--;
  }
  uint64_t d = (uint64_t)md << 24;
  ed -= 24;
  if (mn < d) { /* make the ratio fall in [1, 2) */
    mn <<= 1;
    en--;
  }
  /* long division: 1 integer bit + 52 fraction bits + 1 guard bit, then the sticky rest */
  uint64_t q = 1, r = mn - d;
  for (int i = 0; i < 53; i++) {
    r <<= 1;
    q <<= 1;
    if (r >= d) {
      r -= d;
      q |= 1u;
    }
  }
  uint64_t guard = q & 1u, q53 = q >> 1;
  if (guard && (r != 0u || (q53 & 1u))) q53++; /* IEEE division: nearest, ties to even */
  int exponent = en - ed + 1;                   /* value = q53 * 2^(en - ed - 52) */
  if (q53 == ((uint64_t)1 << 53)) {
    q53 >>= 1;
    exponent++;
  }
  return finish_multiplier(q53, exponent, rounding, multiplier, shift);
}

int mi_quantize_multiplier_ratio(float num, float den, int rounding, int32_t *multiplier, int *shift) {
  uint32_t ma, mb;
  int ea, eb;
  *multiplier = 0;
  *shift = 0;
  if (num == 0.0f) return 1;
  if (!float_parts(num, &ma, &ea) || !float_parts(den, &mb, &eb)) return 0;
  return ratio_multiplier(ma, ea, mb, eb, rounding, multiplier, shift);
}

int mi_quantize_multiplier_product(float a, float b, float den, int rounding, int32_t *multiplier, int *shift) {
  uint32_t ma, mb, md;
  int ea, eb, ed;
  *multiplier = 0;
  *shift = 0;
  if (a == 0.0f || b == 0.0f) return 1;
  if (!float_parts(a, &ma, &ea) || !float_parts(b, &mb, &eb) || !float_parts(den, &md, &ed)) return 0;
  return ratio_multiplier((uint64_t)ma * mb, ea + eb, md, ed, rounding, multiplier, shift); /* exact product */
}

int8_t mi_quantize_f32(float v, float scale, int32_t zero_point) {
  float r = mi_roundf(v / scale);
  int32_t q;
  if (!(r == r)) q = 0; /* NaN */
  else if (r > 2147483520.0f) q = INT32_MAX;
  else if (r < -2147483648.0f) q = INT32_MIN;
  else q = (int32_t)r;
  int64_t u = (int64_t)q + zero_point;
  return (int8_t)(u < -128 ? -128 : u > 127 ? 127 : u);
}

float mi_dequantize_i8(int8_t q, float scale, int32_t zero_point) {
  /* (float)((double)scale * k) == scale * (float)k: the double product of a float and a
   * 9-bit integer is exact, so both round once to float. Avoids soft-double on the M3. */
  return scale * (float)((int32_t)q - zero_point);
}
