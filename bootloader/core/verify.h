/*
 * Package verification with all 16 checks of protocol/SPEC.md §1.6: checks 1-13 come from
 * protocol/c/mota_package.c, this file adds 14 (SHA-256 of the body), 15 (key id among the
 * trusted keys) and 16 (Ed25519 over the 128-byte header).
 */
#ifndef MOTA_VERIFY_H
#define MOTA_VERIFY_H

#include <stdint.h>

#include "mota_package.h"

typedef struct {
  uint8_t key_id[4]; /* first 4 bytes of SHA-256(pub), as stored in the header */
  uint8_t pub[32];   /* raw Ed25519 public key */
} mota_key_t;

typedef struct {
  const mota_key_t *keys;
  uint32_t count;
} mota_keyring_t;

/* The key whose id is the header's key_id field (read little-endian), or 0. */
const mota_key_t *mota_key_find(const mota_keyring_t *ring, uint32_t key_id);

/* Checks 1-16 in order; returns MOTA_PKG_OK or the first failing MOTA_PKG_E_*.
 * exact: 1 for a file, 0 for a slot (see mota_package_check_ex). */
int mota_verify_package(const uint8_t *img, uint32_t len, uint32_t capacity, int exact,
                        const mota_keyring_t *ring, mota_package_view_t *out);

/* Checks 14-16 on an image that passed checks 1-13 (v from mota_package_check). */
int mota_verify_authenticity(const uint8_t *img, const mota_package_view_t *v, const mota_keyring_t *ring);

#endif /* MOTA_VERIFY_H */
