/*
 * Host CLI for the bit-exactness tests: mota-infer MODEL.tflite [--single]
 * Loads the model with the interpreter built for the host and, for every int8 input value
 * v = -128..127, fills the input tensor with v, invokes and prints one line:
 *   v: out0 out1 ...      (the output tensor's int8 values, or float32 values as %.9g)
 * On a load error prints "error: <message>" to stderr and exits 2.
 * --info prints the model summary instead (operators, tensors, arena used).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mota_interp.h"

static uint8_t *read_file(const char *path, uint32_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1u);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  *len = (uint32_t)n;
  return buf;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  int single = 0, info = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--single") == 0) single = 1;
    else if (strcmp(argv[i], "--info") == 0) info = 1;
    else path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: mota-infer MODEL.tflite [--single] [--info]\n");
    return 64;
  }
  uint32_t len;
  uint8_t *model = read_file(path, &len);
  if (!model) {
    fprintf(stderr, "error: cannot read %s\n", path);
    return 66;
  }
  static mi_interp_t it;
  static uint8_t arena[16384];
  mi_init(&it);
  if (single) it.rounding = MI_ROUNDING_SINGLE;
  if (mi_load(&it, model, len, arena, sizeof arena) != MI_OK) {
    fprintf(stderr, "error: %s\n", mi_error(&it));
    free(model);
    return 2;
  }
  mi_tensor_t *in = mi_int8_input(&it), *out = mi_int8_output(&it);
  if (info) {
    printf("operators: %u\ntensors: %u\narena_used: %u\npersistent: %u\n", it.n_ops, it.n_tensors, it.arena_used,
           it.persistent);
    for (uint32_t i = 0; i < it.n_ops; i++) printf("op %u: %s\n", i, mi_op_name(it.ops[i].code));
    free(model);
    return 0;
  }
  if (in->type != MI_TYPE_INT8) {
    fprintf(stderr, "error: input tensor type %s, mota-infer feeds int8\n", mi_type_name(in->type));
    free(model);
    return 2;
  }
  for (int v = -128; v <= 127; v++) {
    memset(in->data, v, in->bytes);
    mi_invoke_int8(&it);
    printf("%d:", v);
    for (uint32_t i = 0; i < out->elements; i++) {
      if (out->type == MI_TYPE_INT8) printf(" %d", ((int8_t *)out->data)[i]);
      else if (out->type == MI_TYPE_FLOAT32) {
        float f;
        memcpy(&f, out->data + 4 * i, 4);
        printf(" %.9g", f);
      } else printf(" ?");
    }
    printf("\n");
  }
  free(model);
  return 0;
}
