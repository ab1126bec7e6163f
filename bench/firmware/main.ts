/**
 * Firmware figures (issues #4, #5) from the ARM builds and the virtual board (sim/):
 * sizes of the app and the bootloader on both chips, instructions per sine inference,
 * instructions for the bootloader to verify a sine package at END, the planned arena.
 *   npx tsx bench/firmware/main.ts
 * Every figure is measured in the run; the reference numbers are DESIGN.md's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTflite, ReferenceInterpreter } from '../../models/index.ts';
import { buildPackage, deriveSelfTest, layouts, readPrivateKeyFile, type Board as Chip } from '../../protocol/index.ts';
import { decodeInfo, FrameType, Timing } from '../../protocol/link/frames.ts';
import { Board } from '../../sim/index.ts';
import { VirtualHost } from '../ota/host.ts';
import { paintStack, stackUsed, symbolValue, symbols, Tracer } from './trace.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const CHIPS: Chip[] = ['rc', 'c8'];
const REF = { flash: 156_920, ram: 5_236, inferenceUs: 220, arena: 772, ed25519Cycles: 25.7e6 };
const BUDGET = { appFlash: 16 * 1024, appRam: 4 * 1024, blFlash: 20 * 1024, arena: 256 };
const MHZ = 72;
const wall0 = performance.now();

// ---- builds ----
const make = (dir: string, args: string[]) => execFileSync('make', ['-s', '-C', join(repo, dir), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
for (const chip of CHIPS) {
  make('firmware', [`BOARD=${chip}`, 'all']);
  make('bootloader', [`BOARD=${chip}`, 'arm']);
}
const appElf = (chip: Chip) => join(repo, `firmware/build/${chip}/app.elf`);
const blElf = (chip: Chip) => join(repo, `bootloader/build/${chip}/bootloader.elf`);

// ---- sizes (arm-none-eabi-size) ----
interface Size { text: number; data: number; bss: number; stack: number; noinit: number; flash: number; ram: number }
function size(elf: string): Size {
  const sec = new Map<string, number>();
  for (const line of execFileSync('arm-none-eabi-size', ['-A', elf], { encoding: 'utf8' }).split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line);
    if (m) sec.set(m[1]!, Number(m[2]));
  }
  const g = (n: string) => sec.get(n) ?? 0;
  const text = g('.isr_vector') + g('.text') + g('.rodata') + g('.ARM.exidx');
  const s = { text, data: g('.data'), bss: g('.bss'), stack: g('.stack'), noinit: g('.noinit') };
  return { ...s, flash: s.text + s.data, ram: s.data + s.bss + s.stack + s.noinit };
}

// ---- packages ----
const key = readPrivateKeyFile(join(repo, 'keys/mota-dev.key'));
const sineFile = join(repo, 'models/sine/sinemodel-1.1.0.tflite');
/** `created` is fixed so that a run is reproducible; Ed25519 verify time depends on the signature, so a few are measured. */
function sinePackage(chip: Chip, created = 1_763_900_000): Uint8Array {
  const payload = new Uint8Array(readFileSync(sineFile));
  const selftest = deriveSelfTest(new ReferenceInterpreter(readTflite(payload), { rounding: 'double' }), { count: 8, rounding: 'double' });
  return buildPackage({ name: 'sinemodel', version: '1.1.0', payload, selftest, privateKey: key, capacity: layouts[chip].slotSize, created });
}

// ---- instructions per inference: the real app, a sine package in slot A, no bootloader ----
interface Inference { counts: number[]; reportUs: number; arena: string; chip: Chip; stack: number; stackSize: number }
async function inference(chip: Chip, frames: number): Promise<Inference> {
  const b = Board.create({ chip, seed: 1 });
  try {
    b.loadElf(appElf(chip));
    const app = readFileSync(join(repo, `firmware/build/${chip}/app.bin`));
    b.loadBin(app.subarray(0, 8), 0x08000000); // boot words at 0x08000000 point at the app (flashed alone)
    b.loadBin(sinePackage(chip), layouts[chip].slotA.addr);
    const stackTop = symbolValue(appElf(chip), '_estack'), stackSize = symbolValue(appElf(chip), '_stack_size');
    paintStack(b, stackTop - stackSize, stackTop); // deepest use over boot report, self-test and the frames below
    const host = new VirtualHost(b, 0);
    const report = new Map<string, string>();
    for (;;) {
      const u = await host.nextUnit(3_000_000);
      if (!u) throw new Error(`no boot report; lines: ${host.lines.join(' | ')}`);
      if (u.unit.kind !== 'text') continue;
      const k = u.unit.text.indexOf(': ');
      if (k > 0) report.set(u.unit.text.slice(0, k), u.unit.text.slice(k + 2));
      if (u.unit.text.startsWith('ready: ')) break;
    }
    const period = Number(/frame every (\d+) us/.exec(report.get('ready') ?? '')?.[1]);
    if (!(period > 0)) throw new Error(`no frame period in ${report.get('ready')}`);
    const fns = new Map([...symbols(appElf(chip))].filter(([n]) => /^mi_invoke_int8(\.|$)/.test(n)));
    if (fns.size !== 1) throw new Error(`mi_invoke_int8 not found once in app.elf: ${[...fns.keys()].join(', ')}`);
    const name = [...fns.keys()][0]!;
    const tracer = new Tracer(b, fns);
    for (let n = 0; n < frames; n++) {
      // the plot frame of the last inference left the board: the next one starts a frame period later
      const u = await host.nextUnit(2 * period);
      if (!u) throw new Error('no plot frame');
      if (u.unit.kind !== 'plot') { n--; continue; }
      await b.run({ us: Math.max(0, u.t + period - 2000 - b.virtualTimeUs) });
      const before = tracer.counts.get(name)!.calls;
      await tracer.stepUntil(() => tracer.counts.get(name)!.calls > before, 2_000_000);
    }
    return { counts: tracer.counts.get(name)!.each, reportUs: Number(report.get('inference_us')), arena: report.get('arena') ?? '?', chip, stack: stackUsed(b, stackTop - stackSize, stackTop), stackSize };
  } finally {
    await b.close();
  }
}

// ---- the bootloader's END for a sine package: verify (CRC, SHA-256, Ed25519 with SHA-512), journal ----
interface Verify { stack: number; endInstructions: number; endUs: number; fns: Map<string, { calls: number; each: number[] }>; steps: number; ok: boolean }
async function verifyAtEnd(chip: Chip, pkg: Uint8Array): Promise<Verify> {
  const b = Board.create({ chip, seed: 1 });
  try {
    b.loadElf(blElf(chip)); // no app, no model: the bootloader stays and serves the protocol
    const ebss = symbolValue(blElf(chip), '_ebss'), estack = symbolValue(blElf(chip), '_estack');
    paintStack(b, ebss, estack); // the stack grows down from the top of RAM over everything above .bss
    const host = new VirtualHost(b, 0);
    await b.run({ ms: 300 });
    const info = decodeInfo((await host.call(FrameType.INFO, undefined, Timing.T_REPLY)).unit.payload);
    await host.beginAndData(pkg, info.window, info.maxPayload - 4);
    await b.run({ ms: 5 }); // let the last answer's bytes and any flash work settle
    host.send(FrameType.END);
    const i0 = b.instructions;
    const t0 = b.virtualTimeUs;
    const sym = symbols(blElf(chip));
    const want = ['mota_verify_package', 'mota_package_check_ex', 'mota_flash_crc32', 'mota_crc32_words', 'mota_sha256', 'mota_verify_authenticity',
      'mota_ed25519_verify', 'mota_sha512_update', 'mota_sha512_final', 'mota_journal_commit'];
    const fns = new Map(want.filter((n) => sym.has(n)).map((n) => [n, sym.get(n)!] as [string, number]));
    const tracer = new Tracer(b, fns);
    // trace from END's arrival to the journal record (the verify is inside, once)
    const done = () => (tracer.counts.get('mota_verify_package')?.calls ?? 0) > 0 && tracer.depth === 0 && (tracer.counts.get('mota_journal_commit')?.calls ?? 1) > 0;
    await tracer.stepUntil(done, 5_000_000);
    const end = await host.nextFrame(Timing.T_END * 1000, 'END');
    return { stack: stackUsed(b, ebss, estack), endInstructions: b.instructions - i0, endUs: b.virtualTimeUs - t0, fns: tracer.counts, steps: tracer.steps, ok: end.unit.type === (FrameType.END | 0x80) };
  } finally {
    await b.close();
  }
}

// ---- run ----
const sizes = CHIPS.map((chip) => ({ chip, app: size(appElf(chip)), bl: size(blElf(chip)) }));
const infer = await inference('rc', 8);
const inferC8 = await inference('c8', 2);
const SIGNATURES = 4;
const vers: Verify[] = [];
for (let i = 0; i < SIGNATURES; i++) vers.push(await verifyAtEnd('rc', sinePackage('rc', 1_763_900_000 + i)));
const ver = vers[0]!;

const n = (v: number) => v.toLocaleString('en-US');
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
console.log('\nbench/firmware: ARM builds (arm-none-eabi-gcc), arm-none-eabi-size -A; instruction counts on the virtual STM32F103 (sim/), exact.\n');
console.log('| image | chip | text B | data B | bss B | stack + hand-off B | flash B | RAM B | flash budget | RAM budget | reference (TFLM demo) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const s of sizes) {
  const a = s.app;
  console.log(`| app | ${s.chip} | ${n(a.text)} | ${n(a.data)} | ${n(a.bss)} | ${n(a.stack + a.noinit)} | ${n(a.flash)} | ${n(a.ram)} | ${n(BUDGET.appFlash)} (${pct(a.flash, BUDGET.appFlash)}) ${a.flash <= BUDGET.appFlash ? 'ok' : 'OVER'} | ${n(BUDGET.appRam)} (${pct(a.ram, BUDGET.appRam)}) ${a.ram <= BUDGET.appRam ? 'ok' : 'OVER'} | ${n(REF.flash)} flash (${(REF.flash / a.flash).toFixed(1)}×), ${n(REF.ram)} RAM (${(REF.ram / a.ram).toFixed(2)}×) |`);
}
for (const s of sizes) {
  const l = s.bl;
  console.log(`| bootloader | ${s.chip} | ${n(l.text)} | ${n(l.data)} | ${n(l.bss)} | ${n(l.stack + l.noinit)} | ${n(l.flash)} | ${n(l.ram)} | ${n(BUDGET.blFlash)} (${pct(l.flash, BUDGET.blFlash)}) ${l.flash <= BUDGET.blFlash ? 'ok' : 'OVER'} | static only; stack: peak ${n(Math.max(...vers.map((x) => x.stack)))} B (${s.chip === 'rc' ? 'measured on RC: boot, upload, END verify' : 'RC figure'}) | — |`);
}
const c8 = layouts.c8;
console.log(`\nApp stack: ${n(infer.stack)} of ${n(infer.stackSize)} B used at most on RC (${n(inferC8.stack)} on C8), over boot, report, self-test and ${infer.counts.length} sine frames (painted stack, virtual board).`);
console.log(`C8 (64 KiB): bootloader region ${n(c8.bootloader.size)} B, journal ${n(c8.journal.size)} B, app region ${n(c8.app.size)} B, slots 2 × ${n(c8.slotSize)} B; ` +
  `a sine package is ${n(sinePackage('c8').length)} B (${pct(sinePackage('c8').length, c8.slotSize)} of a slot).`);

const ci = infer.counts;
const min = Math.min(...ci), max = Math.max(...ci), avg = ci.reduce((x, y) => x + y, 0) / ci.length;
const v = (name: string) => ver.fns.get(name);
const total = (x: Verify, name: string) => x.fns.get(name)?.each.reduce((a, b) => a + b, 0) ?? 0;
const one = (name: string) => total(ver, name);
/** min–max over the packages signed differently */
const span = (name: string) => {
  const t = vers.map((x) => total(x, name));
  const lo = Math.min(...t), hi = Math.max(...t);
  return lo === hi ? n(lo) : `${n(lo)}–${n(hi)}`;
};
console.log('\n| measure | mota (measured) | reference / anchor | how |');
console.log('|---|---:|---:|---|');
console.log(`| instructions per sine inference (sinemodel 1.1.0, RC) | ${n(min)}–${n(max)} (mean ${n(Math.round(avg))}, ${ci.length} inferences) | ~15,800 cycles (220 µs at 72 MHz) | mi_invoke_int8 entry → return in the app's sine loop, block-stepped on the virtual board |`);
console.log(`| µs per inference at 72 MHz, 1 cycle/instruction | ${(min / MHZ).toFixed(1)}–${(max / MHZ).toFixed(1)} | ${REF.inferenceUs} | instructions ÷ 72 (${(REF.inferenceUs / (avg / MHZ)).toFixed(1)}× faster) |`);
console.log(`| the app's own boot report, inference_us (TIM2, 16 runs) | RC ${infer.reportUs} µs, C8 ${inferC8.reportUs} µs | 220 µs | virtual TIM2 (time = instructions at 72 MHz) |`);
console.log(`| instructions per sine inference (C8) | ${n(Math.min(...inferC8.counts))}–${n(Math.max(...inferC8.counts))} | | same, C8 build |`);
console.log(`| planned arena, sine model | ${infer.arena} (RC), ${inferC8.arena} (C8) | TFLM ${REF.arena} B (budget ${BUDGET.arena} B) | boot report \`arena:\` line on the virtual board |`);
console.log(`| bootloader END for a ${n(sinePackage('rc').length)}-byte sine package (frame in → answer out), ${SIGNATURES} signatures | ${n(Math.min(...vers.map((x) => x.endInstructions)))}–${n(Math.max(...vers.map((x) => x.endInstructions)))} instructions, ${(Math.min(...vers.map((x) => x.endUs)) / 1000).toFixed(1)}–${(Math.max(...vers.map((x) => x.endUs)) / 1000).toFixed(1)} ms virtual | — | includes RX/TX of END frames, journal record, flash stalls in ms |`);
console.log(`| of which mota_verify_package (checks 1–16) | ${span('mota_verify_package')} instructions = ${(Math.max(...vers.map((x) => total(x, 'mota_verify_package'))) / MHZ / 1000).toFixed(1)} ms at 72 MHz (max) | — | inclusive, block-stepped |`);
const body = sinePackage('rc').length - 128 - 64; // SHA-256 covers the body (header and signature excluded)
const rows: [string, string, string][] = [
  ['mota_package_check_ex', 'checks 1–13: header fields, header and body CRC-32', ''],
  ['mota_crc32_words', 'of which CRC-32/MPEG-2 in software', ''],
  ['mota_sha256', `check 14: SHA-256 of the ${n(body)}-byte body, ${(one('mota_sha256') / body).toFixed(1)} instructions/B`, 'DESIGN: ~97 cycles/B'],
  ['mota_ed25519_verify', 'check 16: Ed25519 verify of the header (its SHA-512 over 192 B included)', `portable C on an M3: ~${n(REF.ed25519Cycles)} cycles (${(REF.ed25519Cycles / Math.max(...vers.map((x) => total(x, 'mota_ed25519_verify')))).toFixed(1)}× the max)`],
  ['mota_sha512_update', 'of which SHA-512 update', ''],
];
for (const [name, what, anchor] of rows) {
  const c = v(name);
  if (!c || c.calls === 0) continue;
  console.log(`| ${what} (\`${name}\`) | ${span(name)} instructions, ${c.calls} call${c.calls > 1 ? 's' : ''} | ${anchor} | inclusive, block-stepped |`);
}
console.log(`| journal record at END (mota_journal_commit) | ${span('mota_journal_commit')} instructions | — | inclusive (flash stall time is not instructions) |`);
console.log('\nInstructions, not cycles: on a Cortex-M3, loads take 2 cycles, taken branches 2–4 and UMULL/UMLAL 3–5, flash wait states add more, so cycle counts on silicon are higher than these instruction counts (the virtual board runs at 1 cycle per instruction).');
console.log(`\nEND answered ${vers.every((x) => x.ok) ? 'PENDING (verify passed) for every package' : 'with an ERROR'}; ${n(vers.reduce((a, x) => a + x.steps, 0))} blocks stepped. (${((performance.now() - wall0) / 1000).toFixed(1)} s wall)`);
