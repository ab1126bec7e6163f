#include "fb.h"

/* 1 if [pos, pos+n) lies inside the buffer; else marks the reader bad. */
static int in_range(fb_t *fb, uint64_t pos, uint64_t n) {
  if (pos + n > fb->len) {
    fb->bad = 1;
    return 0;
  }
  return 1;
}

uint8_t fb_u8(fb_t *fb, uint32_t pos) { return in_range(fb, pos, 1) ? fb->base[pos] : 0; }

uint16_t fb_u16(fb_t *fb, uint32_t pos) {
  if (!in_range(fb, pos, 2)) return 0;
  const uint8_t *p = fb->base + pos;
  return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t fb_u32(fb_t *fb, uint32_t pos) {
  if (!in_range(fb, pos, 4)) return 0;
  const uint8_t *p = fb->base + pos;
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t fb_u64(fb_t *fb, uint32_t pos) {
  uint64_t lo = fb_u32(fb, pos);
  return lo | ((uint64_t)fb_u32(fb, pos + 4u) << 32);
}

uint32_t fb_table_at(fb_t *fb, uint32_t pos) {
  uint64_t t = (uint64_t)pos + fb_u32(fb, pos);
  if (fb->bad || !in_range(fb, t, 4)) return 0;
  int64_t vt = (int64_t)t - (int32_t)fb_u32(fb, (uint32_t)t);
  if (vt < 0 || !in_range(fb, (uint64_t)vt, 4)) return 0;
  uint32_t vsize = fb_u16(fb, (uint32_t)vt);
  uint32_t tsize = fb_u16(fb, (uint32_t)vt + 2u);
  if (vsize < 4u || (vsize & 1u) || tsize < 4u || !in_range(fb, (uint64_t)vt, vsize) || !in_range(fb, t, tsize)) {
    fb->bad = 1;
    return 0;
  }
  return (uint32_t)t;
}

uint32_t fb_field(fb_t *fb, uint32_t t, uint32_t id, uint32_t size) {
  if (fb->bad || t == 0) return 0;
  uint32_t vt = (uint32_t)((int64_t)t - (int32_t)fb_u32(fb, t)); /* validated by fb_table_at */
  uint32_t slot = 4u + 2u * id;
  if (slot + 2u > fb_u16(fb, vt)) return 0;
  uint32_t off = fb_u16(fb, vt + slot);
  if (off == 0u) return 0;
  if (off + size > fb_u16(fb, vt + 2u) || !in_range(fb, (uint64_t)t + off, size)) {
    fb->bad = 1;
    return 0;
  }
  return t + off;
}

uint32_t fb_field_u32(fb_t *fb, uint32_t t, uint32_t id, uint32_t dflt) {
  uint32_t p = fb_field(fb, t, id, 4);
  return p ? fb_u32(fb, p) : dflt;
}

uint8_t fb_field_u8(fb_t *fb, uint32_t t, uint32_t id, uint8_t dflt) {
  uint32_t p = fb_field(fb, t, id, 1);
  return p ? fb_u8(fb, p) : dflt;
}

uint32_t fb_vector(fb_t *fb, uint32_t t, uint32_t id, uint32_t elem, uint32_t *count) {
  *count = 0;
  uint32_t p = fb_field(fb, t, id, 4);
  if (p == 0) return 0;
  uint64_t v = (uint64_t)p + fb_u32(fb, p);
  if (fb->bad || !in_range(fb, v, 4)) return 0;
  uint32_t n = fb_u32(fb, (uint32_t)v);
  if (!in_range(fb, v + 4u, (uint64_t)n * elem)) return 0;
  *count = n;
  return (uint32_t)v + 4u;
}

uint32_t fb_vector_table(fb_t *fb, uint32_t vec, uint32_t i) { return fb_table_at(fb, vec + 4u * i); }
