/*
 * Bounds-checked flatbuffer reader over [base, base+len). Every read goes through here, so a
 * hostile model can make a read fail, never make it leave the buffer. Failures are sticky
 * (`bad` is set and reads return 0): callers check fb->bad once per logical step.
 * Positions are byte offsets from base; 0 means "absent" (offset 0 is the root offset, never a field).
 */
#ifndef MOTA_FB_H
#define MOTA_FB_H

#include <stdint.h>

typedef struct {
  const uint8_t *base;
  uint32_t len;
  int bad;
} fb_t;

uint8_t fb_u8(fb_t *fb, uint32_t pos);
uint16_t fb_u16(fb_t *fb, uint32_t pos);
uint32_t fb_u32(fb_t *fb, uint32_t pos);
uint64_t fb_u64(fb_t *fb, uint32_t pos);
/* The table at uoffset stored at pos (a root or a vector element), vtable validated. */
uint32_t fb_table_at(fb_t *fb, uint32_t pos);
/* Position of field `id` of table `t` holding `size` bytes, or 0 when absent. */
uint32_t fb_field(fb_t *fb, uint32_t t, uint32_t id, uint32_t size);
uint32_t fb_field_u32(fb_t *fb, uint32_t t, uint32_t id, uint32_t dflt);
uint8_t fb_field_u8(fb_t *fb, uint32_t t, uint32_t id, uint8_t dflt);
/* Vector field: position of its first element (0 when absent), element count in *count;
 * the whole vector (count * elem bytes) is checked to lie inside the buffer. */
uint32_t fb_vector(fb_t *fb, uint32_t t, uint32_t id, uint32_t elem, uint32_t *count);
/* Table number i of a vector of tables starting at vec (count already checked by caller). */
uint32_t fb_vector_table(fb_t *fb, uint32_t vec, uint32_t i);

#endif
