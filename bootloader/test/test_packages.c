/* Every package golden vector (protocol/vectors/packages/manifest.json) through checks 1-16. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sha256.h"
#include "verify.h"

void test_packages(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/packages.txt", dir);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL, "cannot open %s", path);
  if (!f) return;
  static char line[4096];
  int n = 0, ok = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "pkg ", 4) != 0) continue;
    strtok(line, " ");
    char *file = strtok(NULL, " ");
    uint32_t capacity = (uint32_t)strtoul(strtok(NULL, " "), NULL, 10);
    int expect = atoi(strtok(NULL, " "));
    int nkeys = atoi(strtok(NULL, " "));
    mota_key_t keys[4];
    for (int i = 0; i < nkeys && i < 4; i++) {
      hex_decode(strtok(NULL, " "), keys[i].key_id, 4);
      hex_decode(strtok(NULL, " "), keys[i].pub, 32);
      uint8_t d[32];
      mota_sha256(keys[i].pub, 32, d);
      CHECK(memcmp(d, keys[i].key_id, 4) == 0, "key id of trusted key %d is SHA-256(pub)[0..4)", i);
    }
    mota_keyring_t ring = {keys, (uint32_t)nkeys};
    size_t len = 0;
    uint8_t *img = read_file(file, &len);
    CHECK(img != NULL, "cannot read %s", file);
    if (!img) continue;
    int rc = mota_verify_package(img, (uint32_t)len, capacity, 1, &ring, NULL);
    CHECK(rc == expect, "%s (capacity %u): got %d (%s), expected %d (%s)", file, capacity, rc,
          mota_package_error_name(rc), expect, mota_package_error_name(expect));
    if (rc == 0) ok++;
    free(img);
    n++;
  }
  fclose(f);
  CHECK(n >= 30, "only %d package vectors", n);
  printf("packages: %d vectors (%d valid)\n", n, ok);
}
