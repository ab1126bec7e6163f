import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';
import { isMotaError } from '../common/errors.ts';

const SR_BSY = 1 << 0;
const SR_PGERR = 1 << 2;
const SR_EOP = 1 << 5;
const CR_PG = 1 << 0;
const CR_LOCK = 1 << 7;

function results(b: Board, n: number): number[] {
  return Array.from({ length: n }, (_, i) => b.readU32(RESULTS + 4 * i));
}

describe('FLASH / FPEC (RM0008 §3.3.3, PM0075 §2.3)', () => {
  it('follows_the_programming_rules_lock_erase_program_pgerr_and_zero_overwrite', async () => {
    const b = Board.create();
    b.loadElf(testProgram('flash_rules'));
    b.flash.fill(0x00, 0x20000, 0x20800); // page 64 starts programmed: the erase must clear it
    const r = await b.run({ ms: 200 });
    expect(r.reason).toBe('halt');
    const res = results(b, 15);
    expect(res[0]).toBe(1);
    // PM0075 §2.3.1: FLASH_CR is write-protected while LOCK: PG stays clear
    expect(res[1]! & (CR_LOCK | CR_PG)).toBe(CR_LOCK);
    expect(res[2]! & CR_LOCK).toBe(0); // KEY1, KEY2 unlocked it
    // page erase: 20 ms at 8 MHz = 160 000 cycles (DS5792 tERASE), EOP, reads 0xFF
    expect(res[3]).toBeGreaterThanOrEqual(160_000);
    expect(res[3]).toBeLessThan(160_100);
    expect(res[4]! & (SR_EOP | SR_BSY | SR_PGERR)).toBe(SR_EOP);
    expect(res[5]).toBe(0xffffffff);
    // halfword program: 52.5 µs = 420 cycles (DS5792 tPROG typ)
    expect(res[6]).toBeGreaterThanOrEqual(420);
    expect(res[6]).toBeLessThan(520);
    expect(res[7]! & (SR_EOP | SR_PGERR)).toBe(SR_EOP);
    expect(res[8]).toBe(0x1234);
    // programming an unerased halfword: PGERR, contents unchanged
    expect(res[9]! & SR_PGERR).toBe(SR_PGERR);
    expect(res[10]).toBe(0x1234);
    // 0x0000 may always be written
    expect(res[11]! & SR_PGERR).toBe(0);
    expect(res[12]).toBe(0);
    expect(res[13]).toBe(0xbeef0000);
    expect(res[14]! & CR_LOCK).toBe(CR_LOCK);
    expect(b.flash.subarray(0x20004, 0x20800).every((x) => x === 0xff)).toBe(true);
    expect(b.flashOps).toBe(4); // erase + 3 programs (the PGERR attempt is not an operation)
    await b.close();
  });

  it('refuses_a_store_to_flash_on_a_locked_controller_with_a_bus_fault', async () => {
    const b = Board.create();
    b.loadElf(testProgram('flash_locked'));
    const e = await b.run({ ms: 10 }).catch((x: unknown) => x);
    expect(isMotaError(e, 'SIM_BUS_FAULT')).toBe(true);
    expect((e as Error).message).toMatch(/0x08020000.*without FLASH_CR.PG/);
    expect(b.readU32(RESULTS + 4) & (CR_LOCK | CR_PG)).toBe(CR_LOCK);
    expect(b.readU32(RESULTS)).toBe(1);
    expect(b.flash[0x20000]).toBe(0xff);
    await b.close();
  });

  it('refuses_a_32_bit_store_to_flash', async () => {
    const b = Board.create();
    b.loadElf(testProgram('misc'));
    new DataView(b.ram.buffer, b.ram.byteOffset).setUint32(RESULTS - 0x20000000 + 63 * 4, 6, true);
    const e = await b.run({ ms: 10 }).catch((x: unknown) => x);
    expect(isMotaError(e, 'SIM_FLASH_WIDTH')).toBe(true);
    await b.close();
  });

  it('a_power_cut_mid_erase_leaves_the_page_neither_old_nor_erased', async () => {
    const b = Board.create({ seed: 42 });
    b.loadElf(testProgram('erase_cut'));
    const page = 0x30000;
    const old = new Uint8Array(2048).map((_, i) => (i * 7 + 3) & 0xff);
    b.flash.set(old, page);
    b.flash.fill(0x5a, page + 2048, page + 4096); // neighbour page untouched by the erase
    const events: string[] = [];
    b.on('power', (p) => events.push(p.on ? 'on' : `off:${p.op?.kind}`));
    b.cutPower({ atFlashOp: 1 });
    const r = await b.run({ ms: 100 });
    expect(r.reason).toBe('power-cut');
    expect(events).toEqual(['off:page-erase']);
    expect(b.isPowered).toBe(false);
    const after = b.flash.slice(page, page + 2048);
    let erased = 0;
    let kept = 0;
    let other = 0;
    for (let w = 0; w < 512; w++) {
      const word = after.subarray(w * 4, w * 4 + 4);
      const oldWord = old.subarray(w * 4, w * 4 + 4);
      if (word.every((x) => x === 0xff)) erased++;
      else if (word.every((x, i) => x === oldWord[i])) kept++;
      else other++;
    }
    expect(erased).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(0);
    expect(b.flash.subarray(page + 2048, page + 4096).every((x) => x === 0x5a)).toBe(true);
    // the erase never completed: the program did not reach its second marker
    expect(b.readU32(RESULTS)).toBe(1);
    await b.close();
  });

  it('power_cut_damage_is_reproducible_for_a_seed', async () => {
    const images: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) {
      const b = Board.create({ seed: 7 });
      b.loadElf(testProgram('erase_cut'));
      b.flash.fill(0x11, 0x30000, 0x30800);
      b.cutPower({ atFlashOp: 1 });
      await b.run({ ms: 100 });
      images.push(b.flash.slice(0x30000, 0x30800));
      await b.close();
    }
    expect(Buffer.from(images[0]!).equals(Buffer.from(images[1]!))).toBe(true);
  });

  it('powers_on_again_after_a_cut_with_scrambled_ram_and_a_power_on_reset', async () => {
    const b = Board.create({ seed: 3 });
    b.loadElf(testProgram('erase_cut'));
    b.cutPower({ atFlashOp: 1 });
    await b.run({ ms: 100 });
    const ramBefore = b.ram.slice(0x1000, 0x1100);
    const resets: string[] = [];
    b.on('reset', (r) => resets.push(r.cause));
    b.powerOn();
    expect(resets).toEqual(['power']);
    expect(Buffer.from(b.ram.slice(0x1000, 0x1100)).equals(Buffer.from(ramBefore))).toBe(false);
    const r = await b.run({ ms: 100 });
    expect(r.reason).toBe('halt');
    expect(b.readU32(RESULTS)).toBe(2);
    expect(b.flash.subarray(0x30000, 0x30800).every((x) => x === 0xff)).toBe(true);
    await b.close();
  });

  it('persists_the_flash_image_to_a_file_across_boards', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mota-sim-')), 'flash.bin');
    const a = Board.create({ flashFile: file });
    a.loadElf(testProgram('flash_rules'));
    await a.run({ ms: 200 });
    // saved when the run ended, before close
    expect(readFileSync(file).readUInt16LE(0x20002)).toBe(0xbeef);
    await a.close();
    const saved = readFileSync(file);
    expect(saved.length).toBe(256 * 1024);
    expect(saved.readUInt16LE(0x20000)).toBe(0);
    expect(saved.readUInt16LE(0x20002)).toBe(0xbeef);
    const b = Board.create({ flashFile: file });
    expect(b.flash[0x20002]).toBe(0xef);
    await b.close();
  });
});

describe('code in reprogrammed flash', () => {
  it('runs_the_new_code_after_an_erase_and_program_not_a_stale_translation', async () => {
    const b = Board.create();
    b.loadElf(testProgram('flash_exec'));
    const r = await b.run({ ms: 500 });
    expect(r.reason).toBe('halt');
    expect([1, 2, 3].map((i) => b.readU32(RESULTS + 4 * i))).toEqual([42, 7, 42]);
    await b.close();
  });
});

describe('write protection (RM0008 §3.3.3, PM0075 §2.5)', () => {
  it('refuses_to_program_or_erase_a_protected_page_with_wrprterr', async () => {
    const b = Board.create({ wrpr: ~(1 << 16) >>> 0 });
    b.loadElf(testProgram('flash_wrp'));
    b.flash.fill(0x77, 0x10000, 0x11000); // pages 32-33: protected, not erased
    const r = await b.run({ ms: 100 });
    expect(r.reason).toBe('halt');
    const SR_WRPRTERR = 1 << 4;
    expect(b.readU32(RESULTS + 4)).toBe(~(1 << 16) >>> 0);
    expect(b.readU32(RESULTS + 8) & SR_WRPRTERR).toBe(SR_WRPRTERR);
    expect(b.readU32(RESULTS + 12) & SR_WRPRTERR).toBe(SR_WRPRTERR);
    expect(b.readU32(RESULTS + 16) & (SR_WRPRTERR | SR_EOP)).toBe(SR_EOP);
    expect(b.readU32(RESULTS + 20)).toBe(0x1234);
    expect(b.readU32(RESULTS + 24)).toBe(0x7777);
    expect(b.flash.subarray(0x10000, 0x11000).every((x) => x === 0x77)).toBe(true);
    expect(b.flashOps).toBe(1);
    await b.close();
  });
});

describe('flash file', () => {
  it('refuses_a_flash_file_of_another_chip_size', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mota-sim-')), 'c8.bin');
    const c8 = Board.create({ chip: 'c8', flashFile: file });
    c8.loadBin(Uint8Array.of(1, 2, 3, 4), 0x08000000);
    await c8.close();
    expect(readFileSync(file).length).toBe(64 * 1024);
    expect(() => Board.create({ chip: 'rc', flashFile: file })).toThrow(/65536 bytes, the STM32F103RC has 262144/);
  });
});
