import { describe, expect, it } from 'vitest';
import { Dwt, Scb, SysTick } from './core.ts';
import type { BoardContext, ResetCause } from './context.ts';

/** Core peripherals against a hand-driven cycle counter (PM0056 §4.4–4.5, ARMv7-M C1.8). */
function board() {
  let cycles = 0;
  const resets: ResetCause[] = [];
  const ctx = {
    clock: { get cycles() { return cycles; }, nowNs: () => cycles * 125, hz: 8e6 },
    requestReset: (c: ResetCause) => resets.push(c),
  } as unknown as BoardContext;
  return { ctx, resets, tick: (n: number) => (cycles += n) };
}

describe('SysTick (PM0056 §4.5)', () => {
  it('counts_down_from_load_reloads_after_zero_and_sets_countflag_once', () => {
    const { ctx, tick } = board();
    const st = new SysTick(ctx);
    st.writeUint32(0x4, 9); // LOAD
    st.writeUint32(0x8, 0); // VAL: clear
    st.writeUint32(0x0, 5); // ENABLE, CLKSOURCE = HCLK
    tick(1);
    expect(st.readUint32(0x8)).toBe(9); // first tick from 0 reloads LOAD
    tick(9);
    expect(st.readUint32(0x8)).toBe(0);
    expect(st.readUint32(0x0) & (1 << 16)).toBe(1 << 16);
    expect(st.readUint32(0x0) & (1 << 16)).toBe(0); // cleared by the read
    tick(1);
    expect(st.readUint32(0x8)).toBe(9);
    tick(25); // 2.5 periods
    expect(st.readUint32(0x8)).toBe(4);
    expect(st.readUint32(0x0) & (1 << 16)).toBe(1 << 16);
  });

  it('refuses_the_systick_interrupt_because_there_is_no_nvic', () => {
    const st = new SysTick(board().ctx);
    expect(() => st.writeUint32(0x0, 3)).toThrow(/NVIC/);
  });
});

describe('SCB and DWT', () => {
  it('resets_the_system_only_with_the_aircr_key', () => {
    const { ctx, resets } = board();
    const scb = new Scb(ctx);
    scb.writeUint32(0x0c, 0x00000004); // no VECTKEY: ignored
    expect(resets).toEqual([]);
    scb.writeUint32(0x0c, 0x05fa0004);
    expect(resets).toEqual(['software']);
    expect(scb.readUint32(0x00)).toBe(0x411fc231);
    scb.writeUint32(0x08, 0x08006000);
    expect(scb.readUint32(0x08)).toBe(0x08006000);
  });

  it('counts_cycles_in_cyccnt_only_with_trcena_and_cyccntena', () => {
    const { ctx, tick } = board();
    const scb = new Scb(ctx);
    const dwt = new Dwt(ctx, scb);
    dwt.writeUint32(0x0, 1);
    tick(100);
    expect(dwt.readUint32(0x4)).toBe(0); // DEMCR.TRCENA still 0
    scb.writeUint32(0xfc, 1 << 24);
    dwt.writeUint32(0x0, 1);
    tick(100);
    expect(dwt.readUint32(0x4)).toBe(100);
    dwt.writeUint32(0x4, 0xfffffff0);
    tick(0x20);
    expect(dwt.readUint32(0x4)).toBe(0x10); // wraps mod 2^32
  });
});
