/* Host tests of bootloader/crypto: FIPS 180 / RFC 6234 hash vectors, RFC 8032 §7.1
 * Ed25519 vectors, and a vector file written by Node's crypto (gen_vectors.mjs).
 *   test_crypto VECTORS_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ed25519.h"
#include "sha256.h"
#include "sha512.h"

static int failures, checks;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        checks++;                                          \
        if (!(cond)) {                                     \
            failures++;                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fputc('\n', stderr);                           \
        }                                                  \
    } while (0)

/* Decodes hex ("-" is empty) into a malloc'd buffer; returns its length. */
static size_t unhex(const char *hex, uint8_t **out)
{
    size_t n = strcmp(hex, "-") == 0 ? 0 : strlen(hex) / 2, i;
    *out = malloc(n ? n : 1);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            fprintf(stderr, "bad hex: %s\n", hex);
            exit(2);
        }
        (*out)[i] = (uint8_t)v;
    }
    return n;
}

static void unhex_fixed(const char *hex, uint8_t *out, size_t n)
{
    uint8_t *buf;
    if (unhex(hex, &buf) != n) {
        fprintf(stderr, "expected %zu bytes of hex: %s\n", n, hex);
        exit(2);
    }
    memcpy(out, buf, n);
    free(buf);
}

static int digest_is(const uint8_t *d, size_t n, const char *hex)
{
    uint8_t want[64];
    unhex_fixed(hex, want, n);
    return memcmp(d, want, n) == 0;
}

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void) /* xorshift32: reproducible choice of bits to flip */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* ---------------------------------------------------------------- SHA-256 / SHA-512 */

static const char MSG448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char MSG896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                             "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void sha256_matches_fips180_examples(void)
{
    static const struct { const char *msg; unsigned repeat; const char *digest; } v[] = {
        {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {MSG448, 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {MSG896, 1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        /* RFC 6234 §8.5 TEST4: "01234567" x 80 = 640 bytes, ten blocks */
        {"0123456701234567012345670123456701234567012345670123456701234567", 10,
         "594847328451bdfa85056225462cc1d867d877fb388df0ce35f25ab5562bfbb5"},
        {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    size_t i, r;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        mota_sha256_ctx ctx;
        uint8_t d[32];
        mota_sha256_init(&ctx);
        for (r = 0; r < v[i].repeat; r++)
            mota_sha256_update(&ctx, v[i].msg, strlen(v[i].msg));
        mota_sha256_final(&ctx, d);
        CHECK(digest_is(d, 32, v[i].digest), "sha256 vector %zu", i);
    }
}

static void sha512_matches_fips180_examples(void)
{
    static const struct { const char *msg; unsigned repeat; const char *digest; } v[] = {
        {"", 1, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
        {"abc", 1, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
        {MSG448, 1, "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
                    "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"},
        {MSG896, 1, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                    "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
        {"0123456701234567012345670123456701234567012345670123456701234567", 10,
         "89d05ba632c699c31231ded4ffc127d5a894dad412c0e024db872d1abd2ba814"
         "1a0f85072a9be1e2aa04cf33c765cb510813a39cd5a84c4acaa64d3f3fb7bae9"},
        {"a", 1000000, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                       "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
    };
    size_t i, r;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        mota_sha512_ctx ctx;
        uint8_t d[64];
        mota_sha512_init(&ctx);
        for (r = 0; r < v[i].repeat; r++)
            mota_sha512_update(&ctx, v[i].msg, strlen(v[i].msg));
        mota_sha512_final(&ctx, d);
        CHECK(digest_is(d, 64, v[i].digest), "sha512 vector %zu", i);
    }
}

/* The bootloader hashes the body as it streams in: any chunking must give one digest. */
static void hashes_do_not_depend_on_how_updates_are_split(void)
{
    static uint8_t data[1000];
    uint8_t whole256[32], whole512[64], d256[32], d512[64];
    size_t i, split, pos;
    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)rng();
    mota_sha256(data, sizeof data, whole256);
    mota_sha512(data, sizeof data, whole512);
    for (split = 0; split <= 300; split++) { /* two updates, every cut point */
        mota_sha256_ctx c2;
        mota_sha512_ctx c5;
        mota_sha256_init(&c2);
        mota_sha512_init(&c5);
        mota_sha256_update(&c2, data, split);
        mota_sha256_update(&c2, data + split, sizeof data - split);
        mota_sha512_update(&c5, data, split);
        mota_sha512_update(&c5, data + split, sizeof data - split);
        mota_sha256_final(&c2, d256);
        mota_sha512_final(&c5, d512);
        CHECK(memcmp(d256, whole256, 32) == 0, "sha256 split at %zu", split);
        CHECK(memcmp(d512, whole512, 64) == 0, "sha512 split at %zu", split);
    }
    for (i = 0; i < 50; i++) { /* many random-sized updates, including empty ones */
        mota_sha256_ctx c2;
        mota_sha512_ctx c5;
        mota_sha256_init(&c2);
        mota_sha512_init(&c5);
        for (pos = 0; pos < sizeof data;) {
            size_t n = rng() % 200;
            if (n > sizeof data - pos)
                n = sizeof data - pos;
            mota_sha256_update(&c2, data + pos, n);
            mota_sha512_update(&c5, data + pos, n);
            pos += n;
        }
        mota_sha256_final(&c2, d256);
        mota_sha512_final(&c5, d512);
        CHECK(memcmp(d256, whole256, 32) == 0, "sha256 random chunks, round %zu", i);
        CHECK(memcmp(d512, whole512, 64) == 0, "sha512 random chunks, round %zu", i);
    }
}

/* ---------------------------------------------------------------- Ed25519 */

typedef struct {
    uint8_t pub[32], sig[64];
    uint8_t *msg;
    size_t len;
} signed_msg;

static int verify(const signed_msg *v) { return mota_ed25519_verify(v->sig, v->msg, v->len, v->pub); }

/* S + L: the same scalar mod L, but a non-canonical encoding (S < L < 2^253, no overflow). */
static void add_l_to_s(uint8_t sig[64])
{
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    unsigned i, carry = 0;
    for (i = 0; i < 32; i++) {
        carry += sig[32 + i] + L[i];
        sig[32 + i] = (uint8_t)carry;
        carry >>= 8;
    }
}

/* A valid signature must verify; with any one bit changed in sig, msg or pub, or with S
 * replaced by S + L, it must not. flips_each = how many random bits to try per field. */
static void check_signed_msg(const char *name, signed_msg *v, unsigned flips_each)
{
    unsigned n;
    CHECK(verify(v) == 0, "%s: valid signature rejected", name);
    for (n = 0; n < flips_each; n++) {
        unsigned bit = rng() % 512;
        v->sig[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        CHECK(verify(v) != 0, "%s: accepted with sig bit %u flipped", name, bit);
        v->sig[bit >> 3] ^= (uint8_t)(1u << (bit & 7));

        bit = rng() % 256;
        v->pub[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        CHECK(verify(v) != 0, "%s: accepted with pub bit %u flipped", name, bit);
        v->pub[bit >> 3] ^= (uint8_t)(1u << (bit & 7));

        if (v->len) {
            bit = rng() % (unsigned)(8 * v->len);
            v->msg[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
            CHECK(verify(v) != 0, "%s: accepted with msg bit %u flipped", name, bit);
            v->msg[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        }
    }
    {
        signed_msg w = *v;
        add_l_to_s(w.sig);
        CHECK(verify(&w) != 0, "%s: accepted non-canonical S + L", name);
        if (v->len) { /* one byte shorter, one byte longer */
            w = *v;
            w.len--;
            CHECK(verify(&w) != 0, "%s: accepted truncated message", name);
        }
    }
    CHECK(verify(v) == 0, "%s: valid signature rejected after restoring it", name);
}

static void rfc8032_test_vectors_verify(void)
{
    static const struct { const char *name, *pub, *msg, *sig; } v[] = {
        {"TEST 1", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "-",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"TEST 2", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"TEST 3", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
        {"TEST 1024", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
         "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
         "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
         "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
         "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
         "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
         "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
         "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
         "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
         "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
         "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
         "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
         "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
         "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
         "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
         "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
         "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
         "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
         "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
         "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
         "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
         "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
         "c60c905c15fc910840b94c00a0b9d0",
         "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
        {"TEST SHA(abc)", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
    };
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        signed_msg s;
        unhex_fixed(v[i].pub, s.pub, 32);
        unhex_fixed(v[i].sig, s.sig, 64);
        s.len = unhex(v[i].msg, &s.msg);
        CHECK(s.len == (i == 3 ? 1023u : i == 4 ? 64u : i), "%s: message length %zu", v[i].name, s.len);
        check_signed_msg(v[i].name, &s, 16);
        free(s.msg);
    }
}

/* Exhaustive: every single-bit change of TEST 2's signature and public key is refused. */
static void every_single_bit_flip_of_test2_is_rejected(void)
{
    signed_msg s;
    unsigned bit, accepted = 0;
    unhex_fixed("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", s.pub, 32);
    unhex_fixed("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", s.sig, 64);
    s.len = unhex("72", &s.msg);
    for (bit = 0; bit < 512; bit++) {
        s.sig[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        accepted += verify(&s) == 0;
        s.sig[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
    }
    for (bit = 0; bit < 256; bit++) {
        s.pub[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
        accepted += verify(&s) == 0;
        s.pub[bit >> 3] ^= (uint8_t)(1u << (bit & 7));
    }
    CHECK(accepted == 0, "%u single-bit changes of TEST 2 accepted", accepted);
    CHECK(verify(&s) == 0, "TEST 2 rejected");
    free(s.msg);
}

/* Public keys that are not canonical encodings of curve points never verify anything. */
static void undecodable_public_keys_are_rejected(void)
{
    static const char *bad[] = {
        "0200000000000000000000000000000000000000000000000000000000000000", /* y = 2: x^2 not a square */
        "0700000000000000000000000000000000000000000000000000000000000000", /* y = 7: likewise */
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p */
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p + 1 (non-canonical 1) */
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = 2^255 - 1 */
        "0100000000000000000000000000000000000000000000000000000000000080", /* x = 0 with sign bit set */
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* y = -1, x = 0, sign bit set */
    };
    /* a signature over "" for which R = [S]B + [k]A would hold if A were the identity */
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        signed_msg s;
        unhex_fixed(bad[i], s.pub, 32);
        unhex_fixed("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                    s.sig, 64);
        s.msg = NULL;
        s.len = 0;
        CHECK(verify(&s) != 0, "undecodable public key %s accepted", bad[i]);
    }
}

/* ---------------------------------------------------------------- Node's vectors */

static void node_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    static char line[8192];
    unsigned valid = 0, forged = 0, hashes = 0;
    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        char *kind = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n"),
             *c = strtok(NULL, " \n");
        if (!kind || !a || !b) {
            fprintf(stderr, "%s: malformed line\n", path);
            exit(2);
        }
        if (strcmp(kind, "sha256") == 0 || strcmp(kind, "sha512") == 0) {
            uint8_t *m, d[64];
            size_t n = unhex(a, &m), dlen = kind[3] == '2' ? 32 : 64;
            if (dlen == 32)
                mota_sha256(m, n, d);
            else
                mota_sha512(m, n, d);
            CHECK(digest_is(d, dlen, b), "%s of %zu bytes differs from Node", kind, n);
            hashes++;
            free(m);
        } else if (c && (strcmp(kind, "valid") == 0 || strcmp(kind, "forge") == 0)) {
            signed_msg s;
            char name[64];
            unhex_fixed(a, s.pub, 32);
            s.len = unhex(b, &s.msg);
            unhex_fixed(c, s.sig, 64);
            if (kind[0] == 'v') {
                snprintf(name, sizeof name, "node vector %u", valid++);
                check_signed_msg(name, &s, 1);
            } else {
                CHECK(verify(&s) != 0, "forgery %u against small-order key %s accepted", forged, a);
                forged++;
            }
            free(s.msg);
        } else if (strcmp(kind, "fe") && strcmp(kind, "inv") && strcmp(kind, "modl")) { /* those: test_field */
            fprintf(stderr, "%s: unknown line kind %s\n", path, kind);
            exit(2);
        }
    }
    fclose(f);
    CHECK(valid >= 200, "only %u Node signatures in %s", valid, path);
    CHECK(forged == 8, "expected 8 small-order forgeries, found %u", forged);
    CHECK(hashes >= 100, "only %u Node hashes in %s", hashes, path);
    printf("node vectors: %u signatures, %u small-order forgeries, %u hashes\n", valid, forged, hashes);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_FILE (written by gen_vectors.mjs)\n", argv[0]);
        return 2;
    }
    sha256_matches_fips180_examples();
    sha512_matches_fips180_examples();
    hashes_do_not_depend_on_how_updates_are_split();
    rfc8032_test_vectors_verify();
    every_single_bit_flip_of_test2_is_rejected();
    undecodable_public_keys_are_rejected();
    node_vectors(argv[1]);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
