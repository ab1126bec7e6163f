#include "text.h"

#include "board.h"

void text_putc(char c) {
  uint8_t b = (uint8_t)c;
  if (b != '\n' && (b < 0x20u || b > 0x7Du)) b = '?';
  uart_putc(b);
}

void text_str(const char *s) {
  while (*s) text_putc(*s++);
}

void text_u32(uint32_t v) {
  char buf[11];
  int n = 10;
  buf[n] = 0;
  do {
    buf[--n] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  text_str(buf + n);
}

void text_i32(int32_t v) {
  if (v < 0) {
    text_putc('-');
    text_u32(0u - (uint32_t)v);
  } else {
    text_u32((uint32_t)v);
  }
}

void text_hex(uint32_t v, uint32_t digits) {
  for (uint32_t i = digits; i-- > 0;) text_putc("0123456789ABCDEF"[(v >> (4u * i)) & 0xFu]);
}

void text_key(const char *key) {
  text_str(key);
  text_str(": ");
}

void text_end(void) { text_putc('\n'); }

void text_line(const char *key, const char *value) {
  text_key(key);
  text_str(value);
  text_end();
}

void text_line_u32(const char *key, uint32_t v, const char *unit) {
  text_key(key);
  text_u32(v);
  text_str(unit);
  text_end();
}
