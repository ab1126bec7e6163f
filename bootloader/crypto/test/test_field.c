/* White-box tests of ed25519.c's field and scalar arithmetic against Node BigInt results
 * (the "fe", "inv" and "modl" lines of gen_vectors.mjs).
 *   test_field VECTORS_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ed25519.c" /* the static functions under test */

static int failures, checks;

static void unhex_fixed(const char *hex, uint8_t *out, size_t n)
{
    size_t i;
    if (!hex || strlen(hex) != 2 * n) {
        fprintf(stderr, "expected %zu bytes of hex: %s\n", n, hex ? hex : "(none)");
        exit(2);
    }
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            fprintf(stderr, "bad hex: %s\n", hex);
            exit(2);
        }
        out[i] = (uint8_t)v;
    }
}

static void expect_fe(const fe f, const uint8_t want[32], const char *what, const char *a_hex)
{
    uint8_t got[32];
    fe_tobytes(got, f);
    checks++;
    if (memcmp(got, want, 32) != 0) {
        failures++;
        fprintf(stderr, "FAIL %s with a = %s\n", what, a_hex);
    }
}

int main(int argc, char **argv)
{
    static char line[1024];
    FILE *f;
    unsigned fe_lines = 0, inv_lines = 0, modl_lines = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_FILE (written by gen_vectors.mjs)\n", argv[0]);
        return 2;
    }
    f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    while (fgets(line, sizeof line, f)) {
        char *kind = strtok(line, " \n"), *w[6];
        unsigned i;
        for (i = 0; i < 6; i++)
            w[i] = strtok(NULL, " \n");
        if (!kind)
            continue;
        if (strcmp(kind, "fe") == 0) {
            uint8_t a_bytes[32], b_bytes[32], want[32];
            fe a, b, t, sum, diff;
            unhex_fixed(w[0], a_bytes, 32);
            unhex_fixed(w[1], b_bytes, 32);
            fe_frombytes(a, a_bytes);
            fe_frombytes(b, b_bytes);
            fe_mul(t, a, b);
            unhex_fixed(w[2], want, 32);
            expect_fe(t, want, "a * b", w[0]);
            fe_add(sum, a, b);
            unhex_fixed(w[3], want, 32);
            expect_fe(sum, want, "a + b", w[0]);
            fe_sub(diff, a, b);
            unhex_fixed(w[4], want, 32);
            expect_fe(diff, want, "a - b", w[0]);
            fe_mul(t, sum, diff); /* carried, possibly negative limbs in */
            unhex_fixed(w[5], want, 32);
            expect_fe(t, want, "(a + b)(a - b)", w[0]);
            fe_neg(t, diff);
            fe_add(t, t, diff);
            checks++;
            if (!fe_iszero(t)) {
                failures++;
                fprintf(stderr, "FAIL -(a - b) + (a - b) != 0 with a = %s\n", w[0]);
            }
            fe_lines++;
        } else if (strcmp(kind, "inv") == 0) {
            uint8_t a_bytes[32], want[32];
            fe a, t;
            unhex_fixed(w[0], a_bytes, 32);
            unhex_fixed(w[1], want, 32);
            fe_frombytes(a, a_bytes);
            fe_invert(t, a);
            expect_fe(t, want, "1 / a", w[0]);
            inv_lines++;
        } else if (strcmp(kind, "modl") == 0) {
            uint8_t x[64], want[32], got[32];
            unhex_fixed(w[0], x, 64);
            unhex_fixed(w[1], want, 32);
            sc_reduce512(got, x);
            checks++;
            if (memcmp(got, want, 32) != 0) {
                failures++;
                fprintf(stderr, "FAIL x mod L with x = %s\n", w[0]);
            }
            modl_lines++;
        }
    }
    fclose(f);
    checks++;
    if (fe_lines < 200 || inv_lines < 200 || modl_lines < 200) {
        failures++;
        fprintf(stderr, "FAIL too few field vectors: %u fe, %u inv, %u modl\n", fe_lines, inv_lines, modl_lines);
    }
    printf("field vectors: %u fe, %u inv, %u modl; %d checks, %d failures\n", fe_lines, inv_lines, modl_lines,
           checks, failures);
    return failures ? 1 : 0;
}
