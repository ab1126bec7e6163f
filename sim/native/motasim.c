/*
 * motasim: the native half of the virtual STM32F103. It owns the Unicorn engine and does
 * the per-block work that must be cheap: exact instruction counting (Thumb lengths decoded
 * once per block and cached), stopping on an instruction budget at block boundaries,
 * a value cache for hot status registers, and forwarding every other MMIO access and every
 * store to flash to one JavaScript callback. Everything else lives in TypeScript.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

/* kind argument of the io callback */
#define IO_READ 0u
#define IO_WRITE 1u
#define IO_FLASH_STORE 2u /* store to flash: 0 = bus fault, 1 = the store's value lands, 2 = contents must stay */

typedef uint32_t (*io_cb_t)(uint32_t kind, uint32_t addr, uint32_t size, uint32_t value);

/* Shared with JavaScript through a Float64Array view: plain doubles, exact below 2^53. */
typedef struct {
  double icount;      /* instructions retired (whole blocks) */
  double budget;      /* stop at the first block boundary where icount >= budget */
  double fast_reads;  /* MMIO reads served from the status cache (statistics) */
  double io_calls;    /* calls into JavaScript */
  double fault_addr;  /* address of the last unmapped / refused access */
  double fault_kind;  /* 0 none, 1 read unmapped, 2 write unmapped, 3 fetch unmapped, 4 store refused, 5 fetch/read refused */
  double last_block;  /* address of the last counted block */
  double skip_until;  /* poll-loop skipping: fast-forward up to this icount (0 = off) */
  double skipped;     /* instructions fast-forwarded by poll-loop skipping (statistics) */
  double decode_errors; /* blocks whose bytes could not be read for decoding (must stay 0) */
  double intno;       /* CPU exception taken (BKPT, UDF, SVC...), -1 when none */
  double fast_gen;    /* bumped by JavaScript: every cached status value becomes stale */
  double set_addr;    /* JavaScript's answer to a read may ask to cache it: address (0 = no) ... */
  double set_value;   /* ... value ... */
  double set_until;   /* ... valid while icount < set_until ... */
  double set_i0;      /* ... counting: value + floor((icount - set_i0) * set_rate) (rate 0: constant) */
  double set_rate;
  double exact_stop;  /* > 0: stop before a block that would retire past this count (exact cuts) */
  double blocks;      /* blocks counted (statistics) */
  double misses;      /* block-cache misses: blocks decoded (statistics) */
} msim_ctl_t;

#define CACHE_SLOTS 4096u /* block cache: address -> instruction count */
#define FAST_SLOTS 64u    /* hot status registers, direct-mapped */

typedef struct {
  uint32_t addr;
  uint32_t size;
  uint32_t count;
  uint32_t gen;
  uint32_t has_store;
} block_entry_t;

typedef struct {
  uint32_t addr;  /* absolute address, 0 = unused */
  uint32_t value;
  double valid_until; /* icount bound; after it the read goes to JavaScript */
  double gen;         /* ctl.fast_gen when stored */
  double i0;          /* counting registers (timer CNT): value + floor((icount - i0) * rate) */
  double rate;
} fast_entry_t;

typedef struct {
  uint32_t base;
  uint32_t size;
  const uint8_t *host;
} code_region_t;

typedef struct msim {
  uc_engine *uc;
  msim_ctl_t ctl;
  io_cb_t io;
  uint32_t mmio_base[4];
  uint32_t n_mmio;
  code_region_t code[4];
  uint32_t n_code;
  uint32_t gen;
  uint32_t flash_lo, flash_hi; /* absolute range of the main flash mapping */
  block_entry_t cache[CACHE_SLOTS];
  fast_entry_t fast[FAST_SLOTS];
  /* poll-loop detection */
  uint32_t poll_block;
  uint32_t last_block;
  uint32_t poll_count;
  int poll_read_seen; /* a fast-cache read happened in the current block */
  int poll_other_io;  /* any other MMIO access in the current block */
  double poll_valid;  /* smallest validity bound of the cached reads in the current block */
  uint32_t poll_regs[18];
  int poll_have_regs;
  uint32_t poll_backoff; /* after a snapshot mismatch, skip this many candidate entries ... */
  uint32_t poll_wait;    /* ... counting down here (a counted loop is not a fixed point) */
  uc_hook h_block, h_unmapped, h_prot, h_intr;
  /* A refused flash store (PGERR) still lands in QEMU's RAM after the hook: undo it at the next boundary. */
  int fixup_pending;
  uint8_t *fixup_ptr;
  uint8_t fixup_old[4];
  uint32_t fixup_size;
  void *allocs[8];
  uint32_t n_allocs;
} msim;

static const uint8_t *host_ptr(msim *s, uint32_t addr, uint32_t len) {
  for (uint32_t i = 0; i < s->n_code; i++) {
    const code_region_t *r = &s->code[i];
    if (addr >= r->base && addr - r->base + len <= r->size) return r->host + (addr - r->base);
  }
  return NULL;
}

/* Thumb-2: a halfword whose top five bits are 0b11101, 0b11110 or 0b11111 starts a 32-bit instruction. */
static uint32_t count_thumb(const uint8_t *p, uint32_t size, uint32_t *has_store) {
  uint32_t n = 0, off = 0;
  *has_store = 0;
  while (off < size) {
    uint16_t hw = (uint16_t)(p[off] | (p[off + 1] << 8));
    uint32_t top = hw >> 11;
    int wide = top == 0x1D || top == 0x1E || top == 0x1F;
    if (wide) {
      /* store single (1111 100x xxx0), store multiple / dual / exclusive (1110 100x xxx0) */
      if ((hw & 0xFE10u) == 0xF800u || (hw & 0xFE10u) == 0xE800u) *has_store = 1;
    } else if (((hw & 0xF000u) == 0x5000u && ((hw >> 9) & 7u) < 3u) || (hw & 0xF800u) == 0x6000u ||
               (hw & 0xF800u) == 0x7000u || (hw & 0xF800u) == 0x8000u || (hw & 0xF800u) == 0x9000u ||
               (hw & 0xFE00u) == 0xB400u || (hw & 0xF800u) == 0xC000u) {
      *has_store = 1; /* STR/STRB/STRH (reg, imm, SP), PUSH, STM */
    }
    off += wide ? 4u : 2u;
    n++;
  }
  return n;
}

static uint32_t block_count(msim *s, uint32_t addr, uint32_t size, uint32_t *has_store) {
  int cacheable = addr >= s->flash_lo && addr < s->flash_hi;
  block_entry_t *e = &s->cache[(addr >> 1) & (CACHE_SLOTS - 1u)];
  if (cacheable && e->addr == addr && e->size == size && e->gen == s->gen) {
    *has_store = e->has_store;
    return e->count;
  }
  const uint8_t *p = host_ptr(s, addr, size);
  uint32_t n;
  if (p) {
    n = count_thumb(p, size, has_store);
  } else {
    uint8_t buf[4096];
    if (size > sizeof buf || uc_mem_read(s->uc, addr, buf, size) != UC_ERR_OK) {
      s->ctl.decode_errors += 1;
      *has_store = 1;
      return size / 2u;
    }
    n = count_thumb(buf, size, has_store);
  }
  if (cacheable) {
    e->addr = addr;
    e->size = size;
    e->count = n;
    e->gen = s->gen;
    e->has_store = *has_store;
  }
  return n;
}

static const int poll_reg_ids[18] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
                                     UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
                                     UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
                                     UC_ARM_REG_PC, UC_ARM_REG_XPSR, UC_ARM_REG_PRIMASK};

static void read_poll_regs(msim *s, uint32_t *out) {
  void *ptrs[18];
  for (int i = 0; i < 18; i++) ptrs[i] = &out[i];
  uc_reg_read_batch(s->uc, (int *)poll_reg_ids, ptrs, 18);
}

/*
 * Poll-loop skipping: a block that re-enters itself with every register unchanged, with no
 * store and no MMIO access other than cached status reads, is a fixed point until a cached
 * value may change or the next event.
 * Iterating it is deterministic, so we add the instructions of the skipped iterations at
 * once. Exact: the count equals what stepping would retire, to the same block boundary.
 */
static void poll_check(msim *s, uint32_t addr, uint32_t n, uint32_t has_store) {
  /* a block re-entering itself whose only MMIO was cached reads (or none: `b .`, idle loops) */
  int candidate = s->ctl.skip_until > 0 && !s->poll_other_io && !has_store && addr == s->poll_block;
  double valid = s->poll_valid;
  s->poll_read_seen = 0;
  s->poll_other_io = 0;
  s->poll_valid = 1e300;
  if (!candidate) {
    if (addr != s->poll_block) s->poll_backoff = 0;
    s->poll_block = addr;
    s->poll_have_regs = 0;
    return;
  }
  if (s->poll_wait > 0) {
    s->poll_wait--;
    return;
  }
  uint32_t regs[18];
  read_poll_regs(s, regs);
  if (s->poll_have_regs && memcmp(regs, s->poll_regs, sizeof regs) == 0) {
    double limit = s->ctl.skip_until < s->ctl.budget ? s->ctl.skip_until : s->ctl.budget;
    if (valid < limit) limit = valid;
    double ahead = limit - s->ctl.icount;
    if (ahead > n) {
      /* this block is still counted after the skip: land on the first boundary >= limit */
      double iters = (double)(uint64_t)((ahead + n - 1) / n) - 1;
      s->ctl.icount += iters * n;
      s->ctl.skipped += iters * n;
    }
    s->poll_have_regs = 0;
    return;
  }
  if (s->poll_have_regs) {
    /* registers moved: a counted loop. Back off exponentially before looking again. */
    s->poll_backoff = s->poll_backoff ? (s->poll_backoff < 4096 ? s->poll_backoff * 2 : 4096) : 1;
    s->poll_wait = s->poll_backoff;
  }
  memcpy(s->poll_regs, regs, sizeof regs);
  s->poll_have_regs = 1;
}

static void apply_fixup(msim *s) {
  if (!s->fixup_pending) return;
  memcpy(s->fixup_ptr, s->fixup_old, s->fixup_size);
  s->fixup_pending = 0;
}

static void hook_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  msim *s = user;
  if (s->fixup_pending) apply_fixup(s);
  if (s->ctl.icount >= s->ctl.budget) {
    uc_emu_stop(uc); /* not counted: the block does not run */
    return;
  }
  uint32_t addr = (uint32_t)address;
  uint32_t n, has_store;
  const block_entry_t *e = &s->cache[(addr >> 1) & (CACHE_SLOTS - 1u)];
  if (e->addr == addr && e->size == size && e->gen == s->gen) {
    n = e->count;
    has_store = e->has_store;
  } else {
    s->ctl.misses += 1;
    n = block_count(s, addr, size, &has_store);
  }
  if (s->ctl.exact_stop > 0 && s->ctl.icount + n > s->ctl.exact_stop) {
    s->ctl.exact_stop = -s->ctl.exact_stop; /* tells JavaScript: finish with msim_run_count */
    uc_emu_stop(uc);
    return;
  }
  if (s->poll_read_seen || addr == s->poll_block) {
    poll_check(s, addr, n, has_store);
  } else {
    s->poll_block = addr;
    s->poll_have_regs = 0;
    s->poll_other_io = 0;
    s->poll_backoff = 0;
  }
  s->ctl.icount += n;
  s->ctl.blocks += 1;
  s->last_block = addr;
}

int msim_fast_set(msim *s, uint32_t addr, uint32_t value, double valid_until);
static void fast_set_counting(msim *s, uint32_t addr, uint32_t value, double valid_until, double i0, double rate);

/* Direct-mapped by word address: one compare on the hot path. */
#define FAST_INDEX(addr) (((addr) >> 2) & (FAST_SLOTS - 1u))

static inline int fast_lookup(msim *s, uint32_t addr, uint32_t *value) {
  fast_entry_t *f = &s->fast[FAST_INDEX(addr)];
  if (f->addr == addr && s->ctl.icount < f->valid_until && f->gen == s->ctl.fast_gen) {
    *value = f->rate == 0 ? f->value : f->value + (uint32_t)(int64_t)floor((s->ctl.icount - f->i0) * f->rate);
    if (f->valid_until < s->poll_valid) s->poll_valid = f->rate == 0 ? f->valid_until : 0;
    return 1;
  }
  return 0;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user, uint32_t base) {
  (void)uc;
  msim *s = user;
  uint32_t addr = base + (uint32_t)offset;
  uint32_t v;
  if (__builtin_expect(size == 4, 1) && fast_lookup(s, addr, &v)) {
    s->ctl.fast_reads += 1;
    s->poll_read_seen = 1;
    return v;
  }
  s->poll_other_io = 1;
  s->ctl.io_calls += 1;
  uint32_t r = s->io(IO_READ, addr, size, 0);
  if (s->ctl.set_addr != 0) {
    fast_set_counting(s, (uint32_t)s->ctl.set_addr, (uint32_t)s->ctl.set_value, s->ctl.set_until, s->ctl.set_i0,
                      s->ctl.set_rate);
    s->ctl.set_addr = 0;
  }
  return r;
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user, uint32_t base) {
  (void)uc;
  msim *s = user;
  s->poll_other_io = 1;
  s->ctl.io_calls += 1;
  s->io(IO_WRITE, base + (uint32_t)offset, size, (uint32_t)value);
}

/* Unicorn gives offsets relative to each region: one trampoline pair per region. */
#define MMIO_TRAMP(i)                                                                                   \
  static uint64_t mmio_read_##i(uc_engine *uc, uint64_t off, unsigned size, void *user) {               \
    return mmio_read(uc, off, size, user, ((msim *)user)->mmio_base[i]);                                \
  }                                                                                                     \
  static void mmio_write_##i(uc_engine *uc, uint64_t off, unsigned size, uint64_t v, void *user) {      \
    mmio_write(uc, off, size, v, user, ((msim *)user)->mmio_base[i]);                                   \
  }
MMIO_TRAMP(0)
MMIO_TRAMP(1)
MMIO_TRAMP(2)
MMIO_TRAMP(3)
static const uc_cb_mmio_read_t mmio_reads[4] = {mmio_read_0, mmio_read_1, mmio_read_2, mmio_read_3};
static const uc_cb_mmio_write_t mmio_writes[4] = {mmio_write_0, mmio_write_1, mmio_write_2, mmio_write_3};

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
  (void)uc;
  (void)size;
  (void)value;
  msim *s = user;
  s->ctl.fault_addr = (double)(uint32_t)address;
  s->ctl.fault_kind = type == UC_MEM_READ_UNMAPPED ? 1 : type == UC_MEM_WRITE_UNMAPPED ? 2 : 3;
  return false;
}

static bool hook_prot(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
  (void)uc;
  msim *s = user;
  if (type == UC_MEM_WRITE_PROT && size <= 4) {
    uint8_t *p = (uint8_t *)host_ptr(s, (uint32_t)address, (uint32_t)size);
    uint8_t old[4];
    if (p) memcpy(old, p, (size_t)size);
    uint32_t r = s->io(IO_FLASH_STORE, (uint32_t)address, (uint32_t)size, (uint32_t)value);
    if (r != 0) {
      s->poll_other_io = 1;
      if (r == 2 && p) {
        apply_fixup(s);
        s->fixup_pending = 1;
        s->fixup_ptr = p;
        memcpy(s->fixup_old, old, (size_t)size);
        s->fixup_size = (uint32_t)size;
      }
      return true; /* QEMU performs the store into the mapping after this */
    }
  }
  s->ctl.fault_addr = (double)(uint32_t)address;
  s->ctl.fault_kind = type == UC_MEM_WRITE_PROT ? 4 : 5;
  return false;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user) {
  msim *s = user;
  s->ctl.intno = intno;
  uc_emu_stop(uc);
}

msim *msim_new(void) {
  msim *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &s->uc) != UC_ERR_OK) {
    free(s);
    return NULL;
  }
  if (uc_ctl_set_cpu_model(s->uc, (int)UC_CPU_ARM_CORTEX_M3) != UC_ERR_OK) {
    uc_close(s->uc);
    free(s);
    return NULL;
  }
  s->ctl.budget = 0;
  s->gen = 1;
  uc_hook_add(s->uc, &s->h_block, UC_HOOK_BLOCK, (void *)hook_block, s, 1, 0);
  uc_hook_add(s->uc, &s->h_unmapped, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, s, 1, 0);
  uc_hook_add(s->uc, &s->h_prot, UC_HOOK_MEM_PROT, (void *)hook_prot, s, 1, 0);
  uc_hook_add(s->uc, &s->h_intr, UC_HOOK_INTR, (void *)hook_intr, s, 1, 0);
  return s;
}

void msim_free(msim *s) {
  if (!s) return;
  uc_close(s->uc);
  for (uint32_t i = 0; i < s->n_allocs; i++) free(s->allocs[i]);
  free(s);
}

double *msim_ctl(msim *s) { return (double *)&s->ctl; }
uint32_t msim_ctl_size(void) { return (uint32_t)(sizeof(msim_ctl_t) / sizeof(double)); }
void msim_set_io(msim *s, io_cb_t cb) { s->io = cb; }

/* perms: UC_PROT_* bits. code != 0 registers the mapping for block decoding. */
int msim_map_ptr(msim *s, uint32_t addr, uint32_t size, uint8_t *host, uint32_t perms, int is_flash) {
  int err = uc_mem_map_ptr(s->uc, addr, size, perms, host);
  if (err != UC_ERR_OK) return err;
  if (s->n_code < 4) s->code[s->n_code++] = (code_region_t){addr, size, host};
  if (is_flash) {
    s->flash_lo = addr;
    s->flash_hi = addr + size;
  }
  return 0;
}

int msim_map_mmio(msim *s, uint32_t addr, uint32_t size) {
  if (s->n_mmio >= 4) return UC_ERR_ARG;
  uint32_t i = s->n_mmio++;
  s->mmio_base[i] = addr;
  return uc_mmio_map(s->uc, addr, size, mmio_reads[i], s, mmio_writes[i], s);
}

/* Flash contents changed behind the CPU's back (program/erase): drop stale translations. */
int msim_invalidate(msim *s, uint32_t addr, uint32_t len) {
  s->gen++;
  return uc_ctl_remove_cache(s->uc, (uint64_t)addr, (uint64_t)addr + len);
}

static void fast_set_counting(msim *s, uint32_t addr, uint32_t value, double valid_until, double i0, double rate) {
  s->fast[FAST_INDEX(addr)] = (fast_entry_t){addr, value, valid_until, s->ctl.fast_gen, i0, rate};
}

int msim_fast_set(msim *s, uint32_t addr, uint32_t value, double valid_until) {
  fast_set_counting(s, addr, value, valid_until, 0, 0);
  return 0;
}

void msim_fast_clear(msim *s) { memset(s->fast, 0, sizeof s->fast); }

/* Host memory for a mapping, page-aligned and owned by the engine (freed with it). */
uint8_t *msim_alloc(msim *s, uint32_t size) {
  if (s->n_allocs >= 8) return NULL;
  uint8_t *p = aligned_alloc(4096, (size + 4095u) & ~4095u);
  if (p) s->allocs[s->n_allocs++] = p;
  return p;
}

static uint32_t msim_reg_read(msim *s, int reg) {
  uint32_t v = 0;
  uc_reg_read(s->uc, reg, &v);
  return v;
}

/* index: 0..12 = R0..R12, 13 SP, 14 LR, 15 PC, 16 xPSR */
static const int reg_ids[17] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
                                UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
                                UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
                                UC_ARM_REG_PC, UC_ARM_REG_XPSR};

uint32_t msim_reg(msim *s, uint32_t index) { return index < 17 ? msim_reg_read(s, reg_ids[index]) : 0; }
int msim_set_reg(msim *s, uint32_t index, uint32_t v) {
  return index < 17 ? uc_reg_write(s->uc, reg_ids[index], &v) : UC_ERR_ARG;
}

/* Core reset (ARMv7-M B1.5.5): SP_main and PC from the vector table, Thumb state, masks cleared. */
int msim_reset_cpu(msim *s, uint32_t sp, uint32_t pc) {
  uint32_t zero = 0, lr = 0xFFFFFFFFu, xpsr = 0x01000000u;
  int err = 0;
  err |= uc_reg_write(s->uc, UC_ARM_REG_CONTROL, &zero);
  err |= uc_reg_write(s->uc, UC_ARM_REG_PRIMASK, &zero);
  err |= uc_reg_write(s->uc, UC_ARM_REG_FAULTMASK, &zero);
  err |= uc_reg_write(s->uc, UC_ARM_REG_BASEPRI, &zero);
  err |= uc_reg_write(s->uc, UC_ARM_REG_XPSR, &xpsr);
  err |= uc_reg_write(s->uc, UC_ARM_REG_MSP, &sp);
  err |= uc_reg_write(s->uc, UC_ARM_REG_SP, &sp);
  err |= uc_reg_write(s->uc, UC_ARM_REG_LR, &lr);
  for (int i = 0; i < 13; i++) err |= uc_reg_write(s->uc, reg_ids[i], &zero);
  pc &= ~1u;
  err |= uc_reg_write(s->uc, UC_ARM_REG_PC, &pc);
  s->poll_have_regs = 0;
  return err;
}

/* Runs from the current PC until the budget is reached, a stop is requested or a fault. */
int msim_run(msim *s) {
  uint32_t pc = msim_reg_read(s, UC_ARM_REG_PC);
  s->ctl.fault_kind = 0;
  s->ctl.intno = -1;
  s->poll_have_regs = 0;
  s->poll_read_seen = 0;
  s->poll_other_io = 0;
  s->poll_valid = 1e300;
  int err = uc_emu_start(s->uc, pc | 1u, 0xFFFFFFFEull, 0, 0);
  apply_fixup(s);
  s->ctl.last_block = s->last_block;
  return err;
}

/*
 * Runs exactly `count` instructions from the current PC with Unicorn's count mode (used
 * once per exact stop: adding and removing the count hook drops translations).
 */
int msim_run_count(msim *s, uint32_t count) {
  uint32_t pc = msim_reg_read(s, UC_ARM_REG_PC);
  double start = s->ctl.icount;
  double budget = s->ctl.budget, exact = s->ctl.exact_stop;
  s->ctl.budget = 1e300;
  s->ctl.exact_stop = 0;
  s->ctl.fault_kind = 0;
  s->ctl.intno = -1;
  /* cached translations carry no per-instruction count hook: drop them first */
  uc_ctl(s->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
  int err = uc_emu_start(s->uc, pc | 1u, 0xFFFFFFFEull, 0, count);
  apply_fixup(s);
  uc_ctl(s->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
  s->ctl.icount = start + count; /* the block hook counted whole blocks; count mode ran `count` */
  s->ctl.budget = budget;
  s->ctl.exact_stop = exact;
  /* leave count mode: the next uc_emu_start without a count removes its hook */
  return err;
}

const char *msim_strerror(int err) { return uc_strerror((uc_err)err); }

int msim_mem_read(msim *s, uint32_t addr, uint8_t *out, uint32_t len) { return uc_mem_read(s->uc, addr, out, len); }
int msim_mem_write(msim *s, uint32_t addr, const uint8_t *in, uint32_t len) { return uc_mem_write(s->uc, addr, in, len); }

/*
 * Unicorn 2.0.1 (Debian bookworm's libunicorn2) sends every store to RAM through QEMU's
 * "notdirty" slow path, which allocates and frees a page-collection tree per store
 * (upstream issue #1970; fixed upstream by "Ignore page_collection_lock", PR #1838, in later
 * releases). The page collection only carries locks, and page locks are no-ops in Unicorn,
 * so the fix is to make it empty. libunicorn calls these two through its PLT, and this
 * library precedes it in the lookup scope of the dlopen that loads both, so these
 * definitions take effect for the engine used here. Stores become ~3x cheaper.
 */
struct uc_struct;
struct page_collection;
struct page_collection *page_collection_lock_arm(struct uc_struct *uc, uint64_t start, uint64_t end);
void page_collection_unlock_arm(struct page_collection *set);

struct page_collection *page_collection_lock_arm(struct uc_struct *uc, uint64_t start, uint64_t end) {
  (void)uc;
  (void)start;
  (void)end;
  return NULL;
}

void page_collection_unlock_arm(struct page_collection *set) { (void)set; }
