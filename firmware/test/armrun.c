/*
 * armrun: runs the real ARM app (build/<board>/app.bin) on Unicorn with just enough of the
 * STM32F103 modelled for the app (RCC ready bits, USART1 TX, TIM2 from the instruction
 * count at 72 MHz and 1 instruction per cycle, DMA/IWDG/GPIO as plain registers) — a smoke
 * test and instruction counter until the full virtual board (sim/) runs it.
 *
 *   armrun APP.bin APP_ADDR SLOT_A_ADDR SLOT_A.bin|- SLOT_B_ADDR SLOT_B.bin|- MAX_INSTR [INVOKE_ADDR]
 *
 * MOTA_HANDOFF=FILE loads FILE (the 64-byte mailbox) at 0x20000000 before the start.
 * Raw UART output goes to stdout. At the end stderr gets "instructions: N", and with
 * INVOKE_ADDR (the address of mi_invoke_int8) "invoke_instructions: min max calls".
 * Exits 0 when MAX_INSTR ran out or the app reset itself (stderr "reset: AIRCR"), 1 on a fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define PERIPH_BASE 0x40000000u
#define PERIPH_SIZE 0x24000u
#define SCB_PAGE 0xE000E000u
#define SYSMEM_PAGE 0x1FFFF000u

static uint32_t regs[PERIPH_SIZE / 4];
static uint64_t icount, max_instr;
static uint32_t invoke_addr, invoke_ret;
static uint64_t invoke_start, invoke_min = UINT64_MAX, invoke_max, invoke_calls;
static int did_reset;
static uc_engine *uc;
static uint32_t *profile; /* MOTA_PROFILE=1: instruction counts per halfword of flash inside invoke */

static uint64_t periph_read(uc_engine *u, uint64_t off, unsigned size, void *user) {
  (void)u; (void)user;
  uint32_t addr = PERIPH_BASE + (uint32_t)off;
  uint32_t v;
  if (addr == 0x40013800u) v = 0xC0u;                           /* USART1 SR: TXE | TC */
  else if (addr == 0x40000024u) v = (uint32_t)(icount / 72u) & 0xFFFFu; /* TIM2 CNT, 1 MHz */
  else if (addr == 0x4000300Cu) v = 0;                          /* IWDG SR: updates done */
  else v = regs[(off & ~3u) / 4];
  if (size < 4) v >>= 8 * (off & 3u);
  return size == 4 ? v : v & ((1u << (8 * size)) - 1u);
}

static void periph_write(uc_engine *u, uint64_t off, unsigned size, uint64_t value, void *user) {
  (void)u; (void)user; (void)size;
  uint32_t addr = PERIPH_BASE + (uint32_t)off, v = (uint32_t)value;
  if (addr == 0x40013804u) { /* USART1 DR */
    putchar((int)(v & 0xFFu));
    return;
  }
  if (addr == 0x40021000u) { /* RCC CR: HSI, HSE and PLL get ready at once */
    v &= ~((1u << 1) | (1u << 17) | (1u << 25));
    if (v & (1u << 0)) v |= 1u << 1;
    if (v & (1u << 16)) v |= 1u << 17;
    if (v & (1u << 24)) v |= 1u << 25;
  } else if (addr == 0x40021004u) { /* RCC CFGR: SWS follows SW */
    v = (v & ~0xCu) | ((v & 3u) << 2);
  }
  regs[(off & ~3u) / 4] = v;
}

static uint64_t scb_read(uc_engine *u, uint64_t off, unsigned size, void *user) {
  (void)u; (void)off; (void)size; (void)user;
  return 0;
}

static void scb_write(uc_engine *u, uint64_t off, unsigned size, uint64_t value, void *user) {
  (void)size; (void)user;
  if (SCB_PAGE + off == 0xE000ED0Cu && (uint32_t)value == 0x05FA0004u) {
    did_reset = 1;
    uc_emu_stop(u);
  }
}

static void on_code(uc_engine *u, uint64_t address, uint32_t size, void *user) {
  (void)size; (void)user;
  icount++;
  if (invoke_addr && (uint32_t)address == invoke_addr) {
    uint32_t lr;
    uc_reg_read(u, UC_ARM_REG_LR, &lr);
    invoke_ret = lr & ~1u;
    invoke_start = icount;
  } else if (invoke_ret && (uint32_t)address == invoke_ret) {
    uint64_t n = icount - invoke_start - 1u;
    if (n < invoke_min) invoke_min = n;
    if (n > invoke_max) invoke_max = n;
    invoke_calls++;
    invoke_ret = 0;
  }
  if (profile && invoke_ret && address >= 0x08000000u && address < 0x08040000u) profile[(address - 0x08000000u) / 2]++;
  if (icount >= max_instr) uc_emu_stop(u);
}

static int load(uint32_t addr, const char *path) {
  if (strcmp(path, "-") == 0) return 0;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return uc_mem_write(uc, addr, buf, n) == UC_ERR_OK ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: armrun APP.bin APP_ADDR SLOT_A_ADDR SLOT_A|- SLOT_B_ADDR SLOT_B|- MAX_INSTR [INVOKE_ADDR]\n");
    return 64;
  }
  uint32_t app = (uint32_t)strtoul(argv[2], NULL, 0);
  max_instr = strtoull(argv[7], NULL, 0);
  if (argc > 8) invoke_addr = (uint32_t)strtoul(argv[8], NULL, 0) & ~1u;
  if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc) != UC_ERR_OK) return 2;
  uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M3);
  uint8_t *erased = malloc(0x40000);
  memset(erased, 0xFF, 0x40000);
  uc_mem_map(uc, 0x08000000u, 0x40000, UC_PROT_READ | UC_PROT_EXEC);
  uc_mem_write(uc, 0x08000000u, erased, 0x40000);
  uc_mem_map(uc, 0x20000000u, 0xC000, UC_PROT_ALL);
  uc_mem_map(uc, SYSMEM_PAGE, 0x1000, UC_PROT_READ);
  const uint8_t sysmem[] = {0x00, 0x01, /* flash size 256 KB at 0x7E0 */ 0, 0, 0, 0, 0, 0,
                            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC};
  uc_mem_write(uc, SYSMEM_PAGE + 0x7E0u, sysmem, sizeof sysmem);
  uc_mmio_map(uc, PERIPH_BASE, PERIPH_SIZE, periph_read, NULL, periph_write, NULL);
  uc_mmio_map(uc, SCB_PAGE, 0x1000, scb_read, NULL, scb_write, NULL);
  if (load(app, argv[1]) || load((uint32_t)strtoul(argv[3], NULL, 0), argv[4]) ||
      load((uint32_t)strtoul(argv[5], NULL, 0), argv[6])) {
    fprintf(stderr, "armrun: cannot load an image\n");
    return 2;
  }
  if (getenv("MOTA_HANDOFF") && load(0x20000000u, getenv("MOTA_HANDOFF"))) {
    fprintf(stderr, "armrun: cannot load the hand-off\n");
    return 2;
  }
  uint32_t sp, pc;
  uc_mem_read(uc, app, &sp, 4);
  uc_mem_read(uc, app + 4u, &pc, 4);
  uc_reg_write(uc, UC_ARM_REG_SP, &sp);
  if (getenv("MOTA_PROFILE")) profile = calloc(0x20000u, sizeof *profile);
  uc_hook hook;
  uc_hook_add(uc, &hook, UC_HOOK_CODE, on_code, NULL, 1, 0);
  uc_err err = uc_emu_start(uc, pc | 1u, 0xFFFFFFFFu, 0, 0);
  fflush(stdout);
  uint32_t fault_pc;
  uc_reg_read(uc, UC_ARM_REG_PC, &fault_pc);
  fprintf(stderr, "instructions: %llu\n", (unsigned long long)icount);
  if (invoke_calls)
    fprintf(stderr, "invoke_instructions: %llu %llu %llu\n", (unsigned long long)invoke_min,
            (unsigned long long)invoke_max, (unsigned long long)invoke_calls);
  if (did_reset) fprintf(stderr, "reset: AIRCR\n");
  if (profile)
    for (uint32_t i = 0; i < 0x20000u; i++)
      if (profile[i] && invoke_calls) fprintf(stderr, "profile 0x%08X %llu\n", 0x08000000u + 2u * i, (unsigned long long)(profile[i] / invoke_calls));
  if (err != UC_ERR_OK) {
    fprintf(stderr, "armrun: %s at pc 0x%08X after %llu instructions\n", uc_strerror(err), fault_pc,
            (unsigned long long)icount);
    return 1;
  }
  return 0;
}
