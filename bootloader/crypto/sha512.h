/* SHA-512 (FIPS 180-4, RFC 6234). Incremental: feed any number of bytes per update. */
#ifndef MOTA_SHA512_H
#define MOTA_SHA512_H

#include <stddef.h>
#include <stdint.h>

#define MOTA_SHA512_DIGEST_SIZE 64
#define MOTA_SHA512_BLOCK_SIZE 128

typedef struct {
    uint64_t state[8];
    uint64_t total;     /* bytes hashed so far (2^64 bytes is far beyond any use here) */
    uint8_t block[MOTA_SHA512_BLOCK_SIZE];
} mota_sha512_ctx;

void mota_sha512_init(mota_sha512_ctx *ctx);
void mota_sha512_update(mota_sha512_ctx *ctx, const void *data, size_t len);
void mota_sha512_final(mota_sha512_ctx *ctx, uint8_t out[MOTA_SHA512_DIGEST_SIZE]);
void mota_sha512(const void *data, size_t len, uint8_t out[MOTA_SHA512_DIGEST_SIZE]);

#endif
