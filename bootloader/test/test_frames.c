/* Every golden frame vector (SPEC §5.11) through the C encoder and receiver. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "harness.h"

#define LINE_MAX_LEN 8192

typedef struct {
  char name[64];
  uint8_t bytes[MOTA_MAX_FRAME];
  long len;
} named_frame_t;

static named_frame_t goods[64];
static int ngoods;

/* Feeds bytes; returns the number of frames decoded (copied names compared by caller). */
static int feed(mota_rx_t *rx, const uint8_t *b, long n, mota_frame_t *frames, uint8_t (*copies)[MOTA_MAX_FRAME], int cap) {
  int got = 0;
  for (long i = 0; i < n; i++) {
    mota_frame_t f;
    int r = mota_rx_push(rx, b[i], &f);
    while (r) {
      if (got < cap) {
        frames[got] = f;
        memcpy(copies[got], f.payload, f.len);
        frames[got].payload = copies[got];
      }
      got++;
      r = mota_rx_poll(rx, &f);
    }
  }
  return got;
}

void test_frames(const char *dir) {
  static const uint8_t check[] = "123456789";
  CHECK_EQ(mota_frame_crc(0xFFFFFFFFu, check, 9), 0x0376E6E7u, "CRC-32/MPEG-2 check value");

  char path[512];
  snprintf(path, sizeof path, "%s/frames.txt", dir);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL, "cannot open %s", path);
  if (!f) return;
  static char line[LINE_MAX_LEN];
  int n_good = 0, n_bad = 0, n_stream = 0;
  static uint8_t bytes[4 * MOTA_MAX_FRAME], payload[MOTA_MAX_FRAME], sealed[MOTA_MAX_FRAME];
  static uint8_t copies[8][MOTA_MAX_FRAME];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *kind = strtok(line, " ");
    if (!kind) continue;
    char *name = strtok(NULL, " ");
    if (strcmp(kind, "good") == 0) {
      int role = atoi(strtok(NULL, " "));
      int type = atoi(strtok(NULL, " "));
      int seq = atoi(strtok(NULL, " "));
      long plen = hex_decode(strtok(NULL, " "), payload, sizeof payload);
      long flen = hex_decode(strtok(NULL, " "), bytes, sizeof bytes);
      CHECK(plen >= 0 && flen > 0, "%s: bad vector line", name);
      /* the encoder produces the vector's bytes */
      memcpy(sealed + MOTA_FRAME_HEADER, payload, (size_t)plen);
      size_t n = mota_frame_seal(sealed, (uint8_t)type, (uint8_t)seq, (uint16_t)plen);
      CHECK(n == (size_t)flen && memcmp(sealed, bytes, n) == 0, "%s: encoder differs from the vector", name);
      if (type == (MOTA_T_INFO | MOTA_T_RESPONSE)) {
        /* the layout proto.c writes: 160 bytes, 48-byte slot records with the name at 16 */
        CHECK(plen == 160 && memcmp(payload + 24, "STM32F103", 9) == 0 &&
                  memcmp(payload + 64 + 16, "sinemodel", 10) == 0 && memcmp(payload + 112 + 16, "sinemodel", 10) == 0,
              "%s: INFO layout of SPEC §5.3", name);
      }
      /* the receiver of the matching role decodes it, even split byte by byte */
      mota_rx_t rx;
      mota_rx_init(&rx, role ? MOTA_RX_HOST : MOTA_RX_DEVICE);
      mota_frame_t fr[2];
      int got = feed(&rx, bytes, flen, fr, copies, 2);
      CHECK(got == 1, "%s: decoded %d frames", name, got);
      if (got == 1) {
        CHECK(fr[0].type == type && fr[0].seq == seq && fr[0].len == plen &&
                  memcmp(fr[0].payload, payload, (size_t)plen) == 0,
              "%s: decoded fields differ", name);
      }
      /* the other role never accepts it */
      mota_rx_init(&rx, role ? MOTA_RX_DEVICE : MOTA_RX_HOST);
      CHECK(feed(&rx, bytes, flen, fr, copies, 2) == 0, "%s: accepted by the wrong role", name);
      if (ngoods < 64) {
        snprintf(goods[ngoods].name, sizeof goods[ngoods].name, "%s", name);
        memcpy(goods[ngoods].bytes, bytes, (size_t)flen);
        goods[ngoods].len = flen;
        ngoods++;
      }
      n_good++;
    } else if (strcmp(kind, "bad") == 0) {
      char *verdict = strtok(NULL, " ");
      long blen = hex_decode(strtok(NULL, " "), bytes, sizeof bytes);
      int results = 0;
      for (int role = 0; role < 2; role++) {
        mota_rx_t rx;
        mota_rx_init(&rx, role ? MOTA_RX_HOST : MOTA_RX_DEVICE);
        mota_frame_t fr[2];
        int got = feed(&rx, bytes, blen, fr, copies, 2);
        CHECK(got == 0, "%s: a bad frame was decoded", name);
        if (strcmp(verdict, "truncated") == 0) {
          /* the role that accepts its type keeps waiting for the rest */
          if (mota_rx_partial(&rx) && rx.len == blen) results++;
        } else if (strcmp(verdict, "bad_crc") == 0) {
          if (rx.bad_crc == 1) results++;
        } else if (strcmp(verdict, "oversized") == 0 || strcmp(verdict, "unknown_type") == 0) {
          CHECK(rx.bad_crc == 0 && rx.len < blen, "%s: not rejected early", name);
          results++;
        }
      }
      CHECK(results >= 1, "%s: verdict %s not reached", name, verdict);
      /* T_FRAME expiry on a truncated frame resynchronises */
      n_bad++;
    } else if (strcmp(kind, "stream") == 0) {
      long slen = hex_decode(strtok(NULL, " "), bytes, sizeof bytes);
      int want = atoi(strtok(NULL, " "));
      mota_rx_t rx;
      mota_rx_init(&rx, MOTA_RX_DEVICE);
      mota_frame_t fr[8];
      int got = feed(&rx, bytes, slen, fr, copies, 8);
      CHECK(got == want, "%s: decoded %d frames, want %d", name, got, want);
      for (int i = 0; i < want && i < got; i++) {
        char *wn = strtok(NULL, " ");
        const named_frame_t *g = NULL;
        for (int k = 0; k < ngoods; k++)
          if (strcmp(goods[k].name, wn) == 0) g = &goods[k];
        CHECK(g != NULL, "%s: unknown frame %s", name, wn);
        if (g) {
          CHECK(fr[i].len == g->len - (long)MOTA_FRAME_OVERHEAD &&
                    memcmp(fr[i].payload, g->bytes + MOTA_FRAME_HEADER, fr[i].len) == 0,
                "%s: frame %d is not %s", name, i, wn);
        }
      }
      n_stream++;
    }
  }
  fclose(f);
  CHECK(n_good >= 20 && n_bad >= 4 && n_stream >= 1, "frame vectors: %d good, %d bad, %d streams", n_good, n_bad,
        n_stream);

  /* T_FRAME: a partial frame is dropped after the timeout and the receiver resyncs. */
  mota_rx_t rx;
  mota_rx_init(&rx, MOTA_RX_DEVICE);
  mota_frame_t fr[2];
  const named_frame_t *info = NULL;
  for (int k = 0; k < ngoods; k++)
    if (strcmp(goods[k].name, "info_request") == 0) info = &goods[k];
  CHECK(info != NULL, "info_request vector present");
  if (info) {
    CHECK(feed(&rx, info->bytes, 4, fr, copies, 2) == 0 && mota_rx_partial(&rx), "partial INFO held");
    while (mota_rx_partial(&rx)) mota_rx_timeout(&rx);
    CHECK(feed(&rx, info->bytes, info->len, fr, copies, 2) == 1, "INFO decoded after the timeout");
  }
  /* Noise with false syncs between valid requests: every request comes out, in order,
   * once timeouts have flushed what a false header still waits for. */
  uint32_t rng = 0x1234567u;
  int want = 0, got = 0, order_ok = 1;
  mota_rx_init(&rx, MOTA_RX_DEVICE);
  for (int round = 0; round < 3000; round++) {
    uint8_t noise[24];
    uint32_t nn = 0;
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    nn = rng % sizeof noise;
    for (uint32_t i = 0; i < nn; i++) {
      rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
      noise[i] = (rng & 7u) == 0 ? MOTA_FRAME_SYNC : (uint8_t)(rng >> 8);
    }
    static uint8_t frame[64];
    frame[MOTA_FRAME_HEADER] = (uint8_t)round;
    frame[MOTA_FRAME_HEADER + 1] = (uint8_t)(round >> 8);
    size_t fl = mota_frame_seal(frame, MOTA_T_STATUS, (uint8_t)round, 2);
    static mota_frame_t fz[8];
    int k = feed(&rx, noise, (long)nn, fz, copies, 8);
    k += feed(&rx, frame, (long)fl, fz + k, copies + k, 8 - k);
    CHECK(k <= 8, "at most 8 frames released by one round");
    want++;
    /* a false header may hold the frame back until later bytes or a timeout resolve it */
    if (round % 50 == 49)
      while (mota_rx_partial(&rx)) {
        mota_rx_timeout(&rx);
        mota_frame_t ff;
        while (mota_rx_poll(&rx, &ff)) {
          if (ff.type == MOTA_T_STATUS && ff.len == 2) {
            if (mota_get16(ff.payload) != (uint16_t)got) order_ok = 0;
            got++;
          }
        }
      }
    for (int i = 0; i < k && i < 8; i++) {
      if (fz[i].type == MOTA_T_STATUS && fz[i].len == 2) {
        if (mota_get16(fz[i].payload) != (uint16_t)got) order_ok = 0;
        got++;
      }
    }
  }
  while (mota_rx_partial(&rx)) {
    mota_rx_timeout(&rx);
    mota_frame_t ff;
    while (mota_rx_poll(&rx, &ff)) got++;
  }
  CHECK(got == want && order_ok, "noise: %d of %d frames decoded, in order: %d", got, want, order_ok);
  printf("frames: %d good, %d bad, %d streams; %d frames through noise\n", n_good, n_bad, n_stream, got);
}
