import { describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { Board } from './index.ts';
import { RESULTS, testProgram } from './testing.ts';

const SR_ORE = 1 << 3;
const SR_RXNE = 1 << 5;
const DMA_TCIF5 = 1 << 17;

describe('USART1 and DMA1 (RM0008 §27, §13)', () => {
  it('echoes_bytes_through_the_in_process_stream', async () => {
    const b = Board.create();
    b.loadElf(testProgram('uart_echo'));
    const got: Buffer[] = [];
    b.uart.on('data', (d: Buffer) => got.push(d));
    await b.run({ until: () => Buffer.concat(got).toString() === 'ready\n', ms: 50 });
    b.uart.write(Buffer.from('hello, board'));
    await b.run({ until: () => Buffer.concat(got).length >= 6 + 12, ms: 50 });
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).toString()).toBe('ready\nhello, board');
    await b.close();
  });

  it('loses_characters_sent_to_an_unpowered_board_or_on_the_wire_at_a_power_cut', async () => {
    const b = Board.create();
    b.loadElf(testProgram('uart_echo'));
    const got: Buffer[] = [];
    b.uart.on('data', (d: Buffer) => got.push(d));
    await b.run({ until: () => Buffer.concat(got).toString() === 'ready\n', ms: 50 });
    b.sendToUart('lost at the cut');
    b.cutPower();
    b.sendToUart('lost while off');
    expect(b.usart1.pendingFromHost).toBe(0);
    b.powerOn();
    await b.run({ until: () => Buffer.concat(got).toString() === 'ready\nready\n', ms: 50 });
    b.sendToUart('kept');
    await b.run({ until: () => Buffer.concat(got).length >= 16, ms: 50 });
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).toString()).toBe('ready\nready\nkept');
    await b.close();
  });

  it('takes_a_frame_time_per_character_at_the_configured_baud', async () => {
    const b = Board.create();
    b.loadElf(testProgram('uart_echo'));
    await b.run({ until: (x) => x.takeUartOutput().length > 0 || false, ms: 50 });
    await b.run({ us: 2000 });
    b.takeUartOutput();
    const payload = Buffer.alloc(100, 0x41);
    const t0 = b.virtualTimeUs;
    b.sendToUart(payload);
    let n = 0;
    await b.run({ until: (x) => (n += x.takeUartOutput().length) >= 100, ms: 100 });
    // BRR 69 at 8 MHz: 115942 baud, 10 bits: 86.25 µs per character; echo adds one frame
    const perChar = 10 / (8e6 / 69);
    const elapsed = (b.virtualTimeUs - t0) / 1e6;
    expect(elapsed).toBeGreaterThanOrEqual(101 * perChar * 0.999);
    expect(elapsed).toBeLessThan(101 * perChar + 0.0002);
    await b.close();
  });

  it('overruns_without_dma_and_keeps_every_byte_with_circular_dma_during_a_page_erase', async () => {
    const b = Board.create();
    b.loadElf(testProgram('dma_rx'));
    await b.run({ until: (x) => x.takeUartOutput().toString() === '1', ms: 50 });
    const burst = Buffer.from(Array.from({ length: 40 }, (_, i) => 0x30 + i));
    b.sendToUart(burst);
    await b.run({ until: (x) => x.takeUartOutput().toString() === '2', ms: 200 });
    // phase 1: the CPU stalled 20 ms on the erase; the 40 characters needed 3.5 ms: ORE, first kept
    const sr1 = b.readU32(RESULTS + 4);
    expect(sr1 & (SR_ORE | SR_RXNE)).toBe(SR_ORE | SR_RXNE);
    expect(b.readU32(RESULTS + 8)).toBe(0x30);
    expect(b.usart1.lost).toBe(39);
    b.sendToUart(burst);
    const r = await b.run({ ms: 200 });
    expect(r.reason).toBe('halt');
    expect(b.readU32(RESULTS + 12)).toBe(40);
    expect(b.readU32(RESULTS + 16) & SR_ORE).toBe(0);
    expect(b.readU32(RESULTS + 20) & DMA_TCIF5).toBe(0);
    expect(Buffer.from(b.readBytes(0x20000200, 40)).equals(burst)).toBe(true);
    expect(b.usart1.lost).toBe(39);
    await b.close();
  });

  it('wraps_a_circular_dma_ring_and_sets_half_and_full_transfer_flags', async () => {
    const b = Board.create();
    b.loadElf(testProgram('dma_rx'));
    await b.run({ until: (x) => x.takeUartOutput().toString() === '1', ms: 50 });
    b.sendToUart('x');
    await b.run({ until: (x) => x.takeUartOutput().toString() === '2', ms: 200 });
    const data = Buffer.from(Array.from({ length: 70 }, (_, i) => i + 1));
    b.sendToUart(data);
    await b.run({ ms: 200 });
    // 70 bytes into a 64-byte ring: 6 wrapped to the start
    const ring = Buffer.from(b.readBytes(0x20000200, 64));
    expect(ring.subarray(0, 6).equals(data.subarray(64, 70))).toBe(true);
    expect(ring.subarray(6, 64).equals(data.subarray(6, 64))).toBe(true);
    expect(b.readU32(0x40020000) & (0xf << 16)).toBe(0x7 << 16); // GIF5 TCIF5 HTIF5
    await b.close();
  });

  it('transmits_a_flash_buffer_by_dma_channel_4_at_the_line_rate', async () => {
    const b = Board.create();
    b.loadElf(testProgram('dma_tx'));
    const r = await b.run({ ms: 50 });
    expect(r.reason).toBe('halt');
    expect(b.takeUartOutput().toString()).toBe('sent by DMA channel 4');
    expect(b.readU32(RESULTS + 4)).toBe(0); // CNDTR4 counted down to 0
    expect(b.readU32(RESULTS + 8) & (0x7 << 12)).toBe(0x7 << 12); // GIF4 TCIF4 HTIF4
    // 21 characters of 10 bits at 8 MHz / 69: the CPU halts only after the last stop bit
    expect(b.virtualTimeUs).toBeGreaterThan((21 * 10 * 69) / 8);
    expect(b.virtualTimeUs).toBeLessThan((21 * 10 * 69) / 8 + 100);
    await b.close();
  });

  it('echoes_both_ways_through_a_pty_opened_with_serialport', async () => {
    const b = Board.create();
    b.loadElf(testProgram('uart_echo'));
    const path = await b.openPty();
    expect(path).toMatch(/^\/dev\/pts\//);
    const port = new SerialPort({ path, baudRate: 115200 });
    await new Promise<void>((res, rej) => port.on('open', res).on('error', rej));
    const got: Buffer[] = [];
    port.on('data', (d: Buffer) => got.push(d));
    const wallStart = performance.now();
    const running = b.run({ pace: 'realtime', ms: 5000, until: () => Buffer.concat(got).toString().endsWith('ping-pong') });
    await new Promise((r) => setTimeout(r, 50));
    port.write('ping-pong');
    const r = await running;
    expect(r.reason).toBe('until');
    // realtime pacing: virtual time never ran ahead of the wall clock (one 2 ms slice of slack)
    expect(b.virtualTimeUs / 1000).toBeLessThanOrEqual(performance.now() - wallStart + 3);
    expect(b.virtualTimeUs / 1000).toBeGreaterThan(10);
    await new Promise((res) => setTimeout(res, 20));
    expect(Buffer.concat(got).toString()).toBe('ready\nping-pong');
    await new Promise<void>((res) => port.close(() => res()));
    await b.close();
  });
});
