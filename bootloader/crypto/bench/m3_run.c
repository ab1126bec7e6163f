/* Runs the Cortex-M3 benchmark image (m3_target.c) on Unicorn and reports, per call:
 * instructions executed, a cycle estimate and the peak stack use.
 *   m3_run IMAGE.bin
 * Cycle model (Cortex-M3 TRM, zero wait states): 1 per instruction; single loads/stores 2;
 * LDRD/STRD 3; LDM/STM/PUSH/POP 1+n; MLA 2; UMULL/SMULL 5 and UMLAL/SMLAL 7 (the upper
 * ends of 3-5 and 4-7); +2 for each taken branch (pipeline refill). An estimate, not a
 * measurement: flash wait states at 72 MHz (2, behind the prefetch buffer) are ignored. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#define FLASH_BASE 0x08000000u
#define FLASH_SIZE (256u * 1024)
#define RAM_BASE 0x20000000u
#define RAM_SIZE (48u * 1024)
#define STACK_TOP (RAM_BASE + RAM_SIZE)
#define STACK_PAINTED (24u * 1024)
#define PAINT 0xA5

static uint8_t flash[FLASH_SIZE];
static uint64_t instructions, cycles;
static uint32_t next_pc;

static unsigned popcount16(uint32_t x)
{
    unsigned n = 0;
    for (x &= 0xffff; x; x &= x - 1)
        n++;
    return n;
}

static unsigned insn_cycles(uint32_t addr, uint32_t size)
{
    uint32_t off = addr - FLASH_BASE;
    uint32_t hw1 = flash[off] | (uint32_t)flash[off + 1] << 8, hw2;
    if (size == 2) {
        if ((hw1 >> 12) == 0x5 || (hw1 >> 12) == 0x6 || (hw1 >> 12) == 0x7 || (hw1 >> 12) == 0x8 ||
            (hw1 >> 12) == 0x9 || (hw1 >> 11) == 0x9)
            return 2;                                   /* LDR/STR (imm, reg, SP, literal) */
        if ((hw1 & 0xf600) == 0xb400)
            return 1 + popcount16(hw1 & 0x1ff);         /* PUSH/POP (LR/PC bit included) */
        if ((hw1 >> 12) == 0xc)
            return 1 + popcount16(hw1 & 0xff);          /* LDM/STM */
        return 1;
    }
    hw2 = flash[off + 2] | (uint32_t)flash[off + 3] << 8;
    if ((hw1 & 0xfe40) == 0xe800)
        return 1 + popcount16(hw2);                     /* LDM/STM.W */
    if ((hw1 & 0xfe40) == 0xe840)
        return 3;                                       /* LDRD/STRD, TBB/TBH */
    if ((hw1 >> 9) == 0x7c)
        return 2;                                       /* LDR/STR.W */
    if ((hw1 & 0xff80) == 0xfb80) {
        unsigned op1 = (hw1 >> 4) & 7;
        if (op1 == 0 || op1 == 2)
            return 5;                                   /* SMULL/UMULL */
        if (op1 == 4 || op1 == 6)
            return 7;                                   /* SMLAL/UMLAL */
        return 12;                                      /* SDIV/UDIV worst case */
    }
    if ((hw1 & 0xff80) == 0xfb00)
        return (hw2 & 0xf000) == 0xf000 ? 1 : 2;        /* MUL : MLA/MLS */
    return 1;
}

static void on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    (void)user;
    if (instructions && (uint32_t)address != next_pc)
        cycles += 2;                                    /* the previous instruction branched */
    instructions++;
    cycles += insn_cycles((uint32_t)address, size);
    next_pc = (uint32_t)address + size;
}

static void check(uc_err err, const char *what)
{
    if (err != UC_ERR_OK) {
        fprintf(stderr, "m3_run: %s: %s\n", what, uc_strerror(err));
        exit(1);
    }
}

static uint32_t run(uc_engine *uc, uint32_t entry, uint32_t halt, uint32_t cmd, uint32_t n, uint32_t *stack)
{
    static uint8_t ram[STACK_PAINTED];
    uint32_t sp = STACK_TOP, lr = halt | 1, r0 = cmd, r1 = n, i;
    memset(ram, PAINT, sizeof ram);
    check(uc_mem_write(uc, STACK_TOP - STACK_PAINTED, ram, sizeof ram), "paint stack");
    check(uc_reg_write(uc, UC_ARM_REG_SP, &sp), "sp");
    check(uc_reg_write(uc, UC_ARM_REG_LR, &lr), "lr");
    check(uc_reg_write(uc, UC_ARM_REG_R0, &r0), "r0");
    check(uc_reg_write(uc, UC_ARM_REG_R1, &r1), "r1");
    instructions = cycles = 0;
    check(uc_emu_start(uc, entry | 1, halt & ~1u, 0, 0), "run");
    check(uc_reg_read(uc, UC_ARM_REG_R0, &r0), "read r0");
    check(uc_mem_read(uc, STACK_TOP - STACK_PAINTED, ram, sizeof ram), "read stack");
    for (i = 0; i < sizeof ram && ram[i] == PAINT; i++)
        ;
    *stack = STACK_PAINTED - i;
    return r0;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; uint32_t cmd, n, want; } calls[] = {
        {"ed25519 verify, 128-byte message, valid", 0, 0, 0},
        {"ed25519 verify, 128-byte message, altered", 1, 0, 0xffffffffu},
        {"sha256 of 4096 bytes", 2, 4096, 0x100},
        {"sha256 of 64 bytes", 2, 64, 0x100},
        {"sha512 of 4096 bytes", 3, 4096, 0x100},
        {"sha512 of 128 bytes", 3, 128, 0x100},
    };
    uc_engine *uc;
    uc_hook hook;
    FILE *f;
    size_t len, i;
    uint32_t entry, halt;
    int failed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: m3_run IMAGE.bin\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    len = fread(flash, 1, sizeof flash, f);
    fclose(f);
    memcpy(&entry, flash, 4);
    memcpy(&halt, flash + 4, 4);

    check(uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc), "open");
    check(uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M3), "cpu model");
    check(uc_mem_map(uc, FLASH_BASE, FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC), "map flash");
    check(uc_mem_map(uc, RAM_BASE, RAM_SIZE, UC_PROT_ALL), "map ram");
    check(uc_mem_write(uc, FLASH_BASE, flash, len), "load image");
    check(uc_hook_add(uc, &hook, UC_HOOK_CODE, (void *)on_code, NULL, 1, 0), "hook");

    printf("image %zu bytes; cycles: estimate at zero wait states (see m3_run.c)\n", len);
    for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        uint32_t stack, r = run(uc, entry, halt, calls[i].cmd, calls[i].n, &stack);
        int ok = calls[i].want == 0x100 || r == calls[i].want;
        printf("%-44s %10llu instr %10llu cycles %6u B stack", calls[i].name, (unsigned long long)instructions,
               (unsigned long long)cycles, stack);
        if (calls[i].n)
            printf("  (%.1f cycles/B)", (double)cycles / calls[i].n);
        printf("%s\n", ok ? "" : "  WRONG RESULT");
        failed |= !ok;
    }
    uc_close(uc);
    return failed;
}
