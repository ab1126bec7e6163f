/* The sine demo's arithmetic (SPEC §4.2), shared by the app and the host tests. */
#ifndef MOTA_SINE_H
#define MOTA_SINE_H

#include <stdint.h>

#define MOTA_SINE_STEPS 64u /* x values per period */

/* x of step n: float32(n mod 64) * float32(2*pi/64), rounded to float32. */
float mota_sine_x(uint32_t n);
/* sin(x) for x in [0, 2*pi), |error| < 1e-5 (no libm). */
float mota_sinf(float x);
/* The plot-frame value: round-half-away(float32(y * 1000)) + 1000, clamped to int16. */
int16_t mota_plot_value(float y);

#endif
