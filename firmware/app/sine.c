#include "sine.h"

#include "quant.h"

#define TWO_PI_F 6.28318548f /* float32(2*pi) */
#define PI_F 3.14159274f
#define HALF_PI_F 1.57079637f

float mota_sine_x(uint32_t n) {
  static const float step = (float)(6.283185307179586 / MOTA_SINE_STEPS);
  return (float)(n % MOTA_SINE_STEPS) * step;
}

float mota_sinf(float x) {
  if (x > PI_F) x -= TWO_PI_F; /* (-pi, pi] */
  if (x > HALF_PI_F) x = PI_F - x;
  else if (x < -HALF_PI_F) x = -PI_F - x;
  float x2 = x * x;
  /* Taylor to x^11: |error| < 6e-8 on [-pi/2, pi/2] before float rounding */
  return x * (1.0f + x2 * (-1.0f / 6 + x2 * (1.0f / 120 + x2 * (-1.0f / 5040 + x2 * (1.0f / 362880 - x2 / 39916800.0f)))));
}

int16_t mota_plot_value(float y) {
  float r = mi_roundf(y * 1000.0f);
  if (!(r > -32000.0f)) r = -32000.0f; /* also NaN */
  if (r > 31000.0f) r = 31000.0f;
  return (int16_t)((int32_t)r + 1000);
}
