#include "verify.h"

#include <string.h>

#include "ed25519.h"
#include "sha256.h"

const mota_key_t *mota_key_find(const mota_keyring_t *ring, uint32_t key_id) {
  for (uint32_t i = 0; ring && i < ring->count; i++) {
    const uint8_t *k = ring->keys[i].key_id;
    uint32_t id = (uint32_t)k[0] | ((uint32_t)k[1] << 8) | ((uint32_t)k[2] << 16) | ((uint32_t)k[3] << 24);
    if (id == key_id) return &ring->keys[i];
  }
  return 0;
}

int mota_verify_authenticity(const uint8_t *img, const mota_package_view_t *v, const mota_keyring_t *ring) {
  uint8_t digest[MOTA_SHA256_DIGEST_SIZE];
  mota_sha256(img + MOTA_PKG_HEADER_SIZE, v->image_size - MOTA_PKG_HEADER_SIZE - MOTA_PKG_SIGNATURE_SIZE, digest);
  if (memcmp(digest, v->header.body_sha256, sizeof digest) != 0) return MOTA_PKG_E_HASH_MISMATCH; /* 14 */
  const mota_key_t *key = mota_key_find(ring, v->header.key_id);
  if (!key) return MOTA_PKG_E_UNKNOWN_KEY; /* 15 */
  if (mota_ed25519_verify(v->signature, img, MOTA_PKG_HEADER_SIZE, key->pub) != 0)
    return MOTA_PKG_E_SIG_INVALID; /* 16 */
  return MOTA_PKG_OK;
}

int mota_verify_package(const uint8_t *img, uint32_t len, uint32_t capacity, int exact,
                        const mota_keyring_t *ring, mota_package_view_t *out) {
  mota_package_view_t v;
  int rc = mota_package_check_ex(img, len, capacity, exact, &v);
  if (rc == MOTA_PKG_OK) rc = mota_verify_authenticity(img, &v, ring);
  if (rc == MOTA_PKG_OK && out) *out = v;
  return rc;
}
