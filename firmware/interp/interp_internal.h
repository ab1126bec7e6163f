/* Internals shared by the parser (interp.c) and the kernels (kernels.c). */
#ifndef MOTA_INTERP_INTERNAL_H
#define MOTA_INTERP_INTERNAL_H

#include "fb.h"
#include "mota_interp.h"

/* Kernel interface: prepare validates the op and precomputes its parameters (it may read the
 * op's options table through the checked reader); invoke computes and allocates nothing. */
typedef struct {
  uint16_t code;
  int (*prepare)(mi_interp_t *it, mi_op_t *op, fb_t *fb, uint32_t op_table);
  void (*invoke)(const mi_interp_t *it, const mi_op_t *op);
} mi_kernel_t;

const mi_kernel_t *mi_find_kernel(uint32_t code);

/* Persistent bytes from the arena's end (prepare only); NULL when the arena is full. */
uint8_t *mi_persistent(mi_interp_t *it, uint32_t bytes);

/* Sets the error message (parts joined, a negative num is omitted) and returns code. */
int mi_fail(mi_interp_t *it, int code, const char *a, const char *b, int32_t num);
/* Appends to the error message (truncating at MI_ERROR_SIZE - 1). */
void mi_append(mi_interp_t *it, const char *s);

static inline uint32_t mi_ld32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
