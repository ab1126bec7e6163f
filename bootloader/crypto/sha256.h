/* SHA-256 (FIPS 180-4, RFC 6234). Incremental: feed any number of bytes per update. */
#ifndef MOTA_SHA256_H
#define MOTA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MOTA_SHA256_DIGEST_SIZE 32
#define MOTA_SHA256_BLOCK_SIZE 64

typedef struct {
    uint32_t state[8];
    uint64_t total;     /* bytes hashed so far */
    uint8_t block[MOTA_SHA256_BLOCK_SIZE];
} mota_sha256_ctx;

void mota_sha256_init(mota_sha256_ctx *ctx);
void mota_sha256_update(mota_sha256_ctx *ctx, const void *data, size_t len);
void mota_sha256_final(mota_sha256_ctx *ctx, uint8_t out[MOTA_SHA256_DIGEST_SIZE]);
void mota_sha256(const void *data, size_t len, uint8_t out[MOTA_SHA256_DIGEST_SIZE]);

#endif
