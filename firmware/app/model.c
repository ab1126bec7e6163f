#include "model.h"

int mota_choose_slot(const volatile mota_handoff_t *handoff, const uint8_t *const slots[2], uint32_t capacity,
                     mota_slot_choice_t *out) {
  mota_package_view_t views[2];
  out->slot = MOTA_SLOT_NONE;
  out->from_handoff = 0;
  out->state = 0;
  out->check_a = out->check_b = -1;
  if (handoff && handoff->magic == MOTA_HANDOFF_MAGIC && handoff->check == mota_handoff_checksum(handoff) &&
      handoff->boot_slot <= MOTA_SLOT_B) {
    uint32_t s = handoff->boot_slot;
    int rc = mota_package_check(slots[s], capacity, capacity, &views[s]);
    if (s == MOTA_SLOT_A) out->check_a = rc;
    else out->check_b = rc;
    if (rc != MOTA_PKG_OK) return 0; /* the bootloader's slot is damaged: never fall back silently */
    out->slot = (int)s;
    out->from_handoff = 1;
    out->state = handoff->slot_state;
    out->view = views[s];
    return 1;
  }
  out->check_a = mota_package_check(slots[0], capacity, capacity, &views[0]);
  out->check_b = mota_package_check(slots[1], capacity, capacity, &views[1]);
  int a_ok = out->check_a == MOTA_PKG_OK, b_ok = out->check_b == MOTA_PKG_OK;
  if (!a_ok && !b_ok) return 0;
  int pick = !a_ok ? 1
             : !b_ok ? 0
                     : (mota_package_version_number(&views[1].header) > mota_package_version_number(&views[0].header));
  out->slot = pick;
  out->view = views[pick];
  return 1;
}

void mota_selftest_run(mi_interp_t *it, const mota_package_view_t *v, mota_selftest_result_t *r) {
  mota_selftest_header_t st;
  r->count = r->passed = r->max_diff = 0;
  r->first_failure = -1;
  r->ran = 0;
  mi_tensor_t *in = mi_int8_input(it), *out = mi_int8_output(it);
  if (!mota_selftest_header(v, &st) || !in || !out || in->type != MI_TYPE_INT8 || out->type != MI_TYPE_INT8 ||
      st.input_bytes != in->bytes || st.output_bytes != out->bytes)
    return;
  r->ran = 1;
  r->count = st.count;
  for (uint32_t i = 0; i < st.count; i++) {
    const int8_t *x = 0, *want = 0;
    if (!mota_selftest_vector(v, i, &x, &want)) break;
    for (uint32_t k = 0; k < st.input_bytes; k++) ((int8_t *)in->data)[k] = x[k];
    mi_invoke_int8(it);
    uint32_t worst = 0;
    for (uint32_t k = 0; k < st.output_bytes; k++) {
      int32_t d = (int32_t)((int8_t *)out->data)[k] - want[k];
      uint32_t ad = (uint32_t)(d < 0 ? -d : d);
      if (ad > worst) worst = ad;
    }
    if (worst > r->max_diff) r->max_diff = worst;
    if (worst <= st.tolerance) r->passed++;
    else if (r->first_failure < 0) r->first_failure = (int)i;
  }
}
