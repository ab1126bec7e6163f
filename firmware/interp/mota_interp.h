/*
 * mota's int8 TFLite interpreter: runs a converter-produced .tflite flatbuffer in place
 * (from flash), bit-exact with the TFLM reference kernels (double rounding, default) or the
 * full TFLite runtime (single rounding). Every flatbuffer read is bounds-checked against
 * [model, model+len). Load = parse + kernel prepare + arena plan; invoke allocates nothing.
 *
 *   static mi_interp_t it;                // caller-owned: ~1.7 KB with 24 tensors, 12 ops
 *   static uint8_t arena[512];            // activations + per-op persistent parameters
 *   mi_init(&it);
 *   if (mi_load(&it, tflite, len, arena, sizeof arena) != MI_OK) report(mi_error(&it));
 *   mi_int8_input(&it)->data[0] = q; mi_invoke_int8(&it); y = mi_int8_output(&it)->data[0];
 */
#ifndef MOTA_INTERP_H
#define MOTA_INTERP_H

#include <stdint.h>

#include "quant.h"

#ifndef MI_MAX_TENSORS
#define MI_MAX_TENSORS 32
#endif
#ifndef MI_MAX_OPS
#define MI_MAX_OPS 16
#endif
#define MI_MAX_IO 4          /* graph inputs / outputs */
#define MI_MAX_OP_INPUTS 3
#define MI_MAX_DIMS 6
#define MI_ERROR_SIZE 80

/* The rounding mode: MOTA_SINGLE_ROUNDING selects single rounding at compile time. With
 * MI_RUNTIME_ROUNDING (the host tools) it is it->rounding instead, so one binary does both;
 * without it the mode is a constant and the other mode's code is left out (smaller app). */
#ifdef MOTA_SINGLE_ROUNDING
#define MI_DEFAULT_ROUNDING MI_ROUNDING_SINGLE
#else
#define MI_DEFAULT_ROUNDING MI_ROUNDING_DOUBLE
#endif
#ifdef MI_RUNTIME_ROUNDING
#define MI_ROUNDING(it) ((it)->rounding)
#else
#define MI_ROUNDING(it) ((void)(it), MI_DEFAULT_ROUNDING)
#endif

/* Result codes. */
#define MI_OK 0
#define MI_E_MALFORMED 1      /* flatbuffer structure out of range or inconsistent */
#define MI_E_UNSUPPORTED 2    /* operator, type or option we do not implement (named in the message) */
#define MI_E_TOO_BIG 3        /* more tensors/ops than MI_MAX_*, or the arena is too small */
#define MI_E_STATE 4          /* invoke before a successful load */

/* TensorType codes (schema.fbs). */
#define MI_TYPE_FLOAT32 0
#define MI_TYPE_INT32 2
#define MI_TYPE_INT8 9

/* Builtin operator codes we run. */
#define MI_OP_DEQUANTIZE 6
#define MI_OP_FULLY_CONNECTED 9
#define MI_OP_RESHAPE 22
#define MI_OP_QUANTIZE 114

typedef struct {
  uint8_t *data;       /* arena (activations) or the model itself (constants), NULL if unused */
  uint32_t bytes;
  uint32_t elements;
  uint32_t shape_pos;  /* flatbuffer position of the shape vector (0 = scalar) */
  float scale;         /* first scale (per-tensor quantization); 0 when not quantized */
  int32_t zero_point;
  uint8_t type;        /* MI_TYPE_* */
  uint8_t ndims;
  uint8_t is_const;
  uint8_t scales;      /* number of scales (1 = per-tensor), 255 = more */
  uint8_t qdim;        /* quantized_dimension */
  uint32_t scales_pos; /* flatbuffer position of the scale vector */
  int16_t first, last; /* lifetime in operator indices, -1 = not used by the graph */
  uint32_t arena_off;
} mi_tensor_t;

typedef struct {
  uint16_t code;       /* builtin operator code */
  int16_t in[MI_MAX_OP_INPUTS];
  int16_t out;
  uint8_t n_in;
  uint8_t activation;
  /* FULLY_CONNECTED, precomputed by prepare */
  int32_t multiplier;
  int8_t shift;
  int16_t out_offset;
  int16_t act_min, act_max;
  uint16_t batches, depth, units;
  uint8_t skip;        /* float-I/O QUANTIZE/DEQUANTIZE left out of mi_invoke_int8 */
  int32_t *base;        /* FULLY_CONNECTED: bias + input-offset terms per unit (arena, persistent) */
  uint8_t *per_channel; /* per-channel weights: int32 multipliers[units], int8 shifts[units] (arena) */
} mi_op_t;

typedef struct {
  const uint8_t *model;
  uint32_t model_len;
  uint8_t *arena;
  uint32_t arena_size;
  uint32_t arena_used;       /* activations + persistent (per-channel parameters) */
  uint32_t persistent;       /* bytes at the arena's end holding per-channel parameters */
  int rounding;              /* MI_ROUNDING_*; set by mi_init; with MI_RUNTIME_ROUNDING it may be changed before mi_load */
  int loaded;
  uint16_t n_tensors, n_ops;
  uint8_t n_inputs, n_outputs;
  int16_t inputs[MI_MAX_IO], outputs[MI_MAX_IO];
  int16_t int8_in, int8_out; /* the int8 core's input and output tensors (see mi_invoke_int8) */
  mi_tensor_t tensors[MI_MAX_TENSORS];
  mi_op_t ops[MI_MAX_OPS];
  char error[MI_ERROR_SIZE];
} mi_interp_t;

/* Resets the interpreter and sets the build's default rounding mode. */
void mi_init(mi_interp_t *it);
/* Parses, prepares and plans. On failure returns MI_E_* and mi_error() says what, by name. */
int mi_load(mi_interp_t *it, const uint8_t *model, uint32_t len, uint8_t *arena, uint32_t arena_size);
int mi_invoke(mi_interp_t *it);
/* Runs the int8 core: like TFLM's demo (and models/reference), a float input QUANTIZE and a
 * float output DEQUANTIZE are left out; feed mi_int8_input and read mi_int8_output.
 * For models with int8 I/O this is mi_invoke. */
int mi_invoke_int8(mi_interp_t *it);
mi_tensor_t *mi_int8_input(mi_interp_t *it);
mi_tensor_t *mi_int8_output(mi_interp_t *it);
const char *mi_error(const mi_interp_t *it);
mi_tensor_t *mi_input(mi_interp_t *it, uint32_t i);
mi_tensor_t *mi_output(mi_interp_t *it, uint32_t i);
/* Dimension d of a tensor's shape (1 for d >= ndims). */
int32_t mi_dim(const mi_interp_t *it, const mi_tensor_t *t, uint32_t d);
/* Name of a builtin operator code ("FULLY_CONNECTED") or of a tensor type ("INT8"). */
const char *mi_op_name(uint32_t code);
const char *mi_type_name(uint32_t type);

#endif
