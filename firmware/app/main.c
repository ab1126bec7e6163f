/*
 * The mota app: find the active model slot, check the package, load the .tflite in place,
 * print the boot report (SPEC §4.1), run the self-test, then stream the sine demo's plot
 * frames (SPEC §4.2). Polling only; the watchdog resets a hung app.
 */
#include "board.h"
#include "link.h"
#include "model.h"
#include "mota/layout.h"
#include "sine.h"
#include "text.h"

#define APP_VERSION "0.1.0"
#ifndef MOTA_BAUD
#define MOTA_BAUD 115200u
#endif
#ifndef MOTA_FRAME_PERIOD_US
#define MOTA_FRAME_PERIOD_US 20000u
#endif
#ifndef MOTA_ARENA_SIZE
#define MOTA_ARENA_SIZE 512u
#endif
#define WATCHDOG_MS 2000u
#define TIMING_RUNS 16u

__attribute__((section(".noinit"))) volatile mota_handoff_t mota_handoff;

static mi_interp_t interp;
static uint8_t arena[MOTA_ARENA_SIZE] __attribute__((aligned(8)));

/* Waits `us` while answering protocol requests (bounded also in iterations: a dead timer
 * cannot hang the app; the watchdog then resets it). */
static void serve_us(uint32_t us) {
  uint32_t start = time_us();
  for (uint32_t i = 0; i < us + 1000u && time_us() - start < us; i++) link_poll();
}

/* No usable model: two short flashes every second (as the bootloader, SPEC §5.10), forever. */
static void __attribute__((noreturn)) no_model_loop(void) {
  text_line("ready", "no model");
  for (;;) {
    for (int i = 0; i < 10; i++) {
      led_set(i < 4 && (i & 1) == 0);
      serve_us(100000u);
      watchdog_kick();
    }
  }
}

/* A TRIAL model that cannot run is reverted by resetting without a request (SPEC §5.9). */
static void __attribute__((noreturn)) reject(const mota_slot_choice_t *c) {
  if (c->state == MOTA_BOOT_TRIAL) {
    text_line("trial", "rejected: resetting to revert");
    board_reset();
  }
  no_model_loop();
}

static void report_version(const mota_package_header_t *h) {
  for (uint32_t i = 0; i < MOTA_PKG_NAME_SIZE && h->name[i]; i++) text_putc(h->name[i]);
  text_putc(' ');
  text_u32(h->version_major);
  text_putc('.');
  text_u32(h->version_minor);
  text_putc('.');
  text_u32(h->version_patch);
}

static void report_system(clock_source_t clk) {
  text_line("mota-app", APP_VERSION);
  text_line("board", MOTA_BOARD_NAME);
  text_line("clock", board_clock_name(clk));
  uint8_t uid[12];
  board_uid(uid);
  text_key("uid");
  for (uint32_t i = 0; i < 12u; i++) text_hex(uid[i], 2);
  text_end();
  uint32_t rf = board_reset_flags();
  text_line("reset", (rf & (1u << 29)) ? "watchdog" : (rf & (1u << 28)) ? "software" : (rf & (1u << 27)) ? "power-on" : (rf & (1u << 26)) ? "pin" : "unknown");
}

static void report_slot(const mota_slot_choice_t *c) {
  text_key("bootloader");
  if (c->from_handoff) {
    uint32_t v = mota_handoff.bootloader_version;
    text_u32(v >> 16);
    text_putc('.');
    text_u32((v >> 8) & 0xFFu);
    text_putc('.');
    text_u32(v & 0xFFu);
  } else {
    text_str("none (no hand-off)");
  }
  text_end();
  text_key("slot");
  if (c->slot == MOTA_SLOT_NONE) {
    /* §1.6 error numbers (the names cost flash the protocol responder needs) */
    text_str("none (A: error ");
    text_i32(c->check_a);
    text_str(", B: error ");
    text_i32(c->check_b);
    text_putc(')');
  } else {
    text_putc(c->slot == MOTA_SLOT_A ? 'A' : 'B');
    text_str(c->state == MOTA_BOOT_TRIAL ? " TRIAL" : c->state == MOTA_BOOT_CONFIRMED ? " CONFIRMED" : " UNMANAGED");
    text_str(" at 0x");
    text_hex(c->slot == MOTA_SLOT_A ? MOTA_SLOT_A_ADDR : MOTA_SLOT_B_ADDR, 8);
  }
  text_end();
}

static void report_model(void) {
  text_key("operators");
  text_u32(interp.n_ops);
  text_str(" (");
  for (uint32_t i = 0; i < interp.n_ops;) { /* runs of equal kinds: "FULLY_CONNECTED x3" */
    uint32_t j = i;
    while (j < interp.n_ops && interp.ops[j].code == interp.ops[i].code) j++;
    if (i) text_str(", ");
    text_str(mi_op_name(interp.ops[i].code));
    text_str(" x");
    text_u32(j - i);
    i = j;
  }
  text_putc(')');
  text_end();
  text_line_u32("tensors", interp.n_tensors, "");
  text_key("arena");
  text_u32(interp.arena_used);
  text_str(" / ");
  text_u32(MOTA_ARENA_SIZE);
  text_str(" B, headroom ");
  text_u32(MOTA_ARENA_SIZE - interp.arena_used);
  text_str(" B");
  text_end();
}

static uint32_t time_inference(void) {
  mi_tensor_t *in = mi_int8_input(&interp);
  for (uint32_t k = 0; k < in->bytes; k++) in->data[k] = 0;
  uint32_t t0 = time_us();
  for (uint32_t i = 0; i < TIMING_RUNS; i++) mi_invoke_int8(&interp);
  return (time_us() - t0 + TIMING_RUNS / 2u) / TIMING_RUNS;
}

static void send_frame(int16_t ref, int16_t pred) {
  const uint8_t f[11] = {0x7E, 0x08, (uint8_t)ref, (uint8_t)((uint16_t)ref >> 8), (uint8_t)pred,
                         (uint8_t)((uint16_t)pred >> 8), 0, 0, 0, 0, 0x7F};
  uart_write(f, sizeof f);
}

static void __attribute__((noreturn)) sine_loop(void) {
  mi_tensor_t *in = mi_int8_input(&interp), *out = mi_int8_output(&interp);
  if (in->type != MI_TYPE_INT8 || out->type != MI_TYPE_INT8) {
    text_line("ready", "model is not int8 in / int8 out: no sine demo");
    for (;;) {
      serve_us(500000u);
      led_toggle();
      watchdog_kick();
    }
  }
  text_key("ready");
  text_str("sine ");
  text_u32(MOTA_SINE_STEPS);
  text_str(" steps, frame every ");
  text_u32(MOTA_FRAME_PERIOD_US);
  text_str(" us");
  text_end();
  uint32_t next = time_us();
  for (uint32_t n = 0;; n++) {
    float x = mota_sine_x(n);
    int8_t q = mi_quantize_f32(x, in->scale, in->zero_point);
    for (uint32_t k = 0; k < in->bytes; k++) ((int8_t *)in->data)[k] = q;
    mi_invoke_int8(&interp);
    float y = mi_dequantize_i8(((int8_t *)out->data)[0], out->scale, out->zero_point);
    send_frame(mota_plot_value(mota_sinf(x)), mota_plot_value(y));
    led_toggle();
    watchdog_kick();
    next += MOTA_FRAME_PERIOD_US;
    while ((int32_t)(time_us() - next) < 0) link_poll();
  }
}

int main(void) {
  clock_source_t clk = board_init(MOTA_BAUD);
  watchdog_start(WATCHDOG_MS);
  report_system(clk);

  static const uint8_t *const slots[2] = {(const uint8_t *)MOTA_SLOT_A_ADDR, (const uint8_t *)MOTA_SLOT_B_ADDR};
  static mota_slot_choice_t choice;
  int found = mota_choose_slot(&mota_handoff, slots, MOTA_SLOT_SIZE, &choice);
  link_init(&choice, &mota_handoff);
  report_slot(&choice);
  if (!found) {
    text_line("model", "none");
    reject(&choice);
  }
  const mota_package_view_t *v = &choice.view;
  text_key("model");
  report_version(&v->header);
  text_end();
  text_key("model_size");
  text_u32(v->payload_size);
  text_str(" B in flash at 0x");
  text_hex((uint32_t)(uintptr_t)v->payload, 8);
  text_end();

  mi_init(&interp);
  if (mi_load(&interp, v->payload, v->payload_size, arena, sizeof arena) != MI_OK) {
    text_line("model_error", mi_error(&interp));
    reject(&choice);
  }
  report_model();
  text_line_u32("inference_us", time_inference(), "");

  mota_selftest_result_t st;
  mota_selftest_run(&interp, v, &st);
  text_key("selftest");
  if (!st.ran) {
    text_str(v->selftest ? "skipped (vector sizes do not match the model)" : "none");
  } else {
    text_str(st.passed == st.count ? "pass " : "FAIL ");
    text_u32(st.passed);
    text_putc('/');
    text_u32(st.count);
    if (st.passed != st.count) {
      text_str(" (first failure ");
      text_u32((uint32_t)st.first_failure);
      text_str(", max diff ");
      text_u32(st.max_diff);
      text_str(" LSB)");
    }
  }
  text_end();
  if (st.ran && st.passed != st.count && choice.state == MOTA_BOOT_TRIAL) reject(&choice);
  sine_loop();
}
