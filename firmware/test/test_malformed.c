/*
 * Malformed models must be rejected (or run) without any out-of-range access: run under
 * AddressSanitizer + UBSan. For each model given: every truncation length, every byte set
 * to 0x00 / 0xFF / 0x80 / 0x7F / byte^0x01 / byte+0x10, and targeted corruptions (unknown
 * operator, absurd shapes). Each mutant is copied into an exactly-sized heap buffer so ASan
 * catches any read past its end. Also checks named errors for an unknown operator.
 * Usage: test_malformed MODEL.tflite...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"
#include "fb.h"
#include "mota_interp.h"

static unsigned loaded, rejected;

/* Loads a private copy; if it loads, runs it on a few inputs (any outputs are fine). */
static int try_model(const uint8_t *bytes, uint32_t len) {
  static mi_interp_t it;
  static uint8_t arena[2048];
  uint8_t *copy = malloc(len ? len : 1u);
  memcpy(copy, bytes, len);
  mi_init(&it);
  int rc = mi_load(&it, copy, len, arena, sizeof arena);
  if (rc == MI_OK) {
    loaded++;
    mi_tensor_t *in = mi_int8_input(&it);
    for (int v = -128; v <= 127; v += 85) {
      memset(in->data, v, in->bytes);
      mi_invoke_int8(&it);
      mi_invoke(&it);
    }
  } else {
    rejected++;
    if (mi_error(&it)[0] == 0) {
      fprintf(stderr, "FAIL: rejection without a message (rc %d)\n", rc);
      failures++;
    }
  }
  free(copy);
  return rc;
}

static void mutate_all(const char *path) {
  uint32_t len;
  uint8_t *m = read_file(path, &len);
  if (!m) {
    fprintf(stderr, "FAIL: cannot read %s\n", path);
    failures++;
    return;
  }
  if (try_model(m, len) != MI_OK) {
    fprintf(stderr, "FAIL: %s does not load unmodified\n", path);
    failures++;
  }
  for (uint32_t n = 0; n < len; n++) try_model(m, n); /* every truncation */
  uint8_t *w = malloc(len);
  for (uint32_t i = 0; i < len; i++) {
    const uint8_t vals[6] = {0x00, 0xFF, 0x80, 0x7F, (uint8_t)(m[i] ^ 0x01u), (uint8_t)(m[i] + 0x10u)};
    for (int k = 0; k < 6; k++) {
      memcpy(w, m, len);
      w[i] = vals[k];
      try_model(w, len);
    }
  }
  /* Unknown operator: patch every opcode-table entry (both code fields) to CONV_2D (3). */
  memcpy(w, m, len);
  fb_t fb = {w, len, 0};
  uint32_t n_codes, codes = fb_vector(&fb, fb_table_at(&fb, 0), 1, 4, &n_codes);
  for (uint32_t i = 0; i < n_codes; i++) {
    uint32_t oc = fb_vector_table(&fb, codes, i);
    uint32_t dep = fb_field(&fb, oc, 0, 1), bc = fb_field(&fb, oc, 3, 4);
    if (dep) w[dep] = 3;
    if (bc) w[bc] = 3, w[bc + 1] = w[bc + 2] = w[bc + 3] = 0;
  }
  {
    static mi_interp_t it;
    static uint8_t arena[2048];
    mi_init(&it);
    int rc = mi_load(&it, w, len, arena, sizeof arena);
    if (fb.bad || n_codes == 0 || rc != MI_E_UNSUPPORTED || strcmp(mi_error(&it), "unsupported operator CONV_2D") != 0) {
      fprintf(stderr, "FAIL: %s: CONV_2D model gave rc %d \"%s\"\n", path, rc, mi_error(&it));
      failures++;
    }
  }
  /* Absurd shapes: every int32 1 / 16 becomes 0x7FFFFFFF or -1, one at a time. */
  for (uint32_t i = 0; i + 4 <= len; i += 4) {
    if (!((m[i] == 1 || m[i] == 16) && m[i + 1] == 0 && m[i + 2] == 0 && m[i + 3] == 0)) continue;
    memcpy(w, m, len);
    w[i] = 0xFF; w[i + 1] = 0xFF; w[i + 2] = 0xFF; w[i + 3] = 0x7F;
    try_model(w, len);
    memset(w + i, 0xFF, 4);
    try_model(w, len);
  }
  free(w);
  free(m);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_malformed MODEL.tflite...\n");
    return 64;
  }
  for (int i = 1; i < argc; i++) mutate_all(argv[i]);
  if (failures) {
    fprintf(stderr, "test_malformed: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_malformed: %d model(s), %u mutants loaded, %u rejected, no crash\n", argc - 1, loaded, rejected);
  return 0;
}
