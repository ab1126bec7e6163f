/* Ed25519 verification after RFC 8032 §5.1 (edwards25519, p = 2^255 - 19).
 *
 * Field elements: 10 signed limbs of alternately 26 and 25 bits (radix 2^25.5), so limb
 * products fit 64 bits and the M3's SMULL/SMLAL do the work without UMAAL. Every add/sub
 * is carried, keeping limbs within 2^25 (even) / 2^24 + 2^13 (odd)
 * in magnitude, which fe_mul needs (19 g and 2 f must fit 32 bits).
 * Points: extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z, with the a = -1
 * formulas of Hisil-Wong-Carter-Dawson 2008. [S]B - [k]A by Straus' method over sliding
 * windows of odd multiples 1..7 of both points, computed at run time (no ROM tables). */
#include "ed25519.h"

#include <string.h>

#include "sha512.h"

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline)) /* keeps this frame off the caller's: lower peak stack */
#else
#define NOINLINE
#endif

typedef int32_t fe[10];

typedef struct { fe X, Y, Z, T; } ge;                /* extended coordinates */
typedef struct { fe YpX, YmX, Z, T2d; } ge_cached;   /* (Y+X, Y-X, Z, 2dT): addend form */

#define TABLE_SIZE 4                     /* odd multiples 1P, 3P, 5P, 7P */
#define DIGIT_MAX (2 * TABLE_SIZE - 1)   /* largest digit of the sliding window */

static const fe fe_d = {56195235, 13857412, 51736253, 6949390, 114729,
                        24766616, 60832955, 30306712, 48412415, 21499315};   /* -121665/121666 */
static const fe fe_sqrtm1 = {34513072, 25610706, 9377949, 3500415, 12389472,
                             33281959, 41962654, 31548777, 326685, 11406482}; /* 2^((p-1)/4) */
static const ge ge_base = {   /* B = (x, 4/5) with x even (§5.1) */
    {52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491},
    {40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545},
    {1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {28827043, 27438313, 39759291, 244362, 8635006, 11264893, 19351346, 13413597, 16611511, 27139452}};

/* group order L = 2^252 + 27742317777372353535851937790883648493, 32-bit words, little-endian */
static const uint32_t sc_L[8] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0, 0, 0, 0x10000000};

/* ---------------------------------------------------------------- field GF(2^255 - 19) */

static unsigned limb_bits(unsigned i) { return 26 - (i & 1); }

/* Carries t (limbs up to ~2^62) into h, rounding to nearest so limbs may be negative:
 * afterwards |h[even]| <= 2^25 and |h[odd]| <= 2^24 + 2^13. */
static void fe_carry(fe h, int64_t t[10])
{
    unsigned i;
    int64_t c;
    for (i = 0; i < 10; i += 2) {
        c = (t[i] + ((int64_t)1 << 25)) >> 26;
        t[i] -= c * ((int64_t)1 << 26);
        t[i + 1] += c;
        c = (t[i + 1] + ((int64_t)1 << 24)) >> 25;
        t[i + 1] -= c * ((int64_t)1 << 25);
        if (i < 8)
            t[i + 2] += c;
        else
            t[0] += 19 * c; /* 2^255 = 19 (mod p) */
    }
    c = (t[0] + ((int64_t)1 << 25)) >> 26;
    t[0] -= c * ((int64_t)1 << 26);
    t[1] += c;
    for (i = 0; i < 10; i++)
        h[i] = (int32_t)t[i];
}

/* The same in 32 bits, for sums and differences (limbs below 2^28). */
static void fe_carry32(fe h)
{
    unsigned i;
    int32_t c;
    for (i = 0; i < 10; i += 2) {
        c = (h[i] + ((int32_t)1 << 25)) >> 26;
        h[i] -= c * ((int32_t)1 << 26);
        h[i + 1] += c;
        c = (h[i + 1] + ((int32_t)1 << 24)) >> 25;
        h[i + 1] -= c * ((int32_t)1 << 25);
        if (i < 8)
            h[i + 2] += c;
        else
            h[0] += 19 * c;
    }
    c = (h[0] + ((int32_t)1 << 25)) >> 26;
    h[0] -= c * ((int32_t)1 << 26);
    h[1] += c;
}

static void fe_add(fe h, const fe f, const fe g)
{
    unsigned i;
    for (i = 0; i < 10; i++)
        h[i] = f[i] + g[i];
    fe_carry32(h);
}

static void fe_sub(fe h, const fe f, const fe g)
{
    unsigned i;
    for (i = 0; i < 10; i++)
        h[i] = f[i] - g[i];
    fe_carry32(h);
}

static void fe_neg(fe h, const fe f)
{
    unsigned i;
    for (i = 0; i < 10; i++)
        h[i] = -f[i];
}

static void fe_copy(fe h, const fe f) { memcpy(h, f, sizeof(fe)); }

static void fe_set(fe h, int32_t v)
{
    memset(h, 0, sizeof(fe));
    h[0] = v;
}

/* h = f * g, by columns: h[k] = sum over i + j = k of f[i] g[j] plus 19 times the sum
 * over i + j = k + 10 (2^255 = 19). Limb i has weight 2^ceil(25.5 i), so a product of two
 * odd limbs lands one bit above its column: that happens only in even columns, where i
 * and j share their parity, so even columns use f with its odd limbs doubled. The 100
 * terms are spelled out by the macros (constant indices: one SMLAL and two loads each). */
#define FE_TERM(k, i) \
    ((int64_t)((k) & 1 ? f[i] : f2[i]) * ((i) <= (k) ? g : g19)[((k) + 10 - (i)) % 10])
#define FE_COLUMN(k)                                                                           \
    (FE_TERM(k, 0) + FE_TERM(k, 1) + FE_TERM(k, 2) + FE_TERM(k, 3) + FE_TERM(k, 4) +            \
     FE_TERM(k, 5) + FE_TERM(k, 6) + FE_TERM(k, 7) + FE_TERM(k, 8) + FE_TERM(k, 9))

static void fe_mul(fe h, const fe f, const fe g)
{
    int32_t f2[10], g19[10];
    int64_t t[10];
    unsigned i;

    for (i = 0; i < 10; i++) {
        f2[i] = f[i] * (int32_t)(1 + (i & 1));
        g19[i] = 19 * g[i];
    }
    t[0] = FE_COLUMN(0);
    t[1] = FE_COLUMN(1);
    t[2] = FE_COLUMN(2);
    t[3] = FE_COLUMN(3);
    t[4] = FE_COLUMN(4);
    t[5] = FE_COLUMN(5);
    t[6] = FE_COLUMN(6);
    t[7] = FE_COLUMN(7);
    t[8] = FE_COLUMN(8);
    t[9] = FE_COLUMN(9);
    fe_carry(h, t);
}

static void fe_sq(fe h, const fe f) { fe_mul(h, f, f); }

static void fe_sqn(fe h, const fe f, unsigned n)
{
    fe_sq(h, f);
    while (--n)
        fe_sq(h, h);
}

/* Loads 255 bits little-endian; bit 255 (the sign of x in a point encoding) is ignored. */
static void fe_frombytes(fe h, const uint8_t s[32])
{
    unsigned i, off = 0;
    for (i = 0; i < 10; i++) {
        unsigned w = limb_bits(i), b = off >> 3;
        uint32_t v = (uint32_t)s[b] | (uint32_t)s[b + 1] << 8 | (uint32_t)s[b + 2] << 16 | (uint32_t)s[b + 3] << 24;
        h[i] = (int32_t)((v >> (off & 7)) & ((1u << w) - 1));
        off += w;
    }
}

/* Canonical encoding: the unique representative in [0, p). */
static void fe_tobytes(uint8_t s[32], const fe f)
{
    int32_t h[10], q;
    uint64_t acc = 0;
    unsigned i, pass, bits = 0, n = 0;

    /* add 2p limb by limb so every limb is positive, then carry (floor) until the
     * value sits in [0, 2^255): three passes are enough for carried inputs */
    for (i = 0; i < 10; i++)
        h[i] = f[i] + (((int32_t)1 << (limb_bits(i) + 1)) - 2) - (i == 0 ? 36 : 0);
    for (pass = 0; pass < 3; pass++)
        for (i = 0; i < 10; i++) {
            unsigned w = limb_bits(i);
            int32_t c = h[i] >> w;
            h[i] &= ((int32_t)1 << w) - 1;
            if (i < 9)
                h[i + 1] += c;
            else
                h[0] += 19 * c;
        }
    /* subtract p once if value >= p, i.e. if value + 19 reaches 2^255 */
    q = (h[0] + 19) >> 26;
    for (i = 1; i < 10; i++)
        q = (h[i] + q) >> limb_bits(i);
    h[0] += 19 * q;
    for (i = 0; i < 10; i++) {
        unsigned w = limb_bits(i);
        if (i < 9)
            h[i + 1] += h[i] >> w;
        h[i] &= ((int32_t)1 << w) - 1; /* the carry out of limb 9 is the 2^255 of q*p */
    }
    for (i = 0; i < 10; i++) {
        acc |= (uint64_t)(uint32_t)h[i] << bits;
        bits += limb_bits(i);
        while (bits >= 8) {
            s[n++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    s[31] = (uint8_t)acc; /* the last 7 bits; bit 255 is 0 */
}

static int fe_iszero(const fe f)
{
    uint8_t s[32];
    unsigned i, x = 0;
    fe_tobytes(s, f);
    for (i = 0; i < 32; i++)
        x |= s[i];
    return x == 0;
}

static int fe_isodd(const fe f)
{
    uint8_t s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

static int fe_equal(const fe f, const fe g)
{
    fe t;
    fe_sub(t, f, g);
    return fe_iszero(t);
}

/* z11 = z^11 and h = z^(2^250 - 1): the common prefix of the inversion and square-root chains. */
static void fe_pow2_250(fe h, fe z11, const fe z)
{
    fe t0, t1, t2;
    fe_sq(t0, z);            /* z^2 */
    fe_sqn(t1, t0, 2);       /* z^8 */
    fe_mul(t1, t1, z);       /* z^9 */
    fe_mul(z11, t1, t0);     /* z^11 */
    fe_sq(t0, z11);          /* z^22 */
    fe_mul(t0, t0, t1);      /* z^31 = z^(2^5 - 1) */
    fe_sqn(t1, t0, 5);
    fe_mul(t0, t1, t0);      /* 2^10 - 1 */
    fe_sqn(t1, t0, 10);
    fe_mul(t1, t1, t0);      /* 2^20 - 1 */
    fe_sqn(t2, t1, 20);
    fe_mul(t1, t2, t1);      /* 2^40 - 1 */
    fe_sqn(t1, t1, 10);
    fe_mul(t0, t1, t0);      /* 2^50 - 1 */
    fe_sqn(t1, t0, 50);
    fe_mul(t1, t1, t0);      /* 2^100 - 1 */
    fe_sqn(t2, t1, 100);
    fe_mul(t1, t2, t1);      /* 2^200 - 1 */
    fe_sqn(t1, t1, 50);
    fe_mul(h, t1, t0);       /* 2^250 - 1 */
}

static void fe_invert(fe h, const fe z)  /* z^(p-2) = z^(2^255 - 21) */
{
    fe t, z11;
    fe_pow2_250(t, z11, z);
    fe_sqn(t, t, 5);
    fe_mul(h, t, z11);
}

static void fe_pow22523(fe h, const fe z) /* z^((p-5)/8) = z^(2^252 - 3) */
{
    fe t, z11;
    fe_pow2_250(t, z11, z);
    fe_sqn(t, t, 2);
    fe_mul(h, t, z);
}

/* ---------------------------------------------------------------- group */

/* (X:Y:Z:T) = (EF : GH : FG : EH); T only when the next operation is an addition. */
static void ge_finish(ge *r, const fe e, const fe f, const fe g, const fe h, int need_t)
{
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->Z, f, g);
    if (need_t)
        fe_mul(r->T, e, h);
}

static void ge_to_cached(ge_cached *c, const ge *p)
{
    fe_add(c->YpX, p->Y, p->X);
    fe_sub(c->YmX, p->Y, p->X);
    fe_copy(c->Z, p->Z);
    fe_add(c->T2d, fe_d, fe_d);
    fe_mul(c->T2d, c->T2d, p->T);
}

/* r = p + q, or p - q when negate (add-2008-hwcd-3, a = -1). */
static void ge_add(ge *r, const ge *p, const ge_cached *q, int negate, int need_t)
{
    fe a, b, c, d, e, h;
    fe_add(a, p->Y, p->X);
    fe_mul(a, a, negate ? q->YmX : q->YpX);   /* (Y1+X1)(Y2+X2) */
    fe_sub(b, p->Y, p->X);
    fe_mul(b, b, negate ? q->YpX : q->YmX);   /* (Y1-X1)(Y2-X2) */
    fe_mul(c, p->T, q->T2d);                  /* 2d T1 T2 */
    if (negate)
        fe_neg(c, c);
    fe_mul(d, p->Z, q->Z);
    fe_add(d, d, d);                          /* 2 Z1 Z2 */
    fe_sub(e, a, b);
    fe_add(h, a, b);
    fe_sub(a, d, c);                          /* F */
    fe_add(b, d, c);                          /* G */
    ge_finish(r, e, a, b, h, need_t);
}

/* r = 2p (dbl-2008-hwcd, a = -1); p's T is not read. */
static void ge_dbl(ge *r, const ge *p, int need_t)
{
    fe a, b, c, e, g, h;
    fe_sq(a, p->X);
    fe_sq(b, p->Y);
    fe_sq(c, p->Z);
    fe_add(c, c, c);                          /* C = 2Z^2 */
    fe_add(e, p->X, p->Y);
    fe_sq(e, e);
    fe_sub(e, e, a);
    fe_sub(e, e, b);                          /* E = 2XY */
    fe_sub(g, b, a);                          /* G = Y^2 - X^2 */
    fe_add(h, a, b);
    fe_neg(h, h);                             /* H = -X^2 - Y^2 */
    fe_sub(c, g, c);                          /* F = G - C */
    ge_finish(r, e, c, g, h, need_t);
}

/* RFC 8032 §5.1.3. Returns 0, or -1 when s is not a canonical encoding of a curve point. */
static NOINLINE int ge_decode(ge *p, const uint8_t s[32])
{
    uint8_t y_bytes[32];
    fe u, v, v3, vx2;

    fe_frombytes(p->Y, s);
    fe_tobytes(y_bytes, p->Y);
    y_bytes[31] |= s[31] & 0x80;
    if (memcmp(y_bytes, s, 32) != 0)
        return -1;                            /* y >= p */
    fe_set(p->Z, 1);
    fe_sq(u, p->Y);
    fe_mul(v, u, fe_d);
    fe_sub(u, u, p->Z);                       /* u = y^2 - 1 */
    fe_add(v, v, p->Z);                       /* v = d y^2 + 1 */
    fe_sq(v3, v);
    fe_mul(v3, v3, v);                        /* v^3 */
    fe_sq(p->X, v3);
    fe_mul(p->X, p->X, v);
    fe_mul(p->X, p->X, u);                    /* u v^7 */
    fe_pow22523(p->X, p->X);
    fe_mul(p->X, p->X, v3);
    fe_mul(p->X, p->X, u);                    /* x = u v^3 (u v^7)^((p-5)/8) */
    fe_sq(vx2, p->X);
    fe_mul(vx2, vx2, v);
    if (!fe_equal(vx2, u)) {
        fe_neg(u, u);
        if (!fe_equal(vx2, u))
            return -1;                        /* no square root: not on the curve */
        fe_mul(p->X, p->X, fe_sqrtm1);
    }
    if (fe_isodd(p->X) != (s[31] >> 7)) {
        if (fe_iszero(p->X))
            return -1;                        /* x = 0 with sign bit 1 */
        fe_neg(p->X, p->X);
    }
    fe_mul(p->T, p->X, p->Y);
    return 0;
}

static NOINLINE void ge_encode(uint8_t s[32], const ge *p)
{
    fe zi, x, y;
    fe_invert(zi, p->Z);
    fe_mul(x, p->X, zi);
    fe_mul(y, p->Y, zi);
    fe_tobytes(s, y);
    s[31] |= (uint8_t)(fe_isodd(x) << 7);
}

/* [8]p is the identity exactly when p has small order (1, 2, 4 or 8). */
static int ge_has_small_order(const ge *p)
{
    ge q;
    ge_dbl(&q, p, 0);
    ge_dbl(&q, &q, 0);
    ge_dbl(&q, &q, 0);
    return fe_iszero(q.X);   /* x = 0: (0, 1); (0, -1) has order 2, so it is not [8]p */
}

/* t[i] = (2i + 1) p */
static void ge_odd_multiples(ge_cached t[TABLE_SIZE], const ge *p)
{
    ge acc;
    ge_cached c2;
    unsigned i;
    ge_to_cached(&t[0], p);
    ge_dbl(&acc, p, 1);
    ge_to_cached(&c2, &acc);
    acc = *p;
    for (i = 1; i < TABLE_SIZE; i++) {
        ge_add(&acc, &acc, &c2, 0, 1);
        ge_to_cached(&t[i], &acc);
    }
}

/* ---------------------------------------------------------------- scalars mod L */

/* r -= L if r >= L; returns 1 when it subtracted. */
static int sc_reduce_once(uint32_t r[8])
{
    uint32_t t[8];
    uint64_t borrow = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        uint64_t d = (uint64_t)r[i] - sc_L[i] - borrow;
        t[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    if (borrow)
        return 0;
    memcpy(r, t, sizeof t);
    return 1;
}

static void sc_load(uint32_t r[8], const uint8_t *s)
{
    unsigned i;
    for (i = 0; i < 8; i++)
        r[i] = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 | (uint32_t)s[4 * i + 2] << 16 |
               (uint32_t)s[4 * i + 3] << 24;
}

static void sc_store(uint8_t s[32], const uint32_t r[8])
{
    unsigned i;
    for (i = 0; i < 32; i++)
        s[i] = (uint8_t)(r[i >> 2] >> (8 * (i & 3)));
}

/* out = in mod L for a 512-bit little-endian in: shift in one bit at a time, most
 * significant first, keeping r < L (r < 2^253, so 2r + 1 fits in 256 bits). Slow but
 * tiny, and run once per signature (~512 x 16 word operations). */
static void sc_reduce512(uint8_t out[32], const uint8_t in[64])
{
    uint32_t r[8] = {0};
    int bit;
    unsigned i;
    for (bit = 511; bit >= 0; bit--) {
        uint32_t carry = (in[bit >> 3] >> (bit & 7)) & 1;
        for (i = 0; i < 8; i++) {
            uint32_t top = r[i] >> 31;
            r[i] = r[i] << 1 | carry;
            carry = top;
        }
        sc_reduce_once(r);
    }
    sc_store(out, r);
}

/* Signed digits r[i] in {0, +-1, +-3, .., +-DIGIT_MAX}, sum r[i] 2^i = a, nonzero digits
 * sparse (a sliding window over the bits). a < 2^253, so no carry leaves bit 255. */
static void sc_slide(int8_t r[256], const uint8_t a[32])
{
    unsigned i, b, k;
    for (i = 0; i < 256; i++)
        r[i] = (int8_t)((a[i >> 3] >> (i & 7)) & 1);
    for (i = 0; i < 256; i++) {
        if (!r[i])
            continue;
        for (b = 1; b <= 6 && i + b < 256; b++) {
            int v;
            if (!r[i + b])
                continue;
            v = r[i + b] << b; /* r[i + b] is still 0 or 1 here */
            if (r[i] + v <= DIGIT_MAX) {
                r[i] = (int8_t)(r[i] + v);
                r[i + b] = 0;
            } else if (r[i] - v >= -DIGIT_MAX) {
                r[i] = (int8_t)(r[i] - v);
                for (k = i + b; k < 256; k++) { /* add 2^(i+b) back: propagate the carry */
                    if (!r[k]) {
                        r[k] = 1;
                        break;
                    }
                    r[k] = 0;
                }
            } else {
                break;
            }
        }
    }
}

/* ---------------------------------------------------------------- verify (§5.1.7) */

/* k = SHA-512(R || A || M) mod L */
static NOINLINE void challenge(uint8_t k[32], const uint8_t r[32], const uint8_t pub[32], const uint8_t *msg,
                               size_t len)
{
    mota_sha512_ctx hash;
    uint8_t digest[64];
    mota_sha512_init(&hash);
    mota_sha512_update(&hash, r, 32);
    mota_sha512_update(&hash, pub, 32);
    mota_sha512_update(&hash, msg, len);
    mota_sha512_final(&hash, digest);
    sc_reduce512(k, digest);
}

int mota_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pub[32])
{
    uint8_t k[32], check[32];
    uint32_t s[8];
    int8_t k_digits[256], s_digits[256];
    ge a, r;
    ge_cached a_mult[TABLE_SIZE], b_mult[TABLE_SIZE];
    int i;

    sc_load(s, sig + 32);
    if (sc_reduce_once(s))
        return -1;                            /* S >= L */
    if (ge_decode(&a, pub) != 0 || ge_has_small_order(&a))
        return -1;

    challenge(k, sig, pub, msg, len);

    /* R' = [S]B + [k](-A); the signature holds when encode(R') equals the R bytes. That
     * comparison also refuses every R that is not a canonical point encoding, so R is
     * never decoded (encode() only produces canonical encodings of curve points). */
    fe_neg(a.X, a.X);
    fe_neg(a.T, a.T);
    ge_odd_multiples(a_mult, &a);
    ge_odd_multiples(b_mult, &ge_base);
    sc_slide(k_digits, k);
    sc_slide(s_digits, sig + 32);

    fe_set(r.X, 0);
    fe_set(r.Y, 1);
    fe_set(r.Z, 1);
    fe_set(r.T, 0);
    for (i = 255; i >= 0 && !k_digits[i] && !s_digits[i]; i--)
        ;
    for (; i >= 0; i--) {
        int kd = k_digits[i], sd = s_digits[i];
        ge_dbl(&r, &r, kd || sd);
        if (kd)
            ge_add(&r, &r, &a_mult[(kd < 0 ? -kd : kd) >> 1], kd < 0, sd != 0);
        if (sd)
            ge_add(&r, &r, &b_mult[(sd < 0 ? -sd : sd) >> 1], sd < 0, 0);
    }
    ge_encode(check, &r);
    return memcmp(check, sig, 32) == 0 ? 0 : -1;
}
