import { describe, expect, it } from 'vitest';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';

const CSR_PINRSTF = 1 << 26;
const CSR_PORRSTF = 1 << 27;
const CSR_SFTRSTF = 1 << 28;
const CSR_IWDGRSTF = 1 << 29;

describe('resets (RM0008 §7.1, §19; PM0056 §4.4.5)', () => {
  it('an_iwdg_that_is_never_reloaded_resets_the_chip_after_its_timeout', async () => {
    const b = Board.create();
    b.loadElf(testProgram('iwdg'));
    const resets: { cause: string; atUs: number }[] = [];
    b.on('reset', (r) => resets.push({ cause: r.cause, atUs: b.virtualTimeUs }));
    const r = await b.run({ ms: 100 });
    expect(r.reason).toBe('halt');
    expect(resets.map((x) => x.cause)).toEqual(['watchdog']);
    // RLR 99, PR /4 at 40 kHz: 100 ticks of 100 µs = 10 ms (+ the few µs of setup)
    expect(resets[0]!.atUs).toBeGreaterThan(10_000);
    expect(resets[0]!.atUs).toBeLessThan(10_200);
    const csr = b.readU32(RESULTS + 4);
    expect(csr & CSR_IWDGRSTF).toBe(CSR_IWDGRSTF);
    expect(csr & CSR_PORRSTF).toBe(CSR_PORRSTF); // flags accumulate until RMVF
    expect(b.readU32(RESULTS + 8)).toBe(0xc0ffee); // RAM survived the system reset
    expect(b.reg(0)).toBe(7);
    await b.close();
  });

  it('an_aircr_system_reset_keeps_ram_and_sets_sftrstf', async () => {
    const b = Board.create();
    b.loadElf(testProgram('aircr'));
    const resets: string[] = [];
    b.on('reset', (r) => resets.push(r.cause));
    const r = await b.run({ ms: 10 });
    expect(r.reason).toBe('halt');
    expect(resets).toEqual(['software']);
    expect(b.readU32(RESULTS)).toBe(2);
    expect(b.readU32(RESULTS + 4)).toBe(1); // the pattern survived
    expect(b.readU32(RESULTS + 8) & (CSR_SFTRSTF | CSR_PINRSTF)).toBe(CSR_SFTRSTF | CSR_PINRSTF);
    expect(b.readU32(RESULTS + 12)).toBe(1);
    await b.close();
  });

  it('a_power_cut_scrambles_ram_so_the_noinit_pattern_is_lost', async () => {
    const b = Board.create({ seed: 11 });
    b.loadElf(testProgram('aircr'));
    await b.run({ ms: 10 });
    expect(b.readU32(0x20000008)).toBe(0x5eb00b);
    b.cutPower();
    b.powerOn();
    expect(b.readU32(0x20000008)).not.toBe(0x5eb00b);
    const resets: string[] = [];
    b.on('reset', (r) => resets.push(r.cause));
    await b.run({ ms: 10 });
    // first boot again: it stored the pattern and reset itself
    expect(resets).toEqual(['software']);
    await b.close();
  });

  it('an_armed_time_cut_survives_a_system_reset_in_between', async () => {
    const b = Board.create();
    b.loadElf(testProgram('count')); // runs ~375 ms
    b.cutPower({ atTimeUs: 2_000 });
    await b.run({ ms: 1 });
    b.systemReset('software');
    const r = await b.run({ ms: 100 });
    expect(r.reason).toBe('power-cut');
    expect(b.virtualTimeUs).toBeGreaterThanOrEqual(2_000);
    expect(b.virtualTimeUs).toBeLessThan(2_001);
    await b.close();
  });

  it('cuts_power_at_a_virtual_time_and_at_an_instruction_count', async () => {
    const a = Board.create();
    a.loadElf(testProgram('count'));
    a.cutPower({ atTimeUs: 100 });
    const ra = await a.run({ ms: 1000 });
    expect(ra.reason).toBe('power-cut');
    expect(a.virtualTimeUs).toBeGreaterThanOrEqual(100);
    expect(a.virtualTimeUs).toBeLessThan(100.5);
    await a.close();
    // exact: 5 setup+first-iteration instructions, then 3 per loop block; 5001 and 5003 fall inside blocks
    for (const n of [5000, 5001, 5003, 12]) {
      const b = Board.create();
      b.loadElf(testProgram('count'));
      b.cutPower({ atInstruction: n });
      const rb = await b.run({ ms: 1000 });
      expect(rb.reason).toBe('power-cut');
      expect(b.instructions).toBe(n);
      // r0 counts loop iterations down from 1e6: after n instructions, ceil((n - 2) / 3) subs have run
      const subsDone = Math.floor((n - 2 + 1) / 3);
      expect(b.reg(0)).toBe(1_000_000 - subsDone);
      await b.close();
    }
  });
});
