/*
 * The mota model package (protocol/SPEC.md §1) seen from C: the 128-byte header as a plain
 * little-endian struct, the word-order CRC-32/MPEG-2 (§1.4), the self-test section (§1.5)
 * and the structural + CRC checks 1-13 of §1.6. Shared by the app (firmware/) and the
 * bootloader (bootloader/), which adds checks 14-16 (SHA-256, key id, Ed25519) on top.
 * Pure C99 + <stdint.h>; no allocation, no libc.
 */
#ifndef MOTA_PACKAGE_H
#define MOTA_PACKAGE_H

#include <stdint.h>

#define MOTA_PKG_MAGIC 0x41544F4Du /* bytes "MOTA" read little-endian */
#define MOTA_PKG_FORMAT_VERSION 1u
#define MOTA_PKG_HEADER_SIZE 128u
#define MOTA_PKG_SIGNATURE_SIZE 64u
#define MOTA_PKG_NAME_SIZE 32u
#define MOTA_PKG_FLAG_HAS_SELFTEST 0x0001u
#define MOTA_PKG_FILE_CAPACITY 0x00100000u /* 1 MiB: the capacity for a package file */

/* §1.6 error numbers (the `num` column). 0 = the checks run passed. */
#define MOTA_PKG_OK 0
#define MOTA_PKG_E_TRUNCATED 1
#define MOTA_PKG_E_BAD_MAGIC 2
#define MOTA_PKG_E_UNSUPPORTED_FORMAT 3
#define MOTA_PKG_E_HEADER_CRC 4
#define MOTA_PKG_E_BAD_NAME 5
#define MOTA_PKG_E_BAD_FLAGS 6
#define MOTA_PKG_E_BAD_SIZES 7
#define MOTA_PKG_E_TOO_LARGE 8
#define MOTA_PKG_E_BAD_PADDING 9
#define MOTA_PKG_E_BODY_CRC 10
#define MOTA_PKG_E_HASH_MISMATCH 11
#define MOTA_PKG_E_UNKNOWN_KEY 12
#define MOTA_PKG_E_SIG_INVALID 13
#define MOTA_PKG_E_BAD_SELFTEST 14
#define MOTA_PKG_E_NOT_TFLITE 15

/* Self-test section (§1.5). */
#define MOTA_SELFTEST_HEADER_SIZE 8u
#define MOTA_SELFTEST_MAX_COUNT 64u
#define MOTA_SELFTEST_ROUNDING_DOUBLE 0u
#define MOTA_SELFTEST_ROUNDING_SINGLE 1u

/* The header exactly as it lies in flash (all fields little-endian; the targets are LE). */
typedef struct {
  uint32_t magic;          /*   0 */
  uint16_t format_version; /*   4 */
  uint16_t header_size;    /*   6 */
  char name[32];           /*   8 */
  uint16_t version_major;  /*  40 */
  uint16_t version_minor;  /*  42 */
  uint16_t version_patch;  /*  44 */
  uint16_t flags;          /*  46 */
  uint32_t payload_size;   /*  48 */
  uint32_t selftest_size;  /*  52 */
  uint32_t image_size;     /*  56 */
  uint32_t key_id;         /*  60 */
  uint8_t body_sha256[32]; /*  64 */
  uint32_t body_crc32;     /*  96 */
  uint32_t created;        /* 100 */
  uint8_t reserved[20];    /* 104 */
  uint32_t header_crc32;   /* 124 */
} mota_package_header_t;

_Static_assert(sizeof(mota_package_header_t) == MOTA_PKG_HEADER_SIZE, "package header is 128 bytes");

typedef struct {
  uint16_t count;
  uint16_t input_bytes;
  uint16_t output_bytes;
  uint8_t rounding;
  uint8_t tolerance;
} mota_selftest_header_t;

/* What a passed check hands back: pointers into the checked image, never copies. */
typedef struct {
  mota_package_header_t header; /* copied field by field (the image may be unaligned) */
  const uint8_t *payload;       /* the .tflite flatbuffer, payload_size bytes */
  uint32_t payload_size;
  const uint8_t *selftest;      /* NULL when the package has no self-test */
  uint32_t selftest_size;
  const uint8_t *signature;     /* 64 bytes */
  uint32_t image_size;
} mota_package_view_t;

/* Word-order CRC-32/MPEG-2 (§1.4), continuing from `crc` (start with 0xFFFFFFFF).
 * len must be a multiple of 4. Bit-identical to the STM32F1 CRC unit fed LE words. */
uint32_t mota_crc32_words(uint32_t crc, const uint8_t *data, uint32_t len);

/* One byte into a byte-wise CRC-32/MPEG-2 (the §5.1 frame CRC; start with 0xFFFFFFFF). */
uint32_t mota_crc32_byte(uint32_t crc, uint8_t b);

/* Ordinary byte-wise CRC-32/MPEG-2 from init 0xFFFFFFFF (for the check value test). */
uint32_t mota_crc32_bytes(const uint8_t *data, uint32_t len);

/* Checks 1-13 of SPEC §1.6 in order on `len` bytes at `img`, destined for a place of
 * `capacity` bytes. `exact` = 1 for a file (len must equal image_size, longer is
 * PKG_BAD_SIZES), 0 for a slot (len is what can be read; the image may be shorter).
 * Returns MOTA_PKG_OK or the first failing MOTA_PKG_E_*; `out` is filled only on OK. */
int mota_package_check_ex(const uint8_t *img, uint32_t len, uint32_t capacity, int exact,
                          mota_package_view_t *out);

/* mota_package_check_ex for a slot (exact = 0): what the app and bootloader call. */
int mota_package_check(const uint8_t *img, uint32_t len, uint32_t capacity, mota_package_view_t *out);

/* Self-test section access (the section was validated by the check). */
int mota_selftest_header(const mota_package_view_t *v, mota_selftest_header_t *out);
/* Input and expected output of vector i (0-based), or 0 if i is out of range. */
int mota_selftest_vector(const mota_package_view_t *v, uint32_t i, const int8_t **input,
                         const int8_t **expected);

/* Stable name of an error number ("PKG_BODY_CRC"), "OK" for 0, "PKG_UNKNOWN" otherwise. */
const char *mota_package_error_name(int code);

/* The 48-bit version number of §1.2 for ordering releases. */
static inline uint64_t mota_package_version_number(const mota_package_header_t *h) {
  return ((uint64_t)h->version_major << 32) | ((uint64_t)h->version_minor << 16) | h->version_patch;
}

#endif /* MOTA_PACKAGE_H */
