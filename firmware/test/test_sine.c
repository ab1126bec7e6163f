/*
 * Host checks of the app's arithmetic against libm: mota_sinf (the boot report's y_ref),
 * the x sequence and plot-value rounding of SPEC §4.2, and the interpreter's frexp/round
 * helpers that QuantizeMultiplier relies on.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "mota_interp.h"
#include "sine.h"


int main(void) {
  double worst = 0;
  for (int i = 0; i < 100000; i++) {
    float x = (float)(i * (6.283185307179586 / 100000));
    double e = fabs((double)mota_sinf(x) - sin((double)x));
    if (e > worst) worst = e;
  }
  CHECK(worst < 1e-5, "mota_sinf max error %g", worst);
  for (uint32_t n = 0; n < 200; n++) {
    float want = (float)(n % MOTA_SINE_STEPS) * (float)(6.283185307179586 / MOTA_SINE_STEPS);
    CHECK(mota_sine_x(n) == want, "x(%u)", n);
    /* y_ref from mota_sinf matches libm's after the x1000 rounding within 1 unit */
    int a = mota_plot_value(mota_sinf(mota_sine_x(n))), b = mota_plot_value((float)sin(mota_sine_x(n)));
    CHECK(a - b <= 1 && b - a <= 1, "plot value of sin(x(%u)): %d vs %d", n, a, b);
  }
  CHECK(mota_plot_value(0.0f) == 1000, "0 -> 1000");
  CHECK(mota_plot_value(1.0f) == 2000, "1 -> 2000");
  CHECK(mota_plot_value(-1.0f) == 0, "-1 -> 0");
  CHECK(mota_plot_value(0.0005f) == 1001, "0.0005 rounds away from zero");
  CHECK(mota_plot_value(-0.0005f) == 999, "-0.0005 rounds away from zero");
  CHECK(mota_plot_value(NAN) == -31000, "NaN is clamped, not UB");

  const double samples[] = {1.0, 0.75, 3.0e-5, 1.0e-300, 4.9e-324, 123456.789, 0.5, 2.0e-38};
  for (unsigned i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    int e1, e2;
    double f1 = mi_frexp(samples[i], &e1), f2 = frexp(samples[i], &e2);
    CHECK(f1 == f2 && e1 == e2, "frexp(%g): %g*2^%d vs %g*2^%d", samples[i], f1, e1, f2, e2);
  }
  for (double x = -5.0; x <= 5.0; x += 0.25) CHECK(mi_round(x) == round(x), "round(%g)", x);
  for (float x = -5.0f; x <= 5.0f; x += 0.25f) CHECK(mi_roundf(x) == roundf(x), "roundf(%g)", (double)x);
  CHECK(mi_quantize_f32(1.0f, 0.5f, 3) == 5, "quantize");
  CHECK(mi_quantize_f32(1e30f, 0.5f, 3) == 127 && mi_quantize_f32(-1e30f, 0.5f, 3) == -128, "quantize clamps");

  /* The integer QuantizeMultiplier equals the double one on random float pairs. */
  uint64_t seed = 0x9E3779B97F4A7C15u;
  unsigned mismatches = 0, compared = 0;
  for (int i = 0; i < 2000000; i++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    uint32_t a = (uint32_t)(seed >> 33) & 0x7FFFFFFFu;
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    uint32_t b = (uint32_t)(seed >> 33) & 0x7FFFFFFFu;
    if (i % 4 == 0) b = (b & 0x807FFFFFu) | ((a & 0x7F800000u) ^ 0x00800000u); /* similar exponents */
    float fa, fb;
    memcpy(&fa, &a, 4);
    memcpy(&fb, &b, 4);
    if (!isfinite(fa) || !isfinite(fb) || fb == 0.0f) continue;
    for (int rounding = 0; rounding <= 1; rounding++) {
      int32_t m1, m2;
      int s1, s2;
      int ok1 = mi_quantize_multiplier((double)fa / (double)fb, rounding, &m1, &s1);
      int ok2 = mi_quantize_multiplier_ratio(fa, fb, rounding, &m2, &s2);
      compared++;
      int32_t m3, m4;
      int s3, s4;
      float fc = fa * 0.75f + 1e-30f; /* a third factor for the product form */
      int ok3 = isfinite(fc) && mi_quantize_multiplier(((double)fa * (double)fc) / (double)fb, rounding, &m3, &s3);
      int ok4 = isfinite(fc) && mi_quantize_multiplier_product(fa, fc, fb, rounding, &m4, &s4);
      if (ok3 != ok4 || (ok3 && (m3 != m4 || s3 != s4))) {
        if (mismatches++ < 5)
          fprintf(stderr, "product multiplier %a * %a / %a (rounding %d): double %d %d*2^%d, integer %d %d*2^%d\n",
                  (double)fa, (double)fc, (double)fb, rounding, ok3, m3, s3, ok4, m4, s4);
      }
      if (ok1 != ok2 || (ok1 && (m1 != m2 || s1 != s2))) {
        if (mismatches++ < 5)
          fprintf(stderr, "multiplier %a / %a (rounding %d): double %d %d*2^%d, integer %d %d*2^%d\n", (double)fa,
                  (double)fb, rounding, ok1, m1, s1, ok2, m2, s2);
      }
    }
  }
  CHECK(mismatches == 0, "integer QuantizeMultiplier differs in %u of %u cases", mismatches, compared);

  /* The packed operator-name table (first, the ones we run, last, beyond). */
  const struct { uint32_t code; const char *name; } ops[] = {
      {0, "ADD"}, {3, "CONV_2D"}, {6, "DEQUANTIZE"}, {9, "FULLY_CONNECTED"}, {22, "RESHAPE"},
      {11, "L2_NORMALIZATION"}, {114, "QUANTIZE"}, {127, "PLACEHOLDER_FOR_GREATER_OP_CODES"},
      {126, "BATCH_MATMUL"}};
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
    CHECK(strcmp(mi_op_name(ops[i].code), ops[i].name) == 0, "op %u: %s", ops[i].code, mi_op_name(ops[i].code));
  CHECK(mi_op_name(128) == NULL && mi_op_name(161) == NULL, "codes from 128 have no name here");
  CHECK(strcmp(mi_type_name(9), "INT8") == 0 && strcmp(mi_type_name(0), "FLOAT32") == 0, "type names");

  /* mi_mbqm against the gemmlowp formulas written out as TFLite has them. */
  unsigned mbqm_bad = 0;
  for (int i = 0; i < 3000000; i++) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;
    int32_t x = (int32_t)(uint32_t)(seed >> 32);
    if (i % 3 == 0) x >>= (seed >> 8) & 31u;
    int32_t m = (int32_t)((uint32_t)(seed >> 1) & 0x7FFFFFFFu) | 0x40000000;
    int shift = (int)((seed >> 40) % 62u) - 31;
    if (i % 5 == 0) x = (i % 10 == 0) ? INT32_MIN : INT32_MAX;
    /* double rounding */
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t a = (int32_t)((uint32_t)x << left);
    int64_t ab = (int64_t)a * m;
    int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    int32_t hi = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
    int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u);
    int32_t want = (hi >> right) + ((hi & mask) > (mask >> 1) + (hi < 0 ? 1 : 0));
    if (mi_mbqm(x, m, shift, MI_ROUNDING_DOUBLE) != want && mbqm_bad++ < 5)
      fprintf(stderr, "mbqm(%d, %d, %d) = %d, want %d\n", x, m, shift, mi_mbqm(x, m, shift, MI_ROUNDING_DOUBLE), want);
    if (shift <= 30) {
      int total = 31 - shift;
      int32_t s1 = (int32_t)(((int64_t)x * m + ((int64_t)1 << (total - 1))) >> total);
      if (mi_mbqm(x, m, shift, MI_ROUNDING_SINGLE) != s1 && mbqm_bad++ < 5) fprintf(stderr, "single mbqm\n");
    }
  }
  CHECK(mbqm_bad == 0, "mi_mbqm differs from the reference formulas %u times", mbqm_bad);

  if (failures) {
    fprintf(stderr, "test_sine: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_sine: sinf max error %.2g, x sequence, plot rounding, frexp/round: ok\n", worst);
  return 0;
}
