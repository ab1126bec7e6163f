/*
 * Model loading, independent of the hardware (built for the host tests too): pick the active
 * slot (hand-off mailbox, else the valid slot with the higher version), check the package
 * (checks 1-13 of SPEC §1.6) before the interpreter sees a byte, load it, run its self-test.
 */
#ifndef MOTA_MODEL_H
#define MOTA_MODEL_H

#include <stdint.h>

#include "mota/handoff.h"
#include "mota_interp.h"
#include "mota_package.h"

typedef struct {
  int slot;                 /* MOTA_SLOT_A / MOTA_SLOT_B / MOTA_SLOT_NONE */
  int from_handoff;         /* 1: the bootloader named the slot */
  uint32_t state;           /* MOTA_BOOT_CONFIRMED / MOTA_BOOT_TRIAL, 0 when unknown */
  int check_a, check_b;     /* mota_package_check result per slot (-1 = not checked) */
  mota_package_view_t view; /* the chosen package */
} mota_slot_choice_t;

/* slots[0] = slot A, slots[1] = slot B, each `capacity` bytes. handoff may be NULL.
 * Returns 1 when a valid package was chosen. */
int mota_choose_slot(const volatile mota_handoff_t *handoff, const uint8_t *const slots[2], uint32_t capacity,
                     mota_slot_choice_t *out);

typedef struct {
  uint32_t count, passed;
  int first_failure;    /* vector index, -1 when all passed */
  uint32_t max_diff;    /* largest |expected - actual| seen, in LSB */
  int ran;              /* 0 = no self-test section or it does not fit the model */
} mota_selftest_result_t;

/* Runs every self-test vector through the loaded interpreter, tolerance from the section. */
void mota_selftest_run(mi_interp_t *it, const mota_package_view_t *v, mota_selftest_result_t *r);

#endif
