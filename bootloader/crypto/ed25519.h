/* Ed25519 signature verification (RFC 8032 §5.1.7, pure Ed25519, cofactorless). */
#ifndef MOTA_ED25519_H
#define MOTA_ED25519_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 when sig is a valid signature of msg[0..len) under pub, -1 otherwise.
 * Rejects S >= L, a public key that does not decode or has small order, and any R that
 * is not the canonical encoding of [S]B - [k]A. Variable time: inputs are public. */
int mota_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pub[32]);

#endif
