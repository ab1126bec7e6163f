/* SHA-256 after RFC 6234 §5.1 / §6.2 (FIPS 180-4 §6.2). Rolled loops: size over speed. */
#include "sha256.h"

#include <string.h>

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[16], a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    unsigned i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 0; i < 64; i++) {
        uint32_t t1, t2;
        if (i >= 16) { /* message schedule kept in a 16-word ring */
            uint32_t s0 = w[(i + 1) & 15], s1 = w[(i + 14) & 15];
            w[i & 15] += (ror32(s0, 7) ^ ror32(s0, 18) ^ (s0 >> 3)) + w[(i + 9) & 15] +
                         (ror32(s1, 17) ^ ror32(s1, 19) ^ (s1 >> 10));
        }
        t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i & 15];
        t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

void mota_sha256_init(mota_sha256_ctx *ctx)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->state, iv, sizeof iv);
    ctx->total = 0;
}

void mota_sha256_update(mota_sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t used = (size_t)(ctx->total & 63), take = 64 - used;
        if (take > len)
            take = len;
        if (used == 0 && len >= 64) { /* whole block straight from the caller's buffer */
            sha256_block(ctx->state, p);
            take = 64;
        } else {
            memcpy(ctx->block + used, p, take);
            if (used + take == 64)
                sha256_block(ctx->state, ctx->block);
        }
        ctx->total += take;
        p += take;
        len -= take;
    }
}

void mota_sha256_final(mota_sha256_ctx *ctx, uint8_t out[MOTA_SHA256_DIGEST_SIZE])
{
    uint64_t bits = ctx->total << 3;
    size_t used = (size_t)(ctx->total & 63);
    unsigned i;

    ctx->block[used++] = 0x80;
    if (used > 56) {
        memset(ctx->block + used, 0, 64 - used);
        sha256_block(ctx->state, ctx->block);
        used = 0;
    }
    memset(ctx->block + used, 0, 56 - used);
    for (i = 0; i < 8; i++)
        ctx->block[63 - i] = (uint8_t)(bits >> (8 * i));
    sha256_block(ctx->state, ctx->block);
    for (i = 0; i < 32; i++)
        out[i] = (uint8_t)(ctx->state[i >> 2] >> (24 - 8 * (i & 3)));
    memset(ctx, 0, sizeof *ctx);
}

void mota_sha256(const void *data, size_t len, uint8_t out[MOTA_SHA256_DIGEST_SIZE])
{
    mota_sha256_ctx ctx;
    mota_sha256_init(&ctx);
    mota_sha256_update(&ctx, data, len);
    mota_sha256_final(&ctx, out);
}
