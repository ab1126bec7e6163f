#include <stdlib.h>
#include <string.h>

#include "harness.h"

int t_failures;
int t_checks;

long hex_decode(const char *hex, uint8_t *out, size_t cap) {
  if (strcmp(hex, "-") == 0) return 0;
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1u);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s VECTOR_DIR (made by test/vectors.mjs)\n", argv[0]);
    return 2;
  }
  test_frames(argv[1]);
  test_packages(argv[1]);
  test_journal();
  test_scenarios(argv[1]);
  test_power_cuts(argv[1]);
  test_fuzz(argv[1]);
  printf("%s: %d checks, %d failures\n", t_failures ? "FAILED" : "ok", t_checks, t_failures);
  return t_failures ? 1 : 0;
}
