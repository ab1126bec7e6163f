/* Package checks 1-13 of protocol/SPEC.md §1.6, in that order. */
#include "mota_package.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the header struct is read in place");

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* 4-bit table: small enough for the bootloader, fast enough for a boot-time check. */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x04C11DB7u, 0x09823B6Eu, 0x0D4326D9u, 0x130476DCu, 0x17C56B6Bu, 0x1A864DB2u, 0x1E475005u,
    0x2608EDB8u, 0x22C9F00Fu, 0x2F8AD6D6u, 0x2B4BCB61u, 0x350C9B64u, 0x31CD86D3u, 0x3C8EA00Au, 0x384FBDBDu,
};

uint32_t mota_crc32_byte(uint32_t crc, uint8_t b) {
  crc ^= (uint32_t)b << 24;
  crc = (crc << 4) ^ crc_nibble[crc >> 28];
  crc = (crc << 4) ^ crc_nibble[crc >> 28];
  return crc;
}

uint32_t mota_crc32_words(uint32_t crc, const uint8_t *data, uint32_t len) {
  for (uint32_t i = 0; i + 4u <= len; i += 4u) {
    crc = mota_crc32_byte(crc, data[i + 3u]);
    crc = mota_crc32_byte(crc, data[i + 2u]);
    crc = mota_crc32_byte(crc, data[i + 1u]);
    crc = mota_crc32_byte(crc, data[i]);
  }
  return crc;
}

uint32_t mota_crc32_bytes(const uint8_t *data, uint32_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < len; i++) crc = mota_crc32_byte(crc, data[i]);
  return crc;
}

static int name_ok(const uint8_t *n) {
  uint32_t i = 0;
  for (; i < MOTA_PKG_NAME_SIZE && n[i] != 0u; i++) {
    uint8_t c = n[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0u && (c == '.' || c == '_' || c == '-'))) return 0;
  }
  if (i == 0u || i >= MOTA_PKG_NAME_SIZE) return 0;
  for (; i < MOTA_PKG_NAME_SIZE; i++)
    if (n[i] != 0u) return 0;
  return 1;
}

static int all_zero(const uint8_t *p, uint32_t n) {
  uint8_t acc = 0;
  for (uint32_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0u;
}

static uint32_t pad8(uint32_t n) { return (n + 7u) & ~7u; }

/* The header struct is the on-flash byte layout (both targets are little-endian). */
static void read_header(const uint8_t *p, mota_package_header_t *h) {
  uint8_t *d = (uint8_t *)h;
  for (uint32_t i = 0; i < MOTA_PKG_HEADER_SIZE; i++) d[i] = p[i];
}

int mota_package_check_ex(const uint8_t *img, uint32_t len, uint32_t capacity, int exact,
                          mota_package_view_t *out) {
  mota_package_header_t h;
  if (img == 0 || len < MOTA_PKG_HEADER_SIZE) return MOTA_PKG_E_TRUNCATED; /* 1 */
  read_header(img, &h);
  if (h.magic != MOTA_PKG_MAGIC) return MOTA_PKG_E_BAD_MAGIC; /* 2 */
  if (h.format_version != MOTA_PKG_FORMAT_VERSION || h.header_size != MOTA_PKG_HEADER_SIZE)
    return MOTA_PKG_E_UNSUPPORTED_FORMAT; /* 3 */
  if (mota_crc32_words(0xFFFFFFFFu, img, 124u) != h.header_crc32) return MOTA_PKG_E_HEADER_CRC; /* 4 */
  if (!name_ok(img + 8)) return MOTA_PKG_E_BAD_NAME; /* 5 */
  if ((h.flags & ~MOTA_PKG_FLAG_HAS_SELFTEST) != 0u ||
      ((h.flags & MOTA_PKG_FLAG_HAS_SELFTEST) != 0u) != (h.selftest_size > 0u))
    return MOTA_PKG_E_BAD_FLAGS; /* 6 */
  /* 7: sizes in 64 bits so a hostile header cannot wrap them */
  uint64_t p8 = ((uint64_t)h.payload_size + 7u) & ~(uint64_t)7u;
  uint64_t t8 = ((uint64_t)h.selftest_size + 7u) & ~(uint64_t)7u;
  uint64_t want = MOTA_PKG_HEADER_SIZE + p8 + t8 + MOTA_PKG_SIGNATURE_SIZE;
  if (h.payload_size < 8u || want != h.image_size) return MOTA_PKG_E_BAD_SIZES;
  if (h.image_size > capacity) return MOTA_PKG_E_TOO_LARGE; /* 8 */
  if (len < h.image_size) return MOTA_PKG_E_TRUNCATED;      /* 9 */
  if (exact && len != h.image_size) return MOTA_PKG_E_BAD_SIZES;

  const uint8_t *payload = img + MOTA_PKG_HEADER_SIZE;
  uint32_t p_pad = pad8(h.payload_size);
  const uint8_t *selftest = payload + p_pad;
  uint32_t t_pad = pad8(h.selftest_size);
  /* 10 */
  if (!all_zero(payload + h.payload_size, p_pad - h.payload_size) ||
      !all_zero(selftest + h.selftest_size, t_pad - h.selftest_size) || !all_zero(h.reserved, 20u))
    return MOTA_PKG_E_BAD_PADDING;
  if (payload[4] != 'T' || payload[5] != 'F' || payload[6] != 'L' || payload[7] != '3')
    return MOTA_PKG_E_NOT_TFLITE; /* 11 */
  if (h.selftest_size > 0u) {     /* 12 */
    if (h.selftest_size < MOTA_SELFTEST_HEADER_SIZE) return MOTA_PKG_E_BAD_SELFTEST;
    uint32_t count = ld16(selftest), in = ld16(selftest + 2), outb = ld16(selftest + 4);
    if (count < 1u || count > MOTA_SELFTEST_MAX_COUNT || in < 1u || outb < 1u || selftest[6] > 1u ||
        h.selftest_size != MOTA_SELFTEST_HEADER_SIZE + count * (in + outb))
      return MOTA_PKG_E_BAD_SELFTEST;
  }
  uint32_t body_len = h.image_size - MOTA_PKG_HEADER_SIZE - MOTA_PKG_SIGNATURE_SIZE;
  if (mota_crc32_words(0xFFFFFFFFu, payload, body_len) != h.body_crc32) return MOTA_PKG_E_BODY_CRC; /* 13 */

  if (out) {
    out->header = h;
    out->payload = payload;
    out->payload_size = h.payload_size;
    out->selftest = h.selftest_size ? selftest : 0;
    out->selftest_size = h.selftest_size;
    out->signature = img + h.image_size - MOTA_PKG_SIGNATURE_SIZE;
    out->image_size = h.image_size;
  }
  return MOTA_PKG_OK;
}

int mota_package_check(const uint8_t *img, uint32_t len, uint32_t capacity, mota_package_view_t *out) {
  return mota_package_check_ex(img, len, capacity, 0, out);
}

int mota_selftest_header(const mota_package_view_t *v, mota_selftest_header_t *out) {
  if (v->selftest == 0) return 0;
  out->count = ld16(v->selftest);
  out->input_bytes = ld16(v->selftest + 2);
  out->output_bytes = ld16(v->selftest + 4);
  out->rounding = v->selftest[6];
  out->tolerance = v->selftest[7];
  return 1;
}

int mota_selftest_vector(const mota_package_view_t *v, uint32_t i, const int8_t **input,
                         const int8_t **expected) {
  mota_selftest_header_t st;
  if (!mota_selftest_header(v, &st) || i >= st.count) return 0;
  const uint8_t *p = v->selftest + MOTA_SELFTEST_HEADER_SIZE + i * (uint32_t)(st.input_bytes + st.output_bytes);
  *input = (const int8_t *)p;
  *expected = (const int8_t *)(p + st.input_bytes);
  return 1;
}

const char *mota_package_error_name(int code) {
  static const char *const names[] = {
      "OK", "PKG_TRUNCATED", "PKG_BAD_MAGIC", "PKG_UNSUPPORTED_FORMAT", "PKG_HEADER_CRC",
      "PKG_BAD_NAME", "PKG_BAD_FLAGS", "PKG_BAD_SIZES", "PKG_TOO_LARGE", "PKG_BAD_PADDING",
      "PKG_BODY_CRC", "PKG_HASH_MISMATCH", "PKG_UNKNOWN_KEY", "PKG_SIG_INVALID", "PKG_BAD_SELFTEST",
      "PKG_NOT_TFLITE",
  };
  if (code < 0 || code > MOTA_PKG_E_NOT_TFLITE) return "PKG_UNKNOWN";
  return names[code];
}
