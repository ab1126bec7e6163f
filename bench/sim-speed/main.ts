/**
 * Emulated instructions per second of the virtual STM32F103 (sim/), exact counts.
 *   npx tsx bench/sim-speed/main.ts
 * Workloads (sim/test-programs/bench.c): a compute-bound loop; firmware busy-polling
 * USART1_SR with a loop counter (every poll is executed); firmware waiting in
 * `while (!(USART1_SR & RXNE))` for a character that arrives after 2 s of virtual time,
 * with poll-loop skipping on (default) and off.
 */
import { Board } from '../../sim/index.ts';
import { RESULTS, testProgram } from '../../sim/testing.ts';

interface Measure {
  name: string;
  instructions: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of this process (user + system): the figure that survives a busy machine. */
  cpuSeconds: number;
}

async function measure(name: string, mode: number, loops: number, opts: { skipPolling?: boolean; sendAtMs?: number } = {}): Promise<Measure> {
  const b = Board.create({ skipPolling: opts.skipPolling ?? true });
  b.loadElf(testProgram('bench'));
  const dv = new DataView(b.ram.buffer, b.ram.byteOffset);
  dv.setUint32(RESULTS - 0x20000000 + 62 * 4, loops, true);
  dv.setUint32(RESULTS - 0x20000000 + 63 * 4, mode, true);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (opts.sendAtMs !== undefined) {
    await b.run({ ms: opts.sendAtMs });
    b.sendToUart('x');
  }
  const r = await b.run({ ms: 1e7 });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  if (r.reason !== 'halt') throw new Error(`${name}: did not finish (${r.reason})`);
  const m = { name, instructions: b.instructions, seconds, cpuSeconds };
  await b.close();
  return m;
}

function report(m: Measure, target?: number): void {
  const rate = m.instructions / m.seconds / 1e6;
  const cpuRate = m.instructions / m.cpuSeconds / 1e6;
  const verdict = target === undefined ? '' : rate >= target ? `  target ≥ ${target}: met` : cpuRate >= target ? `  target ≥ ${target}: met per CPU-second (machine busy)` : `  target ≥ ${target}: NOT met`;
  console.log(
    `${m.name.padEnd(46)} ${String(m.instructions).padStart(10)} instr ${m.seconds.toFixed(3).padStart(7)} s wall ${rate.toFixed(0).padStart(6)} M/s, ${m.cpuSeconds.toFixed(3).padStart(7)} s CPU ${cpuRate.toFixed(0).padStart(6)} M/s${verdict}`,
  );
}

testProgram('bench'); // build outside the timed region
await measure('warm-up', 1, 1000);
const compute = await measure('compute-bound loop', 1, 100_000_000);
report(compute, 300);
const memory = await measure('memory-bound loop (RAM load + store)', 4, 50_000_000);
report(memory);
const counted = await measure('busy-polling USART1_SR (counted, every poll)', 2, 30_000_000);
report(counted, 72);
const wait = await measure('waiting on USART1_SR.RXNE, 2 s virtual', 3, 0, { sendAtMs: 2000 });
report(wait, 72);
const waitNoSkip = await measure('  same, poll-loop skipping off', 3, 0, { sendAtMs: 2000, skipPolling: false });
report(waitNoSkip, 72);
if (wait.instructions !== waitNoSkip.instructions) {
  console.log(`MISMATCH: skipping changed the instruction count (${wait.instructions} vs ${waitNoSkip.instructions})`);
  process.exitCode = 1;
}
