import { describe, expect, it } from 'vitest';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';
import { crc32Word } from './peripherals/crc.ts';

/** Byte-wise CRC-32/MPEG-2, independent of the peripheral model (SPEC §1.4). */
function crcMpeg2(bytes: number[]): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    c >>>= 0;
  }
  return c >>> 0;
}

describe('RCC, CRC, GPIO, TIM2, SysTick, DWT, device ID', () => {
  it('runs_the_peripheral_program_with_timings_from_virtual_time', async () => {
    const b = Board.create({ uid: '0102030405060708090a0b0c' });
    b.loadElf(testProgram('periph'));
    const leds: boolean[] = [];
    b.on('led', (l) => leds.push(l.on));
    const r = await b.run({ ms: 50 });
    expect(r.reason).toBe('halt');
    const res = Array.from({ length: 13 }, (_, i) => b.readU32(RESULTS + 4 * i));
    expect(res[0]).toBe(1);
    // RM0008 §30.1.1 flash size in KB, §30.2 unique ID
    expect(res[1]).toBe(256);
    expect([res[2], res[3], res[4]]).toEqual([0x04030201, 0x08070605, 0x0c0b0a09]);
    // RM0008 §4 CRC over words = byte-wise CRC-32/MPEG-2 of each word's bytes MSB first (SPEC §1.4)
    expect(res[5]).toBe(crcMpeg2([4, 3, 2, 1, 8, 7, 6, 5]));
    expect(crcMpeg2([...'123456789'].map((c) => c.charCodeAt(0)))).toBe(0x0376e6e7);
    expect(crc32Word(0xffffffff, 0x04030201)).toBe(crcMpeg2([4, 3, 2, 1]));
    // GPIO §9.2: PC13 high (LED off), low (on), high
    expect(leds).toEqual([false, true, false]);
    expect(res[6]! & (1 << 13)).toBe(0);
    // TIM2 §15: 1000 ticks of 1 µs at 8 MHz = 8000 cycles (+ the polling loop's granularity)
    expect(res[7]).toBeGreaterThanOrEqual(8000);
    expect(res[7]).toBeLessThan(8030);
    // CNT polled in a loop reaches 500 after 500 µs = 4000 cycles (DWT), and keeps counting
    expect(res[11]).toBeGreaterThanOrEqual(4000);
    expect(res[11]).toBeLessThan(4030);
    expect(res[12]).toBeGreaterThanOrEqual(500);
    expect(res[12]).toBeLessThan(505);
    // SysTick: LOAD 7999 on HCLK: COUNTFLAG after 8000 cycles
    expect(res[8]).toBeGreaterThanOrEqual(7999);
    expect(res[8]).toBeLessThan(8030);
    // RCC §7.3.2: SWS = PLL, PLLMUL 9, HSE, PPRE1 /2
    expect((res[9]! >>> 2) & 3).toBe(2);
    expect(b.rcc.hclk).toBe(72e6);
    expect(b.clock.hz).toBe(72e6);
    // TIM2 at 72 MHz: TIMxCLK = 2 x PCLK1 = 72 MHz, PSC 71: 1 ms = 72000 cycles
    expect(res[10]).toBeGreaterThanOrEqual(72000);
    expect(res[10]).toBeLessThan(72030);
    await b.close();
  });

  it('reports_the_c8_flash_size_and_refuses_a_bad_uid', async () => {
    const b = Board.create({ chip: 'c8' });
    expect(b.readU32(0x1ffff7e0) & 0xffff).toBe(64);
    expect(b.ram.length).toBe(20 * 1024);
    await b.close();
    expect(() => Board.create({ uid: 'xyz' })).toThrow(/24 hex digits/);
  });
});
