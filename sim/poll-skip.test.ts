import { describe, expect, it } from 'vitest';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';

async function workload(mode: number, loops: number, skipPolling: boolean, sendAtMs?: number) {
  const b = Board.create({ skipPolling });
  b.loadElf(testProgram('bench'));
  const dv = new DataView(b.ram.buffer, b.ram.byteOffset);
  dv.setUint32(RESULTS - 0x20000000 + 62 * 4, loops, true);
  dv.setUint32(RESULTS - 0x20000000 + 63 * 4, mode, true);
  if (sendAtMs !== undefined) {
    await b.run({ ms: sendAtMs });
    b.sendToUart('x');
  }
  const r = await b.run({ ms: 10_000 });
  const out = { reason: r.reason, instructions: b.instructions, timeUs: b.virtualTimeUs, result: b.readU32(RESULTS + 4), stats: b.stats };
  await b.close();
  return out;
}

describe('status-register fast path and poll-loop skipping', () => {
  it('a_wait_loop_on_a_status_flag_retires_the_same_instructions_skipped_or_stepped', async () => {
    const stepped = await workload(3, 0, false, 50);
    const skipped = await workload(3, 0, true, 50);
    expect(stepped.reason).toBe('halt');
    expect(stepped.result).toBe(0x78);
    expect(skipped.result).toBe(0x78);
    expect(skipped.instructions).toBe(stepped.instructions);
    expect(skipped.timeUs).toBe(stepped.timeUs);
    expect(stepped.stats.skipped).toBe(0);
    expect(skipped.stats.skipped).toBeGreaterThan(0.9 * skipped.instructions);
    // the cached status register answered the polls without calling into JavaScript
    expect(stepped.stats.fastReads).toBeGreaterThan(100_000);
    expect(stepped.stats.ioCalls).toBeLessThan(100);
  });

  it('an_idle_loop_waiting_for_the_watchdog_is_skipped_to_the_same_reset', async () => {
    const runs = [];
    for (const skipPolling of [false, true]) {
      const b = Board.create({ skipPolling });
      b.loadElf(testProgram('iwdg'));
      const resets: number[] = [];
      b.on('reset', () => resets.push(b.instructions));
      const r = await b.run({ ms: 100 });
      runs.push({ reason: r.reason, instructions: b.instructions, resets, skipped: b.stats.skipped });
      await b.close();
    }
    expect(runs[0]!.reason).toBe('halt');
    expect(runs[1]!.instructions).toBe(runs[0]!.instructions);
    expect(runs[1]!.resets).toEqual(runs[0]!.resets);
    expect(runs[0]!.skipped).toBe(0);
    expect(runs[1]!.skipped).toBeGreaterThan(0.9 * runs[1]!.instructions);
  });

  it('a_counted_polling_loop_is_not_skipped_and_counts_exactly', async () => {
    const a = await workload(2, 200_000, true);
    const b = await workload(2, 200_000, false);
    expect(a.reason).toBe('halt');
    expect(a.result).toBe(0);
    expect(a.instructions).toBe(b.instructions);
    expect(a.stats.skipped).toBe(0);
  });
});
