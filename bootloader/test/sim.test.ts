/**
 * The bootloader's real ARM build on the virtual STM32F103RC (sim/), driven through its
 * UART with SPEC §5 frames: install, trial boot, confirm through the app, a refused
 * signature, a power cut during an install, and the upload's line efficiency. The app is
 * the small fixture in test/app/ (the product app lives in firmware/).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Board } from '../../sim/index.ts';
import { crcOf, encodeFrame } from '../../protocol/vectors/frames/generate.ts';

const BL = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD = join(BL, 'build', 'rc');
const SCENARIO = join(BL, 'build', 'vectors', 'scenario');
const T = { INFO: 1, ENTER: 2, BEGIN: 3, DATA: 4, STATUS: 5, END: 6, BOOT: 7, CONFIRM: 8, ROLLBACK: 9, ERROR: 0xff };
const R = 0x80;
const MAX_DATA = 1024;
const WINDOW = 4;

interface Frame {
  type: number;
  seq: number;
  payload: Buffer;
}

/** A host on the board's UART: SPEC §3 demultiplexing of text lines and response frames. */
class Host {
  private buf = Buffer.alloc(0);
  private seq = 0;
  frames: Frame[] = [];
  text = '';
  /** Virtual µs of the last upload's BEGIN and END round trips. */
  timings = { begin: 0, end: 0, endInstructions: 0 };
  constructor(readonly board: Board) {}

  collect(): void {
    this.buf = Buffer.concat([this.buf, this.board.takeUartOutput()]);
    for (;;) {
      if (this.buf.length === 0) return;
      const b = this.buf[0]!;
      if (b === 0xa5) {
        if (this.buf.length < 5) return;
        const type = this.buf[1]!;
        const len = this.buf.readUInt16LE(3);
        if (!((type >= 0x81 && type <= 0x8a) || type === 0xff) || len > 1028) {
          this.buf = this.buf.subarray(1);
          continue;
        }
        if (this.buf.length < 9 + len) return;
        if (crcOf(this.buf.subarray(0, 5 + len)) !== this.buf.readUInt32LE(5 + len)) {
          this.buf = this.buf.subarray(1);
          continue;
        }
        this.frames.push({ type, seq: this.buf[2]!, payload: Buffer.from(this.buf.subarray(5, 5 + len)) });
        this.buf = this.buf.subarray(9 + len);
      } else {
        if (b === 0x0a || b === 0x0d || b === 0x09 || (b >= 0x20 && b <= 0x7d)) this.text += String.fromCharCode(b);
        this.buf = this.buf.subarray(1);
      }
    }
  }

  send(type: number, payload: Uint8Array = new Uint8Array(0)): number {
    this.seq = (this.seq + 1) & 0xff;
    this.board.sendToUart(encodeFrame(type, this.seq, payload));
    return this.seq;
  }

  async next(ms = 3000): Promise<Frame> {
    const r = await this.board.run({
      ms,
      until: () => {
        this.collect();
        return this.frames.length > 0;
      },
    });
    const f = this.frames.shift();
    if (!f) throw new Error(`no response within ${ms} ms (run stopped: ${r.reason}); text so far: ${this.text}`);
    return f;
  }

  async call(type: number, payload?: Uint8Array, ms?: number): Promise<Frame> {
    const seq = this.send(type, payload);
    let f = await this.next(ms);
    while (f.seq !== seq) f = await this.next(ms); // a late answer to an earlier request
    return f;
  }

  async waitText(re: RegExp, ms = 3000): Promise<RegExpMatchArray> {
    await this.board.run({
      ms,
      until: () => {
        this.collect();
        return re.test(this.text);
      },
    });
    const m = this.text.match(re);
    if (!m) throw new Error(`no ${re} within ${ms} ms; text: ${JSON.stringify(this.text)}`);
    this.text = this.text.slice(m.index! + m[0].length);
    return m;
  }

  /** BEGIN, DATA with WINDOW frames in flight, END. Returns END's answer and the timings. */
  async upload(pkg: Buffer, options = 0, latencyMs = 0): Promise<{ end: Frame; begin: Frame; us: number }> {
    const t0 = this.board.virtualTimeUs;
    const begin = await this.call(T.BEGIN, Buffer.concat([pkg.subarray(0, 128), Buffer.from([options])]));
    this.timings.begin = this.board.virtualTimeUs - t0;
    if (begin.type !== (T.BEGIN | R)) return { end: begin, begin, us: 0 };
    let next = begin.payload.readUInt32LE(4);
    let sent = next;
    let inflight = 0;
    while (next < pkg.length) {
      while (inflight < WINDOW && sent < pkg.length) {
        const n = Math.min(MAX_DATA, pkg.length - sent);
        const p = Buffer.alloc(4 + n);
        p.writeUInt32LE(sent, 0);
        pkg.copy(p, 4, sent, sent + n);
        this.send(T.DATA, p);
        sent += n;
        inflight++;
      }
      const f = await this.next();
      // the answer reaches the host latencyMs late (a USB-serial adapter's turnaround)
      if (latencyMs) await this.board.run({ ms: latencyMs });
      expect(f.type).toBe(T.DATA | R);
      inflight--;
      const off = f.payload.readUInt32LE(0);
      next = f.payload.readUInt32LE(4);
      expect(next).toBe(off + Math.min(MAX_DATA, pkg.length - off));
    }
    const tEnd = this.board.virtualTimeUs;
    const iEnd = this.board.instructions;
    const end = await this.call(T.END, undefined, 10_000);
    this.timings.end = this.board.virtualTimeUs - tEnd;
    this.timings.endInstructions = this.board.instructions - iEnd;
    return { end, begin, us: this.board.virtualTimeUs - t0 };
  }
}

function errorCode(f: Frame): number {
  return f.type === T.ERROR ? f.payload.readUInt16LE(2) : 0;
}

function newBoard(chip: 'rc' | 'c8' = 'rc'): Board {
  const b = Board.create({ chip, seed: 7 });
  const dir = join(BL, 'build', chip);
  b.loadElf(join(dir, 'bootloader.elf'));
  b.loadElf(join(dir, 'test_app.elf'));
  return b;
}

const pkg = (name: string) => readFileSync(join(SCENARIO, `${name}.mota`));

describe('bootloader on the virtual STM32F103RC', () => {
  beforeAll(() => {
    execFileSync('make', ['-s', '-C', BL, 'BOARD=rc', 'arm', 'build/vectors/frames.txt'], { stdio: 'pipe' });
    execFileSync('make', ['-s', '-C', BL, 'BOARD=c8', 'arm'], { stdio: 'pipe' });
  });

  it('installs_boots_in_trial_confirms_and_refuses_a_bad_signature', async () => {
    const b = newBoard();
    const host = new Host(b);
    await b.run({ ms: 300 }); // no model: the bootloader stays and listens
    let info = await host.call(T.INFO);
    expect(info.type).toBe(T.INFO | R);
    expect(info.payload.length).toBe(160);
    expect(info.payload[1]).toBe(1); // bootloader mode
    expect(info.payload.subarray(24, 35).toString()).toBe('STM32F103RC');
    expect(info.payload.subarray(12, 24).toString('hex')).toBe(b.uid);
    expect([info.payload[64], info.payload[112]]).toEqual([0, 0]);

    const v100 = pkg('sine-1.0.0');
    const up = await host.upload(v100);
    expect(up.end.type).toBe(T.END | R);
    expect([...up.end.payload.subarray(0, 2)]).toEqual([0, 3]); // slot A PENDING
    console.log(
      `END for a ${v100.length}-byte sine package (checks 9-16: CRC, SHA-256, SHA-512, Ed25519, journal record): ` +
        `${(host.timings.endInstructions / 1e6).toFixed(2)} M instructions, ${(host.timings.end / 1000).toFixed(1)} ms virtual ` +
        `(includes the request and answer frames)`,
    );

    expect((await host.call(T.BOOT)).type).toBe(T.BOOT | R);
    await host.waitText(/test-app slot=0 state=2 resets=1 version=1\.0\.0\n/);
    expect((await host.call(T.CONFIRM)).type).toBe(T.CONFIRM | R); // answered by the app
    await host.waitText(/test-app slot=0 state=1 resets=2 version=1\.0\.0\n/);

    // a bad signature is refused at END; the confirmed model keeps running
    expect((await host.call(T.ENTER)).type).toBe(T.ENTER | R);
    await b.run({ ms: 50 });
    info = await host.call(T.INFO);
    expect(info.payload[1]).toBe(1);
    expect([info.payload[5], info.payload[64], info.payload[112]]).toEqual([0, 1, 0]);
    const bad = await host.upload(pkg('badsig-1.1.0'));
    expect(errorCode(bad.end)).toBe(13); // PKG_SIG_INVALID
    expect((await host.call(T.BOOT)).type).toBe(T.BOOT | R);
    await host.waitText(/test-app slot=0 state=1 resets=\d+ version=1\.0\.0\n/);

    // 1.1.0 into slot B, trial, and an unconfirmed reset reverts to 1.0.0
    expect((await host.call(T.ENTER)).type).toBe(T.ENTER | R);
    await b.run({ ms: 50 });
    expect((await host.upload(pkg('sine-1.1.0'))).end.type).toBe(T.END | R);
    expect((await host.call(T.BOOT)).type).toBe(T.BOOT | R);
    await host.waitText(/test-app slot=1 state=2 resets=\d+ version=1\.1\.0\n/);
    b.systemReset('pin');
    await host.waitText(/test-app slot=0 state=1 resets=\d+ version=1\.0\.0\n/);
    await b.close();
  });

  it('waits_with_the_no_model_blink_when_nothing_is_bootable', async () => {
    const b = Board.create({ chip: 'rc', seed: 7 });
    b.loadElf(join(BUILD, 'bootloader.elf')); // no app, no model
    const ons: number[] = [];
    b.on('led', (e) => {
      if (e.on) ons.push(b.virtualTimeUs);
    });
    await b.run({ ms: 2300 });
    const lastSecond = ons.filter((t) => t >= 1_300_000);
    expect(lastSecond.length, 'two short flashes a second').toBe(2);
    expect(lastSecond[1]! - lastSecond[0]!).toBeCloseTo(200_000, -4);
    const host = new Host(b);
    const info = await host.call(T.INFO); // and it serves the protocol
    expect([info.type, info.payload[1], info.payload[5]]).toEqual([T.INFO | R, 1, 0xff]);
    expect(errorCode(await host.call(T.BOOT))).toBe(43); // NO_MODEL
    await b.close();
  });

  it('keeps_booting_the_confirmed_model_after_a_power_cut_during_an_install', async () => {
    // One board, reused: each round restores the flash image taken before the install.
    const b = newBoard();
    const host = new Host(b);
    await b.run({ ms: 300 });
    expect((await host.upload(pkg('sine-1.0.0'))).end.type).toBe(T.END | R);
    await host.call(T.BOOT);
    await host.waitText(/state=2[^\n]*\n/); // the fixture app polls RX only once its line is out
    await host.call(T.CONFIRM);
    await host.waitText(/state=1 resets=\d+ version=1\.0\.0\n/);
    const image = Uint8Array.from(b.flash);
    const v110 = pkg('sine-1.1.0');
    // count the flash operations of a whole install
    await host.call(T.ENTER);
    await b.run({ ms: 50 });
    const ops0 = b.flashOps;
    expect((await host.upload(v110)).end.type).toBe(T.END | R);
    const nops = b.flashOps - ops0;
    expect(nops).toBeGreaterThan(v110.length / 2);
    // erases, the first and a late data halfword, the journal record's halfwords at END
    const cuts = [1, 2, 3, 700, nops - 15, nops - 8, nops];
    for (const k of cuts) {
      b.loadBin(image, 0x08000000);
      b.systemReset('pin');
      await b.run({ ms: 50 });
      await host.waitText(/version=1\.0\.0\n/);
      await host.call(T.ENTER);
      await b.run({ ms: 50 });
      b.cutPower({ atFlashOp: b.flashOps + k });
      const r = await host.upload(v110).catch(() => undefined);
      expect(r === undefined || b.isPowered === false).toBe(true);
      expect(b.isPowered).toBe(false);
      b.powerOn();
      // Bytes the host had already sent still arrive: they may keep the bootloader in a
      // session (as a resuming host wants). Either way the confirmed model must boot.
      await b.run({ ms: 400 });
      host.collect();
      const appLine = /test-app slot=(\d) state=(\d) resets=\d+ version=([\d.]+)\n/;
      if (!appLine.test(host.text)) {
        host.frames = [];
        const i = await host.call(T.INFO);
        expect(i.type).toBe(T.INFO | R);
        expect([i.payload[5], i.payload[64]], `cut at install op ${k}: slot A active and CONFIRMED`).toEqual([0, 1]);
        expect((await host.call(T.BOOT)).type).toBe(T.BOOT | R);
      }
      const m = await host.waitText(appLine, 2000);
      expect(`${m[1]} ${m[2]} ${m[3]}`, `cut at install op ${k} of ${nops}`).toBe('0 1 1.0.0');
      host.frames = [];
    }
    await b.close();
  });

  it('keeps_a_confirmed_model_after_power_cuts_during_confirm_and_rollback', async () => {
    const b = newBoard();
    const host = new Host(b);
    // factory image: 1.0.0 in slot A, empty journal: the bootloader adopts it (checks 1-16)
    b.loadBin(pkg('sine-1.0.0'), 0x08010000);
    b.systemReset('pin');
    await host.waitText(/test-app slot=0 state=1 resets=\d+ version=1\.0\.0\n/, 2000);
    await host.call(T.ENTER);
    await b.run({ ms: 50 });
    expect((await host.upload(pkg('sine-1.1.0'))).end.type).toBe(T.END | R);
    const pending = Uint8Array.from(b.flash); // 1.1.0 PENDING in slot B
    const appLine = /test-app slot=(\d) state=(\d) resets=\d+ version=([\d.]+)\n/;
    const seen = new Set<string>();
    // CONFIRM through the app: its reset makes the bootloader write the CONFIRMED record
    for (let k = 1; k <= 16; k += 3) {
      b.loadBin(pending, 0x08000000);
      b.systemReset('pin');
      await host.waitText(/slot=1 state=2 resets=\d+ version=1\.1\.0\n/, 2000);
      b.cutPower({ atFlashOp: b.flashOps + k });
      host.send(T.CONFIRM);
      await b.run({ ms: 500 });
      expect(b.isPowered, `confirm cut ${k}`).toBe(false);
      b.powerOn();
      host.frames = [];
      const m = await host.waitText(appLine, 2000);
      const got = `${m[1]} ${m[2]} ${m[3]}`;
      expect(['0 1 1.0.0', '1 1 1.1.0'], `confirm cut ${k}`).toContain(got);
      seen.add(got);
    }
    // a cut anywhere in the 16 halfwords of the record leaves it invalid: the trial reverts
    expect([...seen]).toEqual(['0 1 1.0.0']);
    // confirm for real, then ROLLBACK in a session
    b.loadBin(pending, 0x08000000);
    b.systemReset('pin');
    await host.waitText(/slot=1 state=2/, 2000);
    await host.waitText(/\n/, 100);
    await host.call(T.CONFIRM);
    await host.waitText(/slot=1 state=1 resets=\d+ version=1\.1\.0\n/, 2000);
    const confirmed = Uint8Array.from(b.flash);
    seen.clear();
    for (let k = 1; k <= 16; k += 3) {
      b.loadBin(confirmed, 0x08000000);
      b.systemReset('pin');
      await host.waitText(/slot=1 state=1 resets=\d+ version=1\.1\.0\n/, 2000);
      await host.call(T.ENTER);
      await b.run({ ms: 50 });
      b.cutPower({ atFlashOp: b.flashOps + k });
      host.send(T.ROLLBACK);
      await b.run({ ms: 200 });
      expect(b.isPowered, `rollback cut ${k}`).toBe(false);
      b.powerOn();
      host.frames = [];
      const m = await host.waitText(appLine, 2000);
      const got = `${m[1]} ${m[2]} ${m[3]}`;
      expect(['0 1 1.0.0', '1 1 1.1.0'], `rollback cut ${k}`).toContain(got);
      seen.add(got);
    }
    // the ROLLBACK record never landed: 1.1.0 stays active
    expect([...seen]).toEqual(['1 1 1.1.0']);
    // and without a cut the ROLLBACK lands: 1.0.0 runs again, confirmed
    b.loadBin(confirmed, 0x08000000);
    b.systemReset('pin');
    await host.waitText(/slot=1 state=1 resets=\d+ version=1\.1\.0\n/, 2000);
    await host.call(T.ENTER);
    await b.run({ ms: 50 });
    const rb = await host.call(T.ROLLBACK);
    expect([rb.type, rb.payload[0]]).toEqual([T.ROLLBACK | R, 0]);
    await host.call(T.BOOT);
    await host.waitText(/test-app slot=0 state=1 resets=\d+ version=1\.0\.0\n/, 2000);
    await b.close();
  });

  it('adopts_a_factory_model_and_installs_an_update_on_the_c8', async () => {
    const b = newBoard('c8');
    const host = new Host(b);
    b.loadBin(pkg('sine-1.0.0'), 0x08009800); // slot A of the C8 layout, empty journal
    b.systemReset('pin');
    await host.waitText(/test-app slot=0 state=1 resets=\d+ version=1\.0\.0\n/, 2000);
    await host.call(T.ENTER);
    await b.run({ ms: 50 });
    const info = await host.call(T.INFO);
    expect(info.payload.subarray(24, 35).toString()).toBe('STM32F103C8');
    expect([info.payload.readUInt32LE(44), info.payload.readUInt32LE(48)]).toEqual([1024, 13 * 1024]);
    expect(errorCode((await host.upload(pkg('big64-3.0.0'))).end)).toBe(8); // PKG_TOO_LARGE at BEGIN
    expect((await host.upload(pkg('big-2.0.0'))).end.type).toBe(T.END | R);
    await host.call(T.BOOT);
    await host.waitText(/test-app slot=1 state=2 resets=\d+ version=2\.0\.0\n/, 2000);
    await host.call(T.CONFIRM);
    await host.waitText(/test-app slot=1 state=1 resets=\d+ version=2\.0\.0\n/, 2000);
    await b.close();
  });

  for (const latencyMs of [0, 16]) {
    it(`uploads_64_kib_at_over_90_percent_of_the_line_with_${latencyMs}_ms_turnaround`, async () => {
      const b = newBoard();
      const host = new Host(b);
      await b.run({ ms: 300 });
      const big = pkg('big64-3.0.0');
      expect(big.length).toBe(65536);
      const up = await host.upload(big, 0, latencyMs);
      expect(up.end.type).toBe(T.END | R);
      const eff = big.length / ((up.us / 1e6) * (115200 / 10));
      console.log(
        `upload of ${big.length} bytes at 115200 baud, ${latencyMs} ms host turnaround: BEGIN..END ` +
          `${(up.us / 1000).toFixed(1)} ms virtual, efficiency ${(eff * 100).toFixed(1)}%; ` +
          `BEGIN ${(host.timings.begin / 1000).toFixed(1)} ms, END ${(host.timings.end / 1000).toFixed(1)} ms`,
      );
      expect(eff).toBeGreaterThan(0.9);
      await b.close();
    });
  }
});
