/*
 * Model loading: walk the flatbuffer (tensorflow/lite/schema/schema.fbs) through the checked
 * reader, prepare every operator's kernel, then plan the arena by tensor lifetimes
 * (greedy first-fit, largest first, 4-byte aligned) in the caller's buffer.
 */
#include "interp_internal.h"

/* Field ids (schema.fbs declaration order). */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_QUANT = 4, T_VARIABLE = 5 };
enum { Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DIMENSION = 6 };
enum { B_DATA = 0, B_OFFSET = 1, B_SIZE = 2 };
enum { OC_DEPRECATED = 0, OC_BUILTIN = 3 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2 };

#define SCHEMA_VERSION 3u
#define MAX_ELEMENTS (1u << 24)
#define BAD_TENSOR "malformed tensor "
#define BAD_OPERATOR "malformed operator "
#define BAD_FLOW "bad data flow at operator "
#define TOO_MANY "too many tensors, operators or I/O: "

void mi_append(mi_interp_t *it, const char *s) {
  uint32_t n = 0;
  while (n < MI_ERROR_SIZE - 1u && it->error[n]) n++;
  while (n < MI_ERROR_SIZE - 1u && *s) it->error[n++] = *s++;
  it->error[n] = 0;
}

int mi_fail(mi_interp_t *it, int code, const char *a, const char *b, int32_t num) {
  it->error[0] = 0;
  mi_append(it, a);
  mi_append(it, b);
  if (num >= 0) {
    char digits[12];
    int n = 11;
    digits[n] = 0;
    do {
      digits[--n] = (char)('0' + num % 10);
      num /= 10;
    } while (num && n > 0);
    mi_append(it, digits + n);
  }
  return code;
}

static uint32_t type_size(uint32_t type) {
  switch (type) {
  case MI_TYPE_FLOAT32: case MI_TYPE_INT32: return 4;
  case MI_TYPE_INT8: case 3 /* UINT8 */: case 6 /* BOOL */: return 1;
  case 7 /* INT16 */: return 2;
  case 4 /* INT64 */: return 8;
  default: return 0;
  }
}

int32_t mi_dim(const mi_interp_t *it, const mi_tensor_t *t, uint32_t d) {
  if (d >= t->ndims) return 1;
  fb_t fb = {it->model, it->model_len, 0};
  return (int32_t)fb_u32(&fb, t->shape_pos + 4u * d); /* validated by the parser */
}

static int parse_tensor(mi_interp_t *it, fb_t *fb, uint32_t tt, uint32_t buffers, uint32_t n_buffers,
                        mi_tensor_t *t, int32_t index) {
  t->type = fb_field_u8(fb, tt, T_TYPE, 0);
  uint32_t size = type_size(t->type);
  if (size == 0) return mi_fail(it, MI_E_UNSUPPORTED, "unsupported tensor type ", mi_type_name(t->type), -1);
  uint32_t ndims;
  t->shape_pos = fb_vector(fb, tt, T_SHAPE, 4, &ndims);
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
  if (ndims > MI_MAX_DIMS) return mi_fail(it, MI_E_UNSUPPORTED, "unsupported shape in tensor ", "", index);
  t->ndims = (uint8_t)ndims;
  uint32_t elements = 1;
  for (uint32_t d = 0; d < ndims; d++) {
    int32_t dim = (int32_t)fb_u32(fb, t->shape_pos + 4u * d);
    if (dim < 1 || (uint32_t)dim > MAX_ELEMENTS || (uint64_t)elements * (uint32_t)dim > MAX_ELEMENTS)
      return mi_fail(it, MI_E_MALFORMED, "unsupported shape in tensor ", "", index);
    elements *= (uint32_t)dim;
  }
  t->elements = elements;
  t->bytes = elements * size;
  if (fb_field_u8(fb, tt, T_VARIABLE, 0))
    return mi_fail(it, MI_E_UNSUPPORTED, "unsupported variable tensor ", "", index);

  uint32_t q = 0, qp = fb_field(fb, tt, T_QUANT, 4);
  if (qp) q = fb_table_at(fb, qp);
  uint32_t n_scales = 0, n_zps = 0;
  uint32_t scales = fb_vector(fb, q, Q_SCALE, 4, &n_scales);
  uint32_t zps = fb_vector(fb, q, Q_ZERO_POINT, 8, &n_zps);
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
  t->scales = (uint8_t)(n_scales > 255u ? 255u : n_scales);
  t->scales_pos = scales;
  t->qdim = (uint8_t)fb_field_u32(fb, q, Q_DIMENSION, 0);
  if (n_scales) {
    uint32_t bits = fb_u32(fb, scales);
    float s;
    __builtin_memcpy(&s, &bits, 4);
    t->scale = s;
  }
  if (n_zps) {
    int64_t zp = (int64_t)fb_u64(fb, zps);
    if (zp < -32768 || zp > 32767) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
    t->zero_point = (int32_t)zp;
  }

  uint32_t buffer = fb_field_u32(fb, tt, T_BUFFER, 0);
  if (buffer != 0u) {
    if (buffer >= n_buffers) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
    uint32_t bt = fb_vector_table(fb, buffers, buffer);
    uint32_t n_data;
    uint32_t data = fb_vector(fb, bt, B_DATA, 1, &n_data);
    uint64_t off = fb_field(fb, bt, B_OFFSET, 8) ? fb_u64(fb, fb_field(fb, bt, B_OFFSET, 8)) : 0;
    uint64_t osize = fb_field(fb, bt, B_SIZE, 8) ? fb_u64(fb, fb_field(fb, bt, B_SIZE, 8)) : 0;
    if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
    if (n_data == 0u && off > 1u) { /* large-model layout: data at an offset from the file start */
      if (off + osize > it->model_len) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
      data = (uint32_t)off;
      n_data = (uint32_t)osize;
    }
    if (n_data) {
      if (n_data != t->bytes) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", index);
      t->data = (uint8_t *)(uintptr_t)(it->model + data);
      t->is_const = 1;
    }
  }
  return MI_OK;
}

static int read_indices(mi_interp_t *it, fb_t *fb, uint32_t table, uint32_t id, int16_t *out, uint32_t max,
                        uint32_t *n, int allow_omitted) {
  uint32_t v = fb_vector(fb, table, id, 4, n);
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, "malformed index vector", "", -1);
  if (*n > max) return mi_fail(it, MI_E_UNSUPPORTED, TOO_MANY, "", (int32_t)*n);
  for (uint32_t i = 0; i < *n; i++) {
    int32_t x = (int32_t)fb_u32(fb, v + 4u * i);
    if (x >= (int32_t)it->n_tensors || x < (allow_omitted ? -1 : 0))
      return mi_fail(it, MI_E_MALFORMED, "tensor index out of range: ", "", x < 0 ? 0 : x);
    out[i] = (int16_t)x;
  }
  return MI_OK;
}

static int parse_operator(mi_interp_t *it, fb_t *fb, uint32_t ot, uint32_t opcodes, uint32_t n_opcodes, uint32_t index) {
  mi_op_t *op = &it->ops[index];
  uint32_t oci = fb_field_u32(fb, ot, OP_OPCODE, 0);
  if (oci >= n_opcodes) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)index);
  uint32_t oc = fb_vector_table(fb, opcodes, oci);
  int32_t deprecated = (int8_t)fb_field_u8(fb, oc, OC_DEPRECATED, 0);
  int32_t builtin = (int32_t)fb_field_u32(fb, oc, OC_BUILTIN, 0);
  int32_t code = deprecated > builtin ? deprecated : builtin; /* schema 3a+: take the larger */
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)index);
  if (code < 0) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)index);
  const mi_kernel_t *k = mi_find_kernel((uint32_t)code);
  if (!k) {
    const char *name = mi_op_name((uint32_t)code);
    return mi_fail(it, MI_E_UNSUPPORTED, "unsupported operator ", name ? name : "BUILTIN_", name ? -1 : code);
  }
  op->code = (uint16_t)code;
  uint32_t n_in, n_out;
  int16_t outs[1];
  int rc = read_indices(it, fb, ot, OP_INPUTS, op->in, MI_MAX_OP_INPUTS, &n_in, 1);
  if (rc == MI_OK) rc = read_indices(it, fb, ot, OP_OUTPUTS, outs, 1, &n_out, 0);
  if (rc != MI_OK) return rc;
  if (n_out != 1u) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)index);
  op->n_in = (uint8_t)n_in;
  op->out = outs[0];
  mi_tensor_t *out = &it->tensors[op->out];
  if (out->is_const) return mi_fail(it, MI_E_MALFORMED, BAD_FLOW, "", (int32_t)index);
  for (uint32_t i = 0; i < n_in; i++) {
    if (op->in[i] < 0) continue;
    mi_tensor_t *t = &it->tensors[op->in[i]];
    if (t->is_const) continue;
    if (t->first < 0) return mi_fail(it, MI_E_MALFORMED, BAD_FLOW, "", (int32_t)index);
    t->last = (int16_t)index;
  }
  if (out->first >= 0) return mi_fail(it, MI_E_MALFORMED, BAD_FLOW, "", (int32_t)index);
  out->first = out->last = (int16_t)index;
  return k->prepare(it, op, fb, ot);
}

static int overlaps_in_time(const mi_tensor_t *a, const mi_tensor_t *b) {
  return !(a->last < b->first || b->last < a->first);
}

/* Greedy first-fit by size, largest first (TFLM's GreedyMemoryPlanner idea). */
static int plan_arena(mi_interp_t *it) {
  uint8_t placed[MI_MAX_TENSORS] = {0};
  uintptr_t base = ((uintptr_t)it->arena + 3u) & ~(uintptr_t)3u;
  uint32_t usable = it->arena_size >= (uint32_t)(base - (uintptr_t)it->arena) ? it->arena_size - (uint32_t)(base - (uintptr_t)it->arena) : 0;
  usable = usable > it->persistent ? usable - it->persistent : 0;
  uint32_t used = 0;
  for (;;) {
    int best = -1;
    for (uint32_t i = 0; i < it->n_tensors; i++) {
      const mi_tensor_t *t = &it->tensors[i];
      if (placed[i] || t->is_const || t->first < 0) continue;
      if (best < 0 || t->bytes > it->tensors[best].bytes) best = (int)i;
    }
    if (best < 0) break;
    mi_tensor_t *t = &it->tensors[best];
    uint32_t size = (t->bytes + 3u) & ~3u, off = 0;
    for (int moved = 1; moved;) {
      moved = 0;
      for (uint32_t j = 0; j < it->n_tensors; j++) {
        const mi_tensor_t *o = &it->tensors[j];
        if (!placed[j] || !overlaps_in_time(t, o)) continue;
        uint32_t oend = o->arena_off + ((o->bytes + 3u) & ~3u);
        if (off < oend && o->arena_off < off + size) {
          off = oend;
          moved = 1;
        }
      }
    }
    t->arena_off = off;
    placed[best] = 1;
    if (off + size > used) used = off + size;
  }
  it->arena_used = used + it->persistent;
  if (used > usable) return mi_fail(it, MI_E_TOO_BIG, "arena too small: needs ", "", (int32_t)used);
  for (uint32_t i = 0; i < it->n_tensors; i++)
    if (placed[i]) it->tensors[i].data = (uint8_t *)base + it->tensors[i].arena_off;
  return MI_OK;
}

void mi_init(mi_interp_t *it) {
  uint8_t *p = (uint8_t *)it;
  for (uint32_t i = 0; i < sizeof *it; i++) p[i] = 0;
  it->rounding = MI_DEFAULT_ROUNDING;
}

uint8_t *mi_persistent(mi_interp_t *it, uint32_t bytes) {
  uintptr_t base = ((uintptr_t)it->arena + 3u) & ~(uintptr_t)3u;
  uintptr_t end = ((uintptr_t)it->arena + it->arena_size) & ~(uintptr_t)3u;
  uint32_t need = it->persistent + ((bytes + 3u) & ~3u);
  if (end < base || need > end - base) return 0;
  it->persistent = need;
  return (uint8_t *)(end - need);
}

/* A float graph input feeding only a QUANTIZE to int8, and a float graph output made by a
 * DEQUANTIZE from int8, are left out of the int8 core (models/reference int8Boundary). */
static void find_int8_core(mi_interp_t *it) {
  int16_t in = it->inputs[0], out = it->outputs[0];
  it->int8_in = in;
  it->int8_out = out;
  if (it->tensors[in].type == MI_TYPE_FLOAT32) {
    int q = -1, other_use = 0;
    for (uint32_t i = 0; i < it->n_ops; i++) {
      const mi_op_t *op = &it->ops[i];
      int uses = 0;
      for (uint32_t k = 0; k < op->n_in; k++) uses |= op->in[k] == in;
      if (uses && op->code == MI_OP_QUANTIZE && q < 0) q = (int)i;
      else if (uses) other_use = 1;
    }
    if (q >= 0 && !other_use && it->tensors[it->ops[q].out].type == MI_TYPE_INT8) {
      it->ops[q].skip = 1;
      it->int8_in = it->ops[q].out;
    }
  }
  if (it->tensors[out].type == MI_TYPE_FLOAT32) {
    for (uint32_t i = 0; i < it->n_ops; i++) {
      mi_op_t *op = &it->ops[i];
      if (op->code == MI_OP_DEQUANTIZE && op->out == out && op->n_in > 0 && op->in[0] >= 0 &&
          it->tensors[op->in[0]].type == MI_TYPE_INT8) {
        op->skip = 1;
        it->int8_out = op->in[0];
        break;
      }
    }
  }
}

static int load(mi_interp_t *it, fb_t *fb) {
  if (fb->len < 8u || fb->base[4] != 'T' || fb->base[5] != 'F' || fb->base[6] != 'L' || fb->base[7] != '3')
    return mi_fail(it, MI_E_MALFORMED, "not a TFLite flatbuffer", "", -1);
  uint32_t model = fb_table_at(fb, 0);
  uint32_t version = fb_field_u32(fb, model, MODEL_VERSION, 0);
  uint32_t n_opcodes, n_subgraphs, n_buffers;
  uint32_t opcodes = fb_vector(fb, model, MODEL_OPCODES, 4, &n_opcodes);
  uint32_t subgraphs = fb_vector(fb, model, MODEL_SUBGRAPHS, 4, &n_subgraphs);
  uint32_t buffers = fb_vector(fb, model, MODEL_BUFFERS, 4, &n_buffers);
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, "malformed model table", "", -1);
  if (version != SCHEMA_VERSION) return mi_fail(it, MI_E_UNSUPPORTED, "unsupported schema version ", "", (int32_t)version);
  if (n_subgraphs < 1u) return mi_fail(it, MI_E_MALFORMED, "malformed subgraph", "", -1);
  uint32_t sg = fb_vector_table(fb, subgraphs, 0);
  uint32_t n_tensors, n_ops;
  uint32_t tensors = fb_vector(fb, sg, SG_TENSORS, 4, &n_tensors);
  uint32_t ops = fb_vector(fb, sg, SG_OPERATORS, 4, &n_ops);
  if (fb->bad) return mi_fail(it, MI_E_MALFORMED, "malformed subgraph", "", -1);
  if (n_tensors > MI_MAX_TENSORS) return mi_fail(it, MI_E_TOO_BIG, TOO_MANY, "", (int32_t)n_tensors);
  if (n_ops > MI_MAX_OPS) return mi_fail(it, MI_E_TOO_BIG, TOO_MANY, "", (int32_t)n_ops);
  it->n_tensors = (uint16_t)n_tensors;
  it->n_ops = (uint16_t)n_ops;
  for (uint32_t i = 0; i < n_tensors; i++) {
    mi_tensor_t *t = &it->tensors[i];
    t->first = t->last = -1;
    uint32_t tt = fb_vector_table(fb, tensors, i);
    if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_TENSOR, "", (int32_t)i);
    int rc = parse_tensor(it, fb, tt, buffers, n_buffers, t, (int32_t)i);
    if (rc != MI_OK) return rc;
  }
  uint32_t n;
  int rc = read_indices(it, fb, sg, SG_INPUTS, it->inputs, MI_MAX_IO, &n, 0);
  if (rc != MI_OK) return rc;
  it->n_inputs = (uint8_t)n;
  rc = read_indices(it, fb, sg, SG_OUTPUTS, it->outputs, MI_MAX_IO, &n, 0);
  if (rc != MI_OK) return rc;
  it->n_outputs = (uint8_t)n;
  if (it->n_inputs == 0u || it->n_outputs == 0u) return mi_fail(it, MI_E_MALFORMED, "bad graph input/output: tensor ", "", 0);
  for (uint32_t i = 0; i < it->n_inputs; i++) {
    mi_tensor_t *t = &it->tensors[it->inputs[i]];
    if (t->is_const) return mi_fail(it, MI_E_MALFORMED, "bad graph input/output: tensor ", "", it->inputs[i]);
    t->first = t->last = 0;
  }
  for (uint32_t i = 0; i < n_ops; i++) {
    uint32_t ot = fb_vector_table(fb, ops, i);
    if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)i);
    rc = parse_operator(it, fb, ot, opcodes, n_opcodes, i);
    if (rc != MI_OK) return rc;
    if (fb->bad) return mi_fail(it, MI_E_MALFORMED, BAD_OPERATOR, "", (int32_t)i);
  }
  for (uint32_t i = 0; i < it->n_outputs; i++) {
    mi_tensor_t *t = &it->tensors[it->outputs[i]];
    if (t->is_const || t->first < 0) return mi_fail(it, MI_E_MALFORMED, "bad graph input/output: tensor ", "", it->outputs[i]);
    t->last = (int16_t)n_ops;
  }
  find_int8_core(it);
  return plan_arena(it);
}

int mi_load(mi_interp_t *it, const uint8_t *model, uint32_t len, uint8_t *arena, uint32_t arena_size) {
  int rounding = it->rounding;
  mi_init(it);
  it->rounding = rounding;
  it->model = model;
  it->model_len = len;
  it->arena = arena;
  it->arena_size = arena_size;
  fb_t fb = {model, len, 0};
  int rc = model ? load(it, &fb) : mi_fail(it, MI_E_MALFORMED, "no model", "", -1);
  if (rc == MI_OK) {
    it->loaded = 1;
    it->error[0] = 0;
  }
  return rc;
}

int mi_invoke(mi_interp_t *it) {
  if (!it->loaded) return mi_fail(it, MI_E_STATE, "no model", "", -1);
  for (uint32_t i = 0; i < it->n_ops; i++) {
    const mi_op_t *op = &it->ops[i];
    mi_find_kernel(op->code)->invoke(it, op);
  }
  return MI_OK;
}

__attribute__((noinline)) int mi_invoke_int8(mi_interp_t *it) {
  if (!it->loaded) return mi_fail(it, MI_E_STATE, "no model", "", -1);
  for (uint32_t i = 0; i < it->n_ops; i++) {
    const mi_op_t *op = &it->ops[i];
    if (!op->skip) mi_find_kernel(op->code)->invoke(it, op);
  }
  return MI_OK;
}

mi_tensor_t *mi_int8_input(mi_interp_t *it) { return it->loaded ? &it->tensors[it->int8_in] : 0; }
mi_tensor_t *mi_int8_output(mi_interp_t *it) { return it->loaded ? &it->tensors[it->int8_out] : 0; }

const char *mi_error(const mi_interp_t *it) { return it->error; }

mi_tensor_t *mi_input(mi_interp_t *it, uint32_t i) {
  return (it->loaded && i < it->n_inputs) ? &it->tensors[it->inputs[i]] : 0;
}

mi_tensor_t *mi_output(mi_interp_t *it, uint32_t i) {
  return (it->loaded && i < it->n_outputs) ? &it->tensors[it->outputs[i]] : 0;
}
