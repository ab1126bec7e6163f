/**
 * Upload speed (issue #6 "Speed"): the real bootloader and app ELFs on the virtual
 * STM32F103RC, a host driven in virtual time (bench/ota/host.ts) pushing a sine package and a
 * ~64 KiB package at 115200 and 921600 baud with 1 ms and 16 ms link turnaround.
 *   npx tsx bench/ota/main.ts [--baud 115200,921600] [--latency 1,16]
 * Every figure is measured in the run. Efficiency = package bytes ÷ (duration × baud / 10).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTflite, ReferenceInterpreter, writeFullyConnectedModel } from '../../models/index.ts';
import { buildPackage, deriveSelfTest, layouts, readPrivateKeyFile } from '../../protocol/index.ts';
import { decodeInfo, FrameType, MODE_BOOTLOADER, SlotState, Timing } from '../../protocol/link/frames.ts';
import { Board } from '../../sim/index.ts';
import { VirtualHost } from './host.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const args = parseArgs({ options: { baud: { type: 'string', default: '115200,921600' }, latency: { type: 'string', default: '1,16' } } }).values;
const list = (v: string, what: string) =>
  v.split(',').map((x) => {
    const k = Number(x);
    if (!(k >= 0) || !Number.isFinite(k)) throw new Error(`bad --${what} value ${JSON.stringify(x)}`);
    return k;
  });
/** Line rates; the bootloader and app are built for each (bootloader/Makefile BAUD=, firmware MOTA_BAUD). */
const BAUDS = list(args.baud, 'baud');
/** Link turnaround, ms: how long after a byte leaves the board the host acts on it (a USB-serial adapter's latency timer). */
const LATENCIES_MS = list(args.latency, 'latency');
const layout = layouts.rc;

// ---- builds (a clean clone has none) ----
function make(dir: string, args: string[]): void {
  execFileSync('make', ['-s', '-C', join(repo, dir), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}
function elfs(baud: number): { bootloader: string; app: string } {
  if (baud === 115200) {
    make('bootloader', ['BOARD=rc', 'arm']);
    make('firmware', ['BOARD=rc', 'all']);
    return { bootloader: join(repo, 'bootloader/build/rc/bootloader.elf'), app: join(repo, 'firmware/build/rc/app.elf') };
  }
  // bootloader/Makefile has BAUD=; the app's MOTA_BAUD comes through EXTRA_CFLAGS, built here (B= keeps firmware/build/rc intact)
  make('bootloader', ['BOARD=rc', `BAUD=${baud}`, 'arm']);
  const appDir = join(here, 'build', `rc-${baud}`);
  make('firmware', ['BOARD=rc', `B=${appDir}`, `EXTRA_CFLAGS=-DMOTA_BAUD=${baud}u`, 'all']);
  return { bootloader: join(repo, `bootloader/build/rc-${baud}/bootloader.elf`), app: join(appDir, 'app.elf') };
}

// ---- packages (protocol buildPackage, keys/mota-dev.key) ----
const key = readPrivateKeyFile(join(repo, 'keys/mota-dev.key'));
/** A fixed `created` makes every run sign the same bytes (Ed25519 verify time at END depends on the signature). */
const CREATED = 1_763_900_000;
function sinePackage(version: string, file: string): Uint8Array {
  const payload = new Uint8Array(readFileSync(join(repo, 'models/sine', file)));
  const ref = new ReferenceInterpreter(readTflite(payload), { rounding: 'double' });
  const selftest = deriveSelfTest(ref, { count: 8, rounding: 'double' });
  return buildPackage({ name: 'sinemodel', version, payload, selftest, privateKey: key, capacity: layout.slotSize, created: CREATED });
}
/** A valid int8 TFLite model 1 → h → h → 1 (FULLY_CONNECTED, RELU); h as large as keeps the package ≤ 64 KiB. */
function bigPackage(): Uint8Array {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  const layer = (name: string, units: number, depth: number, act: 'NONE' | 'RELU') => ({
    name, units, depth, activation: act, weightScale: 0.01,
    weights: Int8Array.from({ length: units * depth }, () => Math.round(rnd() * 254) - 127),
    bias: Int32Array.from({ length: units }, () => Math.round(rnd() * 2000) - 1000),
    output: { scale: 0.05, zeroPoint: act === 'RELU' ? -128 : 0 },
  });
  let best: Uint8Array | undefined;
  for (let h = 200; h <= 260; h++) {
    const payload = writeFullyConnectedModel({
      inputName: 'x', outputName: 'y', input: { size: 1, scale: 0.025, zeroPoint: -128 },
      layers: [layer('d1', h, 1, 'RELU'), layer('d2', h, h, 'RELU'), layer('d3', 1, h, 'NONE')],
    });
    const pkg = buildPackage({ name: 'big64', version: '3.0.0', payload, privateKey: key, capacity: layout.slotSize, created: CREATED });
    if (pkg.length > 65536) break;
    best = pkg;
  }
  if (!best) throw new Error('no model size fits 64 KiB');
  return best;
}

interface Row {
  pkg: string;
  bytes: number;
  baud: number;
  latencyMs: number;
  beginMs: number;
  dataMs: number;
  endMs: number;
  uploadMs: number;
  eff: number;
  kbps: number;
  /** ENTER..INFO in the bootloader, and BOOT..trial ready..CONFIRM..confirmed ready (sine only). */
  enterMs: number;
  bootMs?: number;
  confirmMs?: number;
  totalMs?: number;
  effTotal?: number;
  flashMs: number;
  flashKbps: number;
  erases: number;
  programs: number;
}

async function push(baud: number, latencyMs: number, name: string, image: Uint8Array, full: boolean, bin: { bootloader: string; app: string }, factory: Uint8Array): Promise<Row> {
  const b = Board.create({ chip: 'rc', seed: 1 });
  try {
    b.loadElf(bin.bootloader);
    b.loadElf(bin.app);
    b.loadBin(factory, layout.slotA.addr); // factory image: sinemodel 1.0.0 in slot A, empty journal (adopted)
    const host = new VirtualHost(b, latencyMs * 1000);
    await host.waitLine(/^ready: /, 5000);
    let erases = 0;
    let programs = 0;
    let counting = false;
    b.on('flash', ({ op }) => {
      if (!counting) return;
      if (op.kind === 'program') programs++;
      else erases++;
    });
    // the push: ENTER (the app resets into the bootloader), INFO until the bootloader answers
    const t0 = host.now;
    await host.call(FrameType.ENTER, undefined, Timing.T_REPLY);
    // a request sent while the chip resets is lost: poll INFO (as protocol/link does) until the bootloader answers
    let info: ReturnType<typeof decodeInfo> | undefined;
    for (let tries = 0; info?.mode !== MODE_BOOTLOADER; tries++) {
      if (tries === 20) throw new Error('the bootloader did not answer INFO');
      info = await host.call(FrameType.INFO, undefined, 20 + 2 * latencyMs).then((f) => decodeInfo(f.unit.payload), () => undefined);
    }
    const enterMs = (host.now - t0) / 1000;
    counting = true;
    const up = await host.upload(image, info.window, info.maxPayload - 4);
    counting = false;
    const t = b.fpec.timing;
    const flashMs = erases * t.pageEraseMs + (programs * t.programUs) / 1000;
    const row: Row = {
      pkg: name, bytes: image.length, baud, latencyMs,
      beginMs: up.beginUs / 1000, dataMs: up.dataUs / 1000, endMs: up.endUs / 1000, uploadMs: up.us / 1000,
      eff: image.length / ((up.us / 1e6) * (baud / 10)), kbps: image.length / (up.us / 1e6) / 1000,
      enterMs, flashMs, flashKbps: (programs * 2) / flashMs, erases, programs,
    };
    if (full) {
      const tBoot = host.now;
      await host.call(FrameType.BOOT, undefined, Timing.T_REPLY);
      await host.waitLine(/^model: sinemodel 1\.1\.0$/, 5000);
      await host.waitLine(/^ready: /, 5000);
      const trial = decodeInfo((await host.call(FrameType.INFO, undefined, Timing.T_REPLY)).unit.payload);
      if (trial.slots[up.slot]?.state !== SlotState.TRIAL) throw new Error(`slot ${up.slot} is not in TRIAL after BOOT`);
      row.bootMs = (host.now - tBoot) / 1000;
      const tConfirm = host.now;
      await host.call(FrameType.CONFIRM, undefined, Timing.T_REPLY);
      await host.waitLine(/^slot: [AB] CONFIRMED/, 5000);
      await host.waitLine(/^ready: /, 5000);
      const done = decodeInfo((await host.call(FrameType.INFO, undefined, Timing.T_REPLY)).unit.payload);
      if (done.slots[up.slot]?.state !== SlotState.CONFIRMED) throw new Error(`slot ${up.slot} is not CONFIRMED`);
      row.confirmMs = (host.now - tConfirm) / 1000;
      row.totalMs = (host.now - t0) / 1000;
      row.effTotal = image.length / ((host.now - t0) / 1e6 * (baud / 10));
    }
    return row;
  } finally {
    await b.close();
  }
}

const wall0 = performance.now();
const factory = sinePackage('1.0.0', 'sinemodel-1.0.0.tflite');
const sine = sinePackage('1.1.0', 'sinemodel-1.1.0.tflite');
const big = bigPackage();
const rows: Row[] = [];
for (const baud of BAUDS) {
  const bin = elfs(baud);
  for (const latencyMs of LATENCIES_MS) {
    rows.push(await push(baud, latencyMs, 'sinemodel 1.1.0', sine, true, bin, factory));
    rows.push(await push(baud, latencyMs, 'big64 3.0.0', big, false, bin, factory));
  }
}

const f1 = (v: number) => v.toFixed(1);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const t = DEFAULT_TIMING();
console.log(`\nbench/ota: virtual STM32F103RC (sim/), real bootloader + app ELFs, host in virtual time; package bytes = the whole signed package.\n`);
console.log('| package | bytes | baud | turnaround | BEGIN ms | DATA ms | END ms | BEGIN..END ms | efficiency | KB/s | flash busy ms (erases, halfwords) | flash-only KB/s | upload ÷ flash-only | ENTER ms | BOOT..trial ready ms | CONFIRM..confirmed ms | ENTER..confirmed ms | efficiency incl. all |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.pkg} | ${r.bytes} | ${r.baud} | ${r.latencyMs} ms | ${f1(r.beginMs)} | ${f1(r.dataMs)} | ${f1(r.endMs)} | ${f1(r.uploadMs)} | ${pct(r.eff)} | ${f1(r.kbps)} | ` +
      `${f1(r.flashMs)} (${r.erases}, ${r.programs}) | ${f1(r.flashKbps)} | ${pct(r.kbps / r.flashKbps)} | ${f1(r.enterMs)} | ${r.bootMs === undefined ? '—' : f1(r.bootMs)} | ` +
      `${r.confirmMs === undefined ? '—' : f1(r.confirmMs)} | ${r.totalMs === undefined ? '—' : f1(r.totalMs)} | ${r.effTotal === undefined ? '—' : pct(r.effTotal)} |`,
  );
}
const page = layout.pageSize;
const ceiling = page / ((t.pageEraseMs + (page / 2) * t.programUs / 1000) / 1000) / 1000;
console.log(`\nFlash write limit of the chip (sim timing: page erase ${t.pageEraseMs} ms, halfword ${t.programUs} µs, ${page}-byte pages): ` +
  `${f1(ceiling)} KB/s = ${pct((ceiling * 1000) / (115200 / 10))} of 115200 baud, ${pct((ceiling * 1000) / (921600 / 10))} of 921600 baud.`);
console.log('"flash busy" = erases × erase time + halfwords × program time counted from the sim\'s flash operations during BEGIN..END (journal record included); "flash-only KB/s" = bytes programmed ÷ flash busy: what that upload would take with an infinitely fast line.');
console.log('ENTER ms: ENTER to the app, then INFO polled every 20 + 2 × turnaround ms until the bootloader answers (a request sent while the chip resets is lost). Turnaround applies to every byte the board sends (the host acts on it that much later).');
console.log('Anchors (DESIGN.md): mcumgr/SMP serial ~27% of the line at 115200 (~3.08 KiB/s); stm32flash (AN3155) ~29% (~3.3 KB/s). Target: ≥ 90% at 115200 for 64 KB; at 921600 within 10% of the flash limit.');
const big115 = rows.filter((r) => r.pkg.startsWith('big') && r.baud === 115200);
const big921 = rows.filter((r) => r.pkg.startsWith('big') && r.baud === 921600);
for (const r of big115) console.log(`64 KB at 115200, ${r.latencyMs} ms: ${pct(r.eff)} of the line — ${r.eff >= 0.9 ? 'meets' : 'MISSES'} ≥ 90% (${f1(r.eff / 0.27)}× mcumgr, ${f1(r.eff / 0.29)}× stm32flash)`);
for (const r of big921) {
  const dataKbps = r.bytes / r.dataMs;
  console.log(`64 KB at 921600, ${r.latencyMs} ms: BEGIN..END ${f1(r.kbps)} KB/s = ${pct(r.kbps / ceiling)} of the chip's flash limit — ${r.kbps >= 0.9 * ceiling ? 'within' : 'NOT within'} 10%; DATA phase alone ${f1(dataKbps)} KB/s = ${pct(dataKbps / ceiling)}`);
}
console.log(`\n(${((performance.now() - wall0) / 1000).toFixed(1)} s wall)`);

function DEFAULT_TIMING(): { pageEraseMs: number; programUs: number } {
  const b = Board.create({ chip: 'rc' });
  const tm = { pageEraseMs: b.fpec.timing.pageEraseMs, programUs: b.fpec.timing.programUs };
  void b.close();
  return tm;
}
