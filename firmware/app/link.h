/*
 * The app's side of the update protocol (protocol/SPEC.md §5.2): it recognises request frames
 * on USART1 and answers INFO, ENTER, BOOT, CONFIRM and ROLLBACK (the last four by setting the
 * hand-off request and resetting into the bootloader, §5.9); BEGIN, DATA, STATUS, END and ABORT
 * get WRONG_MODE. Polled from the main loop; no interrupt.
 */
#ifndef MOTA_LINK_H
#define MOTA_LINK_H

#include "model.h"

/* What INFO and the requests need to know about the running model (may have slot NONE). */
void link_init(const mota_slot_choice_t *choice, volatile mota_handoff_t *handoff);
/* Reads what the DMA ring holds and answers complete requests; may reset the chip. */
void link_poll(void);

#endif
