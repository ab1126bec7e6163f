import { describe, expect, it } from 'vitest';
import { Timer2 } from './tim.ts';
import type { BoardContext, ClockTree } from './context.ts';

/** TIM2 against a hand-driven clock (RM0008 §15.3.2 time-base unit), 1 MHz timer clock. */
function timer() {
  let now = 0;
  const ctx = { clock: { nowNs: () => now } } as unknown as BoardContext;
  const clocks = { timclk1: 1e6 } as ClockTree;
  const t = new Timer2(ctx, clocks);
  return { t, advanceUs: (us: number) => (now += us * 1000) };
}

const CR1 = 0x00;
const SR = 0x10;
const EGR = 0x14;
const CNT = 0x24;
const ARR = 0x2c;

describe('TIM2 time base (RM0008 §15.3.2)', () => {
  it('counts_from_a_written_cnt_wraps_at_arr_and_sets_uif_every_period', () => {
    const { t, advanceUs } = timer();
    t.writeUint32(ARR, 999);
    t.writeUint32(CNT, 900);
    t.writeUint32(CR1, 1);
    advanceUs(99);
    expect(t.readUint32(CNT)).toBe(999);
    expect(t.readUint32(SR) & 1).toBe(0);
    advanceUs(51);
    expect(t.readUint32(CNT)).toBe(50);
    expect(t.readUint32(SR) & 1).toBe(1);
    t.writeUint32(SR, 0);
    advanceUs(1000); // exactly one more period
    expect(t.readUint32(CNT)).toBe(50);
    expect(t.readUint32(SR) & 1).toBe(1);
    advanceUs(2500);
    expect(t.readUint32(CNT)).toBe(550);
  });

  it('ug_resets_the_counter_and_one_pulse_mode_stops_at_the_update', () => {
    const { t, advanceUs } = timer();
    t.writeUint32(ARR, 99);
    t.writeUint32(CR1, 1 | (1 << 3)); // CEN, OPM
    advanceUs(40);
    t.writeUint32(EGR, 1);
    expect(t.readUint32(CNT)).toBe(0);
    expect(t.readUint32(SR) & 1).toBe(1); // UG sets UIF when URS = 0
    t.writeUint32(SR, 0);
    advanceUs(150);
    expect(t.readUint32(SR) & 1).toBe(1);
    expect(t.readUint32(CR1) & 1).toBe(0);
    expect(t.readUint32(CNT)).toBe(0);
  });

  it('refuses_an_unmodelled_register_loudly', () => {
    const { t } = timer();
    expect(() => t.readUint32(0x50)).toThrow(/TIM2 register at 0x40000050/);
  });
});
