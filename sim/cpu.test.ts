import { describe, expect, it } from 'vitest';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';
import { isMotaError } from '../common/errors.ts';

const N = 1_000_000;
const LOOP_TOTAL = 2 + 3 * N + 2; // count.S: setup, 3 per iteration (one 32-bit), mov.w + bkpt

async function runMisc(scenario: number): Promise<unknown> {
  const b = Board.create();
  b.loadElf(testProgram('misc'));
  new DataView(b.ram.buffer, b.ram.byteOffset).setUint32(RESULTS - 0x20000000 + 63 * 4, scenario, true);
  try {
    await b.run({ ms: 10 });
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await b.close();
  }
}

describe('CPU and instruction counting', () => {
  it('counts_every_instruction_of_a_known_loop_exactly', async () => {
    const b = Board.create();
    b.loadElf(testProgram('count'));
    const halts: number[] = [];
    b.on('halt', (h) => halts.push(h.code));
    const r = await b.run({ ms: 1000 });
    expect(r.reason).toBe('halt');
    expect(b.instructions).toBe(LOOP_TOTAL);
    expect(b.reg(1)).toBe(3 * N);
    expect(halts).toEqual([0]);
    // HSI 8 MHz, CPI 1: virtual time is instructions / 8 MHz
    expect(b.virtualTimeUs).toBeCloseTo(LOOP_TOTAL / 8, 3);
    await b.close();
  });

  it('stops_on_an_instruction_budget_at_a_block_boundary_and_resumes_without_losing_count', async () => {
    const b = Board.create();
    b.loadElf(testProgram('count'));
    let steps = 0;
    for (;;) {
      const before = b.instructions;
      const r = await b.run({ instructions: 777 });
      steps++;
      if (r.reason === 'halt') break;
      expect(r.reason).toBe('instructions');
      // the first block is 5 instructions (setup + first iteration), then 3 per loop block:
      // a run ends at the first block boundary at or after its budget
      expect((b.instructions - 5) % 3).toBe(0);
      expect(b.instructions - before).toBeGreaterThanOrEqual(777);
      expect(b.instructions - before).toBeLessThan(777 + 5);
    }
    expect(steps).toBeGreaterThan(1000);
    expect(b.instructions).toBe(LOOP_TOTAL);
    await b.close();
  });

  it('counts_exactly_with_a_cycles_per_instruction_factor', async () => {
    const b = Board.create({ cpi: 2 });
    b.loadElf(testProgram('count'));
    await b.run({ ms: 2000 });
    expect(b.instructions).toBe(LOOP_TOTAL);
    expect(b.virtualTimeUs).toBeCloseTo((LOOP_TOTAL * 2) / 8, 3);
    await b.close();
  });

  it('an_unmapped_read_stops_the_run_with_an_error_naming_pc_and_address', async () => {
    const e = await runMisc(1);
    expect(isMotaError(e, 'SIM_BUS_FAULT')).toBe(true);
    expect((e as Error).message).toMatch(/0x60000000/);
    expect((e as Error).message).toMatch(/PC 0x080/);
  });

  it('an_unmodelled_peripheral_is_a_loud_error_with_its_address', async () => {
    const e = await runMisc(2);
    expect(isMotaError(e, 'SIM_UNMODELLED_PERIPHERAL')).toBe(true);
    expect((e as Error).message).toMatch(/0x40004400/);
  });

  it('an_unmodelled_register_of_a_modelled_peripheral_is_a_loud_error', async () => {
    const e = await runMisc(3);
    expect(isMotaError(e, 'SIM_UNMODELLED_REGISTER')).toBe(true);
    expect((e as Error).message).toMatch(/FLASH register at 0x40022018/);
  });

  it('a_peripheral_accessed_with_its_clock_off_is_reported', async () => {
    const e = await runMisc(4);
    expect(isMotaError(e, 'SIM_CLOCK_DISABLED')).toBe(true);
    expect((e as Error).message).toMatch(/USART1/);
  });

  it('an_undefined_instruction_stops_the_run', async () => {
    const e = await runMisc(5);
    expect(isMotaError(e, 'SIM_CPU_FAULT')).toBe(true);
    expect((e as Error).message).toMatch(/undefined instruction/);
  });

  it('a_store_to_the_read_only_unique_id_is_a_bus_fault', async () => {
    const e = await runMisc(7);
    expect(isMotaError(e, 'SIM_BUS_FAULT')).toBe(true);
    expect((e as Error).message).toMatch(/system memory at 0x1FFFF7E8/);
  });

  it('a_jump_into_system_memory_is_refused', async () => {
    const e = await runMisc(8);
    expect(isMotaError(e, 'SIM_BUS_FAULT')).toBe(true);
    expect((e as Error).message).toMatch(/fetch from non-executable memory at 0x1FFFF000/);
  });

  it('boots_from_the_vector_table_and_reads_sp_and_pc_from_flash', async () => {
    const b = Board.create();
    b.loadElf(testProgram('count'));
    await b.run({ instructions: 1 });
    // first block ran from the reset vector; SP from word 0
    expect(b.reg(13)).toBe(0x2000c000);
    await b.close();
  });
});
