/* Cortex-M3 side of the benchmark: built with arm-none-eabi-gcc, run by m3_run (Unicorn).
 * The host calls bench_entry(cmd, n) with sp, lr set; bench_info tells it where things are. */
#include <stdint.h>

#include "ed25519.h"
#include "sha256.h"
#include "sha512.h"

enum { CMD_VERIFY = 0, CMD_VERIFY_BAD = 1, CMD_SHA256 = 2, CMD_SHA512 = 3 };

/* A 128-byte message (a package header's size), signed by Node's crypto. */
static const uint8_t pub[32] = {0xc8, 0xc4, 0x60, 0xb0, 0x99, 0xea, 0x38, 0xa0, 0x0a, 0xce, 0xb4, 0x31, 0xf6, 0x05, 0x1e, 0x17,
                                0x8e, 0xcf, 0xa5, 0x80, 0xd0, 0xe0, 0x0d, 0xc5, 0x86, 0xc5, 0xdc, 0x0d, 0xe7, 0xa9, 0xd5, 0x46};
static const uint8_t sig[64] = {0x1a, 0x1c, 0x19, 0xee, 0x10, 0x3e, 0x16, 0x88, 0xb7, 0x91, 0xcc, 0x9f, 0x36, 0xfb, 0x30, 0xd0,
                                0x13, 0xde, 0xce, 0xc3, 0x40, 0xe8, 0x52, 0xf8, 0xcb, 0xf6, 0x98, 0x67, 0x4d, 0x8b, 0xde, 0x45,
                                0x96, 0x9a, 0x66, 0x59, 0x11, 0xfe, 0x06, 0x83, 0x35, 0x0e, 0x4b, 0x82, 0xc7, 0xcf, 0xf7, 0x59,
                                0x1a, 0xbc, 0x46, 0xfc, 0xba, 0xe9, 0x43, 0xda, 0x1b, 0x78, 0xb3, 0x2d, 0x9b, 0x5f, 0x6d, 0x01};
static uint8_t msg[128];
static uint8_t data[4096]; /* hashed in place: the content does not change the time */

uint32_t bench_entry(uint32_t cmd, uint32_t n);
uint32_t bench_entry(uint32_t cmd, uint32_t n)
{
    uint8_t d[64];
    unsigned i;
    for (i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37);
    msg[0] = 'M', msg[1] = 'O', msg[2] = 'T', msg[3] = 'A';
    switch (cmd) {
    case CMD_VERIFY:
        return (uint32_t)mota_ed25519_verify(sig, msg, sizeof msg, pub);
    case CMD_VERIFY_BAD:
        msg[100] ^= 1;
        return (uint32_t)mota_ed25519_verify(sig, msg, sizeof msg, pub);
    case CMD_SHA256:
        mota_sha256(data, n > sizeof data ? sizeof data : n, d);
        return d[0];
    case CMD_SHA512:
        mota_sha512(data, n > sizeof data ? sizeof data : n, d);
        return d[0];
    default:
        return 0xffffffffu;
    }
}

void bench_halt(void);
void bench_halt(void)
{
    for (;;)
        ;
}

/* At the start of flash: where to enter and where the call returns to. */
__attribute__((section(".bench_info"), used)) static void (*const bench_info[2])(void) = {
    (void (*)(void))bench_entry, bench_halt};
