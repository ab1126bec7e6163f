/*
 * The kernels: FULLY_CONNECTED (int8, fused NONE/RELU/RELU_N1_TO_1/RELU6), QUANTIZE
 * (float32 -> int8), DEQUANTIZE (int8 -> float32), RESHAPE. Arithmetic as TFLM's reference
 * kernels (tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h etc.).
 */
#include <string.h>

#include "interp_internal.h"

#define FC_OPTIONS 8 /* BuiltinOptions.FullyConnectedOptions */
#define NEEDS_INPUT "lacks an input"
#define SHAPES "shapes do not match"
#define NO_QUANT "tensor without int8 quantization"

static int type_fail(mi_interp_t *it, const mi_op_t *op, const mi_tensor_t *t) {
  mi_fail(it, MI_E_UNSUPPORTED, "unsupported tensor type ", mi_type_name(t->type), -1);
  mi_append(it, " for ");
  mi_append(it, mi_op_name(op->code));
  return MI_E_UNSUPPORTED;
}

/* "<OPERATOR> <what>": one copy of each message shared by the kernels. */
static int op_fail(mi_interp_t *it, const mi_op_t *op, int code, const char *what) {
  mi_fail(it, code, mi_op_name(op->code), " ", -1);
  mi_append(it, what);
  return code;
}

/* zp + round(f / s) as CalculateActivationRangeQuantized, clamped before the int conversion. */
static int32_t quantize_act(float f, float s, int32_t zp) {
  float r = mi_roundf(f / s);
  if (!(r > -1000.0f)) r = -1000.0f;
  if (!(r < 1000.0f)) r = 1000.0f;
  return zp + (int32_t)r;
}

static int quantized_i8(const mi_tensor_t *t) {
  return t->scales >= 1u && t->scale > 0.0f && t->scale < 1e30f && t->zero_point >= -128 && t->zero_point <= 127;
}

/* CalculateActivationRangeQuantized for int8. */
static int activation_range(mi_interp_t *it, mi_op_t *op, const mi_tensor_t *out) {
  int32_t lo = -128, hi = 127;
  float s = out->scale;
  int32_t zp = out->zero_point;
  switch (op->activation) {
  case 0: break;
  case 1: lo = zp; break;
  case 2:
    lo = quantize_act(-1.0f, s, zp);
    hi = quantize_act(1.0f, s, zp);
    break;
  case 3:
    lo = zp;
    hi = quantize_act(6.0f, s, zp);
    break;
  default:
    return op_fail(it, op, MI_E_UNSUPPORTED, "fused activation");
  }
  op->act_min = (int16_t)(lo < -128 ? -128 : lo);
  op->act_max = (int16_t)(hi > 127 ? 127 : hi);
  return MI_OK;
}

static int fc_prepare(mi_interp_t *it, mi_op_t *op, fb_t *fb, uint32_t op_table) {
  if (op->n_in < 2 || op->in[0] < 0 || op->in[1] < 0)
    return op_fail(it, op, MI_E_MALFORMED, NEEDS_INPUT);
  const mi_tensor_t *in = &it->tensors[op->in[0]], *w = &it->tensors[op->in[1]];
  const mi_tensor_t *bias = (op->n_in > 2 && op->in[2] >= 0) ? &it->tensors[op->in[2]] : 0;
  const mi_tensor_t *out = &it->tensors[op->out];
  if (in->type != MI_TYPE_INT8) return type_fail(it, op, in);
  if (w->type != MI_TYPE_INT8) return type_fail(it, op, w);
  if (out->type != MI_TYPE_INT8) return type_fail(it, op, out);
  if (bias && bias->type != MI_TYPE_INT32) return type_fail(it, op, bias);
  if (!w->is_const || (bias && !bias->is_const))
    return op_fail(it, op, MI_E_UNSUPPORTED, "with non-constant weights");

  uint32_t opt_type = fb_field_u8(fb, op_table, 3, 0);
  uint32_t opts = 0;
  if (opt_type == FC_OPTIONS) {
    uint32_t p = fb_field(fb, op_table, 4, 4);
    if (p) opts = fb_table_at(fb, p);
  } else if (opt_type != 0) {
    return op_fail(it, op, MI_E_MALFORMED, "options");
  }
  op->activation = fb_field_u8(fb, opts, 0, 0);
  uint32_t weights_format = fb_field_u8(fb, opts, 1, 0);
  if (fb->bad) return op_fail(it, op, MI_E_MALFORMED, "options");
  if (weights_format != 0)
    return op_fail(it, op, MI_E_UNSUPPORTED, "weights format");

  if (w->ndims != 2) return op_fail(it, op, MI_E_UNSUPPORTED, "weights not 2-D");
  uint32_t units = (uint32_t)mi_dim(it, w, 0), depth = (uint32_t)mi_dim(it, w, 1);
  if (depth == 0 || in->elements % depth != 0)
    return op_fail(it, op, MI_E_MALFORMED, SHAPES);
  uint32_t batches = in->elements / depth;
  if (units > 0xFFFFu || depth > 0xFFFFu || batches > 0xFFFFu || out->elements != batches * units ||
      (bias && bias->elements != units))
    return op_fail(it, op, MI_E_MALFORMED, SHAPES);
  if (!quantized_i8(in) || !quantized_i8(w) || !quantized_i8(out))
    return op_fail(it, op, MI_E_MALFORMED, NO_QUANT);
  int shift;
  if (w->scales != 1u) {
    /* per-channel: one scale per output unit along dimension 0; TFLM multiplies in double */
    if (w->scales != units || w->qdim != 0u) return op_fail(it, op, MI_E_UNSUPPORTED, "weight scales");
    op->per_channel = mi_persistent(it, 5u * units);
    if (!op->per_channel) return mi_fail(it, MI_E_TOO_BIG, "arena too small", "", -1);
    for (uint32_t u = 0; u < units; u++) {
      uint32_t bits = fb_u32(fb, w->scales_pos + 4u * u);
      float ws;
      memcpy(&ws, &bits, 4);
      int32_t m;
      if (fb->bad || !(ws > 0.0f) ||
          !mi_quantize_multiplier_product(in->scale, ws, out->scale, MI_ROUNDING(it), &m, &shift))
        return op_fail(it, op, MI_E_UNSUPPORTED, "weight scales");
      memcpy(op->per_channel + 4u * u, &m, 4);
      op->per_channel[4u * units + u] = (uint8_t)(int8_t)shift;
    }
  } else {
    /* GetQuantizedConvolutionMultipler: (double)(float)(s_in * s_w) / (double)s_out */
    if (!mi_quantize_multiplier_ratio(in->scale * w->scale, out->scale, MI_ROUNDING(it), &op->multiplier, &shift))
      return op_fail(it, op, MI_E_UNSUPPORTED, "multiplier out of range");
    op->shift = (int8_t)shift;
  }
  /* Fold what does not depend on the input into one int32 per unit, so invoke only sums w*x:
   * sum w(x+xo) + bias = sum w*x + [bias + xo*sum w].
   * All in uint32: identical to the wrapping int32 accumulator of the reference, mod 2^32. */
  if (w->zero_point != 0) return op_fail(it, op, MI_E_UNSUPPORTED, "asymmetric weights"); /* as TFLite's int8 FC */
  const uint32_t xo = (uint32_t)-in->zero_point;
  op->base = (int32_t *)(void *)mi_persistent(it, 4u * units);
  if (!op->base) return mi_fail(it, MI_E_TOO_BIG, "arena too small", "", -1);
  const int8_t *wd = (const int8_t *)w->data;
  for (uint32_t u = 0; u < units; u++) {
    uint32_t sw = 0;
    for (uint32_t d = 0; d < depth; d++) sw += (uint32_t)(int32_t)wd[u * depth + d];
    uint32_t b = bias ? mi_ld32(bias->data + 4u * u) : 0u;
    op->base[u] = (int32_t)(b + xo * sw);
  }
  op->out_offset = (int16_t)out->zero_point;
  op->batches = (uint16_t)batches;
  op->depth = (uint16_t)depth;
  op->units = (uint16_t)units;
  return activation_range(it, op, out);
}

/* The common case, kept tight for the M3 (most of a sine inference): per-tensor multiplier,
 * double rounding, shift <= 0, symmetric weights. Same arithmetic as mi_mbqm; the accumulator
 * is uint32: it wraps like the reference's int32 accumulator. */
static void __attribute__((noinline)) fc_fast(const int8_t *x, const int8_t *w, int8_t *y, const int32_t *base,
                                              uint32_t depth, uint32_t units, const mi_op_t *op) {
  const int32_t m = op->multiplier, right = -op->shift;
  const int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u), half = mask >> 1;
  const int32_t lo = op->act_min, hi = op->act_max, out_off = op->out_offset;
  for (const int32_t *end = base + units; base != end; base++) {
    uint32_t s = (uint32_t)*base;
    const int8_t *xp = x, *wend = w + depth;
    for (const int8_t *w8 = w + (depth & ~7u); w != w8; w += 8, xp += 8)
      s += (uint32_t)(w[0] * xp[0] + w[1] * xp[1] + w[2] * xp[2] + w[3] * xp[3] + w[4] * xp[4] + w[5] * xp[5] +
                      w[6] * xp[6] + w[7] * xp[7]);
    while (w != wend) s += (uint32_t)(*w++ * *xp++);
    int32_t h = (int32_t)(((int64_t)(int32_t)s * m + ((int64_t)1 << 30)) >> 31);
    int32_t v = (h >> right) + ((h & mask) > half + (int32_t)((uint32_t)h >> 31)) + out_off;
    *y++ = (int8_t)(v < lo ? lo : v > hi ? hi : v);
  }
}

static void fc_invoke(const mi_interp_t *it, const mi_op_t *op) {
  const int8_t *x = (const int8_t *)it->tensors[op->in[0]].data;
  const int8_t *w0 = (const int8_t *)it->tensors[op->in[1]].data;
  int8_t *y = (int8_t *)it->tensors[op->out].data;
  const int32_t *base = op->base;
  const uint32_t depth = op->depth, units = op->units;
  const int rounding = MI_ROUNDING(it);
  const int32_t lo = op->act_min, hi = op->act_max, out_off = op->out_offset;
  const uint8_t *pc = op->per_channel;
  for (uint32_t b = 0; b < op->batches; b++, x += depth, y += units) {
    if (!pc && rounding == MI_ROUNDING_DOUBLE && op->shift <= 0) {
      fc_fast(x, w0, y, base, depth, units, op);
      continue;
    }
    const int8_t *w = w0;
    int32_t mult = op->multiplier, shift = op->shift;
    for (uint32_t u = 0; u < units; u++) {
      uint32_t s = (uint32_t)base[u];
      for (uint32_t d = 0; d < depth; d++) s += (uint32_t)(*w++ * x[d]);
      if (pc) {
        mult = (int32_t)mi_ld32(pc + 4u * u);
        shift = (int8_t)pc[4u * units + u];
      }
      int32_t v = mi_mbqm((int32_t)s, mult, shift, rounding) + out_off;
      y[u] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
    }
  }
}

/* QUANTIZE float32 -> int8 and DEQUANTIZE int8 -> float32: same shape rules, mirrored types. */
static int convert_prepare(mi_interp_t *it, mi_op_t *op, fb_t *fb, uint32_t op_table) {
  (void)fb;
  (void)op_table;
  if (op->n_in < 1 || op->in[0] < 0) return op_fail(it, op, MI_E_MALFORMED, NEEDS_INPUT);
  const mi_tensor_t *in = &it->tensors[op->in[0]], *out = &it->tensors[op->out];
  int quantize = op->code == MI_OP_QUANTIZE;
  const mi_tensor_t *q = quantize ? out : in, *f = quantize ? in : out;
  if (f->type != MI_TYPE_FLOAT32) return type_fail(it, op, f);
  if (q->type != MI_TYPE_INT8) return type_fail(it, op, q);
  if (!quantized_i8(q)) return op_fail(it, op, MI_E_MALFORMED, NO_QUANT);
  if (in->elements != out->elements) return op_fail(it, op, MI_E_MALFORMED, SHAPES);
  return MI_OK;
}

static void quantize_invoke(const mi_interp_t *it, const mi_op_t *op) {
  const mi_tensor_t *in = &it->tensors[op->in[0]], *out = &it->tensors[op->out];
  const uint8_t *x = in->data;
  int8_t *y = (int8_t *)out->data;
  for (uint32_t i = 0; i < in->elements; i++) {
    float v;
    memcpy(&v, x + 4u * i, 4);
    y[i] = mi_quantize_f32(v, out->scale, out->zero_point);
  }
}

static void dequantize_invoke(const mi_interp_t *it, const mi_op_t *op) {
  const mi_tensor_t *in = &it->tensors[op->in[0]], *out = &it->tensors[op->out];
  const int8_t *x = (const int8_t *)in->data;
  uint8_t *y = out->data;
  for (uint32_t i = 0; i < in->elements; i++) {
    float v = mi_dequantize_i8(x[i], in->scale, in->zero_point);
    memcpy(y + 4u * i, &v, 4);
  }
}

static int reshape_prepare(mi_interp_t *it, mi_op_t *op, fb_t *fb, uint32_t op_table) {
  (void)fb;
  (void)op_table;
  if (op->n_in < 1 || op->in[0] < 0) return op_fail(it, op, MI_E_MALFORMED, NEEDS_INPUT);
  const mi_tensor_t *in = &it->tensors[op->in[0]], *out = &it->tensors[op->out];
  if (in->type != out->type) return type_fail(it, op, out);
  if (in->bytes != out->bytes) return op_fail(it, op, MI_E_MALFORMED, SHAPES);
  return MI_OK;
}

static void reshape_invoke(const mi_interp_t *it, const mi_op_t *op) {
  const mi_tensor_t *in = &it->tensors[op->in[0]], *out = &it->tensors[op->out];
  memcpy(out->data, in->data, in->bytes);
}

static const mi_kernel_t kernels[] = {
    {MI_OP_FULLY_CONNECTED, fc_prepare, fc_invoke},
    {MI_OP_QUANTIZE, convert_prepare, quantize_invoke},
    {MI_OP_DEQUANTIZE, convert_prepare, dequantize_invoke},
    {MI_OP_RESHAPE, reshape_prepare, reshape_invoke},
};

const mi_kernel_t *mi_find_kernel(uint32_t code) {
  for (uint32_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    if (kernels[i].code == code) return &kernels[i];
  return 0;
}
