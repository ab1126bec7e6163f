/* A minimal test harness: CHECK records a failure with its line and goes on. */
#ifndef MOTA_HARNESS_H
#define MOTA_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int t_failures;
extern int t_checks;

#define CHECK(cond, ...)                                                 \
  do {                                                                   \
    t_checks++;                                                          \
    if (!(cond)) {                                                       \
      t_failures++;                                                      \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
      fprintf(stderr, __VA_ARGS__);                                      \
      fprintf(stderr, "\n");                                             \
    }                                                                    \
  } while (0)

#define CHECK_EQ(a, b, ...)                                                   \
  do {                                                                        \
    long long got_ = (long long)(a), want_ = (long long)(b);                  \
    CHECK(got_ == want_, __VA_ARGS__);                                        \
    if (got_ != want_) fprintf(stderr, "  got %lld, want %lld\n", got_, want_); \
  } while (0)

/* Hex string to bytes ("-" is empty); returns the byte count or -1. */
long hex_decode(const char *hex, uint8_t *out, size_t cap);
/* Reads a whole file into a malloc'd buffer; NULL on failure. */
uint8_t *read_file(const char *path, size_t *len);

void test_frames(const char *dir);
void test_packages(const char *dir);
void test_journal(void);
void test_scenarios(const char *dir);
void test_power_cuts(const char *dir);
void test_fuzz(const char *dir);

#endif
