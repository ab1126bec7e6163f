/*
 * Boot report text over USART1 (SPEC §4.1): a tiny formatter, no printf. Every byte goes
 * through text_putc, which replaces anything outside 0x20..0x7D (and '\n') by '?', so text
 * can never contain '~' (0x7E, a plot frame's first byte) or DEL/high bytes (SPEC §3).
 */
#ifndef MOTA_TEXT_H
#define MOTA_TEXT_H

#include <stdint.h>

void text_putc(char c);
void text_str(const char *s);
void text_u32(uint32_t v);
void text_i32(int32_t v);
void text_hex(uint32_t v, uint32_t digits);
/* One "key: value" line starts / ends. */
void text_key(const char *key);
void text_end(void);
/* "key: value\n" for the common cases. */
void text_line(const char *key, const char *value);
void text_line_u32(const char *key, uint32_t v, const char *unit);

#endif
