/**
 * An in-memory device that speaks SPEC §5 — bootloader and app modes, two slots with lazy
 * page erase, the resume rule, the journal states and boot decision, the hand-off
 * requests — written from the spec alone, to test the host client without a board. It is
 * deliberately simple where the spec leaves freedom (timing, report text).
 */
import { Duplex } from 'node:stream';
import { PKG_ERROR_NUMBERS, type PackageErrorCode } from '../package/format.ts';
import { decodeHeader, compareVersions } from '../package/header.ts';
import type { TrustedKey } from '../package/keys.ts';
import { parsePackage } from '../package/parse.ts';
import { verifyPackage } from '../package/verify.ts';
import { MotaError } from '../../common/errors.ts';
import { Demux, type LinkUnit } from './demux.ts';
import { connectedEnds } from './transport.ts';
import {
  decodeBeginRequest, decodeDataRequest, decodeFrame, DeviceErrorCode, deviceFrameRecogniser, encodeBeginReply, encodeDataReply,
  encodeEndReply, encodeErrorReply, encodeFrame, encodeInfo, encodeRollbackReply, encodeStatusReply, FrameType, isRequestType,
  MAX_FRAME, MAX_PAYLOAD, MODE_APP, MODE_BOOTLOADER, NO_SLOT, RESPONSE, SESSION_COMPLETE, SESSION_NONE, SESSION_RECEIVING, SlotState,
  type Frame,
} from './frames.ts';

export interface FakeDeviceOptions {
  trustedKeys: TrustedKey[];
  slotSize?: number;
  pageSize?: number;
  window?: number;
  /** A package already installed in slot A, CONFIRMED and active. */
  installed?: Uint8Array;
  downgradeGuard?: boolean;
  /** Whether a model's self-test passes in TRIAL; default: always. */
  selftestPasses?: (name: string, version: string) => boolean;
  /** The app confirms by itself when its self-test passes. */
  autoConfirm?: boolean;
  /** Milliseconds: reset duration, bootloader listen window, self-test run time. */
  resetMs?: number;
  listenMs?: number;
  selftestMs?: number;
  /** Time the bootloader spends on each DATA frame (flash programming), one frame after another. */
  dataDelayMs?: number;
  /** Whether the app answers protocol frames (§5.2); false models an app without protocol support. */
  appServesProtocol?: boolean;
  /** In app mode, a plot frame of y_ref = sin(x) and y_pred (off by 0.01) every this many ms; 0: none. */
  plotEveryMs?: number;
  /** The first lines of the app's boot report (§4.1); slot, model, selftest and ready follow. */
  report?: (d: { name: string; version: string; slot: string; state: string }) => string[];
}

type Mode = 'off' | 'listening' | 'bootloader' | 'app';
type Request = 'NONE' | 'STAY' | 'CONFIRM' | 'ROLLBACK';

interface UploadSession {
  slot: number;
  header: Buffer;
  imageSize: number;
  nextOffset: number;
  erased: Set<number>;
  lastError: number;
}

export class FakeDevice {
  readonly uid = '3f00ca01a5a5000112345678';
  readonly slotSize: number;
  readonly pageSize: number;
  readonly flash: [Buffer, Buffer];
  /** The journal (5.6): survives resets. */
  journal = { active: NO_SLOT as number, states: [SlotState.EMPTY, SlotState.EMPTY] as number[], headerCrc: [0, 0] };
  mode: Mode = 'off';
  runningSlot = NO_SLOT;
  resetCount = 0;
  /** Counters for tests. */
  readonly stats = { requests: 0, dataAccepted: 0, dataIgnored: 0, pageErases: 0, begins: 0, resumes: 0, resets: 0 };
  /** Every text line the app printed. */
  readonly printed: string[] = [];
  private session: UploadSession | undefined;
  private stream: Duplex | undefined;
  private demux: Demux | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private readonly o: Required<Omit<FakeDeviceOptions, 'installed'>>;

  constructor(options: FakeDeviceOptions) {
    this.o = {
      slotSize: 98304, pageSize: 2048, window: 4, plotEveryMs: 0, appServesProtocol: true, dataDelayMs: 0, downgradeGuard: true, autoConfirm: false, resetMs: 5, listenMs: 30, selftestMs: 5,
      selftestPasses: () => true,
      report: () => ['mota-app: 0.1.0', 'board: STM32F103RC', `uid: ${'3F00CA01A5A5000112345678'}`, 'bootloader: 1.0.0'],
      ...options,
    };
    this.slotSize = this.o.slotSize;
    this.pageSize = this.o.pageSize;
    this.flash = [Buffer.alloc(this.slotSize, 0xff), Buffer.alloc(this.slotSize, 0xff)];
    if (options.installed) {
      const pkg = verifyPackage(options.installed, { trustedKeys: options.trustedKeys, capacity: this.slotSize });
      this.flash[0].set(options.installed);
      this.journal = { active: 0, states: [SlotState.CONFIRMED, SlotState.EMPTY], headerCrc: [pkg.header.headerCrc32, 0] };
    }
  }

  /** Connects the UART to a host (one end of a memory pipe); a later attach replaces it. */
  attach(stream: Duplex): void {
    this.detach();
    this.stream = stream;
    const demux = new Demux({ recogniseFrame: deviceFrameRecogniser, maxFrameBytes: MAX_FRAME });
    this.demux = demux;
    stream.pipe(demux);
    demux.on('data', (u: LinkUnit) => {
      if (u.kind !== 'frame' || this.demux !== demux) return;
      const f = decodeFrame(u.bytes, isRequestType);
      if (!('problem' in f)) this.onRequest(f);
    });
    stream.on('end', () => {
      if (this.stream === stream) this.detach();
    });
  }

  detach(): void {
    if (this.stream && this.demux) this.stream.unpipe(this.demux);
    this.stream = undefined;
    this.demux = undefined;
  }

  /** Powers up (or resets) the device as the reset button would: RAM is lost, flash kept. */
  powerOn(): void {
    this.reset('NONE');
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.mode = 'off';
    this.detach();
  }

  slotSummary(slot: number): { state: string; name: string; version: string } | undefined {
    if (this.journal.states[slot] === SlotState.EMPTY) return undefined;
    const h = decodeHeader(this.flash[slot]!);
    return { state: stateName(this.journal.states[slot]!), name: h.name, version: `${h.version.major}.${h.version.minor}.${h.version.patch}` };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private write(bytes: Buffer): void {
    const s = this.stream;
    if (s && !s.destroyed && !s.writableEnded) s.write(bytes);
  }

  private print(line: string): void {
    this.printed.push(line);
    this.write(Buffer.from(`${line}\n`));
  }

  private reply(req: Frame, payload: Uint8Array = Buffer.alloc(0)): void {
    this.write(encodeFrame(req.type | RESPONSE, req.seq, payload));
  }

  private fail(req: Frame, code: number, detail = 0): void {
    if (this.session) this.session.lastError = code;
    this.write(encodeFrame(FrameType.ERROR, req.seq, encodeErrorReply({ requestType: req.type, code, detail })));
  }

  // ---- reset and boot decision (5.7, 5.9) ----

  reset(request: Request): void {
    this.dataQueue = [];
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stats.resets++;
    this.mode = 'off';
    this.session = undefined;
    this.runningSlot = NO_SLOT;
    this.later(this.o.resetMs, () => this.bootloaderStart(request));
  }

  /** 5.7: the mailbox request is acted on, then (unless STAY) the listen window, then the decision. */
  private bootloaderStart(request: Request): void {
    this.resetCount++;
    if (request === 'STAY') {
      this.mode = 'bootloader';
      return;
    }
    if (request === 'CONFIRM') this.confirmTrial();
    if (request === 'ROLLBACK') this.rollback();
    this.mode = 'listening';
    this.later(this.o.listenMs, () => {
      if (this.mode === 'listening') this.bootDecision();
    });
  }

  private bootDecision(): void {
    const j = this.journal;
    // 1. an unconfirmed trial reverts
    for (const s of [0, 1]) if (j.states[s] === SlotState.TRIAL) j.states[s] = SlotState.REJECTED;
    // 2. a pending slot gets its trial
    let boot: { slot: number; trial: boolean } | undefined;
    const pending = [0, 1].find((s) => j.states[s] === SlotState.PENDING);
    if (pending !== undefined) {
      if (this.bootCheck(pending)) {
        j.states[pending] = SlotState.TRIAL;
        boot = { slot: pending, trial: true };
      } else j.states[pending] = SlotState.REJECTED;
    }
    // 3. the active slot, or the other confirmed one
    if (!boot && j.active !== NO_SLOT) {
      if (this.bootCheck(j.active)) boot = { slot: j.active, trial: false };
      else {
        const other = 1 - j.active;
        if (j.states[other] === SlotState.CONFIRMED && this.bootCheck(other)) {
          j.active = other;
          boot = { slot: other, trial: false };
        }
      }
    }
    if (!boot) {
      this.mode = 'bootloader'; // 4. nothing bootable
      return;
    }
    this.startApp(boot.slot, boot.trial);
  }

  private bootCheck(slot: number): boolean {
    try {
      const pkg = parsePackage(this.flash[slot]!, { capacity: this.slotSize, exactLength: false });
      return pkg.header.headerCrc32 === this.journal.headerCrc[slot];
    } catch {
      return false;
    }
  }

  /** Prints the §4.1 boot report; the self-test result comes after selftestMs. */
  private startApp(slot: number, trial: boolean): void {
    this.mode = 'app';
    this.runningSlot = slot;
    const h = decodeHeader(this.flash[slot]!);
    const version = `${h.version.major}.${h.version.minor}.${h.version.patch}`;
    const letter = slot === 0 ? 'A' : 'B';
    const address = (0x08010000 + slot * 0x18000).toString(16).toUpperCase().padStart(8, '0');
    for (const line of this.o.report({ name: h.name, version, slot: letter, state: trial ? 'TRIAL' : 'CONFIRMED' })) this.print(line);
    this.print(`slot: ${letter} ${trial ? 'TRIAL' : 'CONFIRMED'} at 0x${address}`);
    this.print(`model: ${h.name} ${version}`);
    this.print('operators: 3 (FULLY_CONNECTED x3)');
    this.later(this.o.selftestMs, () => {
      if (this.mode !== 'app' || this.runningSlot !== slot) return;
      const passes = !trial || this.o.selftestPasses(h.name, version);
      if (!passes) {
        this.print('selftest: FAIL 7/8 (first failure 3, max diff 2 LSB)');
        this.print('trial: rejected: resetting to revert');
        this.reset('NONE');
        return;
      }
      this.print('selftest: pass 8/8');
      this.print('ready: sine 64 steps, frame every 20000 us');
      if (this.o.plotEveryMs > 0) this.plot(slot, 0);
      if (trial && this.o.autoConfirm) this.reset('CONFIRM');
    });
  }

  private plot(slot: number, step: number): void {
    this.later(this.o.plotEveryMs, () => {
      if (this.mode !== 'app' || this.runningSlot !== slot) return;
      const x = (step % 50) * ((2 * Math.PI) / 50);
      const frame = Buffer.from([0x7e, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]);
      frame.writeInt16LE(Math.round(Math.sin(x) * 1000) + 1000, 2);
      frame.writeInt16LE(Math.round((Math.sin(x) + 0.01) * 1000) + 1000, 4);
      this.write(frame);
      this.plot(slot, step + 1);
    });
  }

  private confirmTrial(): boolean {
    const j = this.journal;
    const trial = [0, 1].find((s) => j.states[s] === SlotState.TRIAL);
    if (trial === undefined) return false;
    j.states[trial] = SlotState.CONFIRMED;
    j.active = trial;
    return true;
  }

  private rollback(): number | undefined {
    const j = this.journal;
    const trial = [0, 1].find((s) => j.states[s] === SlotState.TRIAL);
    if (trial !== undefined) {
      j.states[trial] = SlotState.REJECTED;
      return j.active;
    }
    const pending = [0, 1].find((s) => j.states[s] === SlotState.PENDING);
    if (pending !== undefined) {
      j.states[pending] = SlotState.REJECTED;
      return j.active;
    }
    if (j.active !== NO_SLOT) {
      const other = 1 - j.active;
      if (j.states[other] === SlotState.CONFIRMED && this.bootCheck(other)) {
        j.active = other;
        return other;
      }
    }
    return undefined;
  }

  // ---- requests ----

  private onRequest(f: Frame): void {
    this.stats.requests++;
    if (this.mode === 'off') return;
    if (this.mode === 'listening') this.mode = 'bootloader'; // any request keeps it in the bootloader
    if (this.mode === 'app') {
      if (this.o.appServesProtocol) this.appRequest(f);
    }
    else this.bootloaderRequest(f);
  }

  private expectEmpty(f: Frame): boolean {
    if (f.payload.length === 0) return true;
    this.fail(f, DeviceErrorCode.BAD_LENGTH, 0);
    return false;
  }

  private appRequest(f: Frame): void {
    switch (f.type) {
      case FrameType.INFO:
        if (this.expectEmpty(f)) this.reply(f, this.info(MODE_APP));
        return;
      case FrameType.ENTER:
        if (this.expectEmpty(f)) this.replyThenReset(f, Buffer.alloc(0), 'STAY');
        return;
      case FrameType.BOOT:
        if (this.expectEmpty(f)) this.replyThenReset(f, Buffer.alloc(0), 'NONE');
        return;
      case FrameType.CONFIRM:
        if (this.expectEmpty(f)) this.replyThenReset(f, Buffer.alloc(0), 'CONFIRM');
        return;
      case FrameType.ROLLBACK: {
        if (!this.expectEmpty(f)) return;
        const j = this.journal;
        const leaving = this.runningSlot;
        const after = j.states[leaving] === SlotState.TRIAL ? j.active : j.active !== NO_SLOT && j.states[1 - j.active] === SlotState.CONFIRMED ? 1 - j.active : j.active;
        if (leaving === NO_SLOT) return;
        this.replyThenReset(f, encodeRollbackReply(after), 'ROLLBACK');
        return;
      }
      default:
        this.fail(f, DeviceErrorCode.WRONG_MODE);
    }
  }

  private replyThenReset(f: Frame, payload: Buffer, request: Request): void {
    this.reply(f, payload);
    this.mode = 'off';
    this.later(1, () => this.reset(request));
  }

  private bootloaderRequest(f: Frame): void {
    switch (f.type) {
      case FrameType.INFO:
        if (this.expectEmpty(f)) this.reply(f, this.info(MODE_BOOTLOADER));
        return;
      case FrameType.ENTER:
        if (this.expectEmpty(f)) this.reply(f);
        return;
      case FrameType.BEGIN:
        return this.begin(f);
      case FrameType.DATA:
        if (this.o.dataDelayMs <= 0) return this.data(f);
        this.dataQueue.push(f);
        if (this.dataQueue.length === 1) this.drainData();
        return;
      case FrameType.STATUS: {
        if (!this.expectEmpty(f)) return;
        const s = this.session;
        this.reply(f, encodeStatusReply(s
          ? { session: s.nextOffset === s.imageSize ? SESSION_COMPLETE : SESSION_RECEIVING, slot: s.slot, lastError: s.lastError, nextOffset: s.nextOffset, imageSize: s.imageSize, headerCrc32: s.header.readUInt32LE(124) }
          : { session: SESSION_NONE, slot: NO_SLOT, lastError: 0, nextOffset: 0, imageSize: 0, headerCrc32: 0 }));
        return;
      }
      case FrameType.END:
        return this.end(f);
      case FrameType.BOOT: {
        if (!this.expectEmpty(f)) return;
        const bootable = [0, 1].some((s) => [SlotState.CONFIRMED, SlotState.PENDING].includes(this.journal.states[s] as 1 | 3) && this.bootCheck(s));
        if (!bootable) return this.fail(f, DeviceErrorCode.NO_MODEL);
        this.replyThenReset(f, Buffer.alloc(0), 'NONE');
        return;
      }
      case FrameType.CONFIRM:
        if (!this.expectEmpty(f)) return;
        if (this.confirmTrial()) this.reply(f);
        else this.fail(f, DeviceErrorCode.NOTHING_TO_CONFIRM);
        return;
      case FrameType.ROLLBACK: {
        if (!this.expectEmpty(f)) return;
        if (this.session) {
          this.erasePage(this.session.slot, 0); // an open upload session is closed first, as by ABORT (5.8)
          this.session = undefined;
        }
        const active = this.rollback();
        if (active === undefined) this.fail(f, DeviceErrorCode.NOTHING_TO_ROLL_BACK);
        else this.reply(f, encodeRollbackReply(active));
        return;
      }
      case FrameType.ABORT:
        if (!this.expectEmpty(f)) return;
        if (!this.session) return this.fail(f, DeviceErrorCode.NO_SESSION);
        this.erasePage(this.session.slot, 0);
        this.session = undefined;
        this.reply(f);
        return;
      default:
        return; // unknown types never get here (the recogniser drops them)
    }
  }

  private info(mode: number): Buffer {
    const rec = (s: number) => {
      if (this.journal.states[s] === SlotState.EMPTY) {
        return { state: 0, name: '', version: { major: 0, minor: 0, patch: 0 }, imageSize: 0, keyId: 0 };
      }
      const h = decodeHeader(this.flash[s]!);
      return { state: this.journal.states[s]!, name: h.name, version: h.version, imageSize: h.imageSize, keyId: Buffer.from(h.keyId).readUInt32LE(0) };
    };
    return encodeInfo({
      protocol: 1, mode, maxPayload: MAX_PAYLOAD, window: this.o.window, activeSlot: this.journal.active,
      runningSlot: mode === MODE_APP ? this.runningSlot : NO_SLOT, flags: (this.o.downgradeGuard ? 1 : 0) | (this.session ? 2 : 0),
      bootloaderVersion: { major: 1, minor: 0, patch: 0 }, uid: this.uid, board: 'STM32F103RC', flashSize: 262144,
      pageSize: this.pageSize, slotSize: this.slotSize, slotAddr: [0x08010000, 0x08028000], resetCount: this.resetCount,
      slots: [rec(0), rec(1)],
    });
  }

  private begin(f: Frame): void {
    if (f.payload.length !== 129) return this.fail(f, DeviceErrorCode.BAD_LENGTH, 129);
    const { header, options } = decodeBeginRequest(f.payload);
    if (options & ~1) return this.fail(f, DeviceErrorCode.BAD_OPTIONS);
    // §1.6 checks 1–8 on the header alone: pad to image_size so check 9 cannot fire first
    const h0 = decodeHeader(header);
    const probe = Buffer.alloc(Math.max(128, Math.min(h0.imageSize, this.slotSize + 8)));
    header.copy(probe);
    try {
      parsePackage(probe, { capacity: this.slotSize, exactLength: false });
    } catch (e) {
      const code = e instanceof MotaError ? PKG_ERROR_NUMBERS[e.code as PackageErrorCode] : undefined;
      if (code !== undefined && code <= 8 && code !== PKG_ERROR_NUMBERS.PKG_TRUNCATED) return this.fail(f, code);
    }
    const j = this.journal;
    if (this.o.downgradeGuard && !(options & 1) && j.active !== NO_SLOT) {
      const active = decodeHeader(this.flash[j.active]!);
      if (compareVersions(h0.version, active.version) < 0) return this.fail(f, DeviceErrorCode.DOWNGRADE);
    }
    if (!this.o.trustedKeys.some((k) => Buffer.from(k.keyId).equals(Buffer.from(h0.keyId)))) {
      return this.fail(f, DeviceErrorCode.PKG_UNKNOWN_KEY);
    }
    const dest = j.active === NO_SLOT ? 0 : 1 - j.active;
    const flash = this.flash[dest]!;
    this.stats.begins++;
    const session: UploadSession = { slot: dest, header, imageSize: h0.imageSize, nextOffset: 0, erased: new Set(), lastError: 0 };
    if (j.states[dest] === SlotState.EMPTY && flash.subarray(0, 128).equals(header)) {
      // resume: the first entirely erased page F of the image range, restart at page max(F − 1, 0)
      const pages = Math.ceil(h0.imageSize / this.pageSize);
      let first = pages;
      for (let p = 0; p < pages; p++) {
        const start = p * this.pageSize;
        const end = Math.min(start + this.pageSize, h0.imageSize);
        if (flash.subarray(start, end).every((b) => b === 0xff)) {
          first = p;
          break;
        }
      }
      session.nextOffset = Math.max(first - 1, 0) * this.pageSize;
      this.stats.resumes++;
    } else {
      j.states[dest] = SlotState.EMPTY;
      j.headerCrc[dest] = 0;
      this.erasePage(dest, 0);
      if (h0.imageSize > this.pageSize) this.erasePage(dest, 1);
      session.erased = new Set([0, 1]);
    }
    this.session = session;
    this.reply(f, encodeBeginReply({ slot: dest, nextOffset: session.nextOffset, imageSize: session.imageSize }));
  }

  private dataQueue: Frame[] = [];

  /** Programs queued DATA frames one at a time, dataDelayMs each, as a slow flash would. */
  private drainData(): void {
    this.later(this.o.dataDelayMs, () => {
      const f = this.dataQueue.shift();
      if (f && this.mode === 'bootloader') this.data(f);
      if (this.dataQueue.length > 0) this.drainData();
    });
  }

  private erasePage(slot: number, page: number): void {
    this.stats.pageErases++;
    this.flash[slot]!.fill(0xff, page * this.pageSize, (page + 1) * this.pageSize);
  }

  private data(f: Frame): void {
    const s = this.session;
    if (f.payload.length < 12 || f.payload.length > MAX_PAYLOAD || (f.payload.length - 4) % 8 !== 0) return this.fail(f, DeviceErrorCode.BAD_LENGTH, 0);
    if (!s) return this.fail(f, DeviceErrorCode.NO_SESSION);
    const { offset, data } = decodeDataRequest(f.payload);
    if (offset % 8 !== 0 || offset + data.length > s.imageSize) return this.fail(f, DeviceErrorCode.OUT_OF_RANGE, s.nextOffset);
    if (offset !== s.nextOffset) {
      this.stats.dataIgnored++;
      return this.reply(f, encodeDataReply({ offset, nextOffset: s.nextOffset }));
    }
    if (offset < 128 && !data.subarray(0, 128 - offset).equals(s.header.subarray(offset, Math.min(128, offset + data.length)))) {
      return this.fail(f, DeviceErrorCode.HEADER_MISMATCH);
    }
    const flash = this.flash[s.slot]!;
    // lazy erase, one page ahead
    const firstPage = Math.floor(offset / this.pageSize);
    const lastPage = Math.floor((offset + data.length - 1) / this.pageSize);
    const imagePages = Math.ceil(s.imageSize / this.pageSize);
    for (let p = firstPage; p <= Math.min(lastPage + 1, imagePages - 1); p++) {
      if (!s.erased.has(p)) {
        this.erasePage(s.slot, p);
        s.erased.add(p);
      }
    }
    for (let i = 0; i < data.length; i++) {
      if (flash[offset + i] !== 0xff) return this.fail(f, DeviceErrorCode.FLASH, 0x08010000 + offset + i);
    }
    flash.set(data, offset);
    s.nextOffset = offset + data.length;
    this.stats.dataAccepted++;
    this.reply(f, encodeDataReply({ offset, nextOffset: s.nextOffset }));
  }

  private end(f: Frame): void {
    if (!this.expectEmpty(f)) return;
    const s = this.session;
    if (!s) return this.fail(f, DeviceErrorCode.NO_SESSION);
    if (s.nextOffset < s.imageSize) return this.fail(f, DeviceErrorCode.INCOMPLETE, s.nextOffset);
    const image = this.flash[s.slot]!.subarray(0, s.imageSize);
    try {
      verifyPackage(image, { trustedKeys: this.o.trustedKeys, capacity: this.slotSize, exactLength: false });
    } catch (e) {
      this.erasePage(s.slot, 0);
      this.session = undefined;
      const code = e instanceof MotaError ? PKG_ERROR_NUMBERS[e.code as PackageErrorCode] : undefined;
      return this.fail(f, code ?? DeviceErrorCode.FLASH);
    }
    this.journal.states[s.slot] = SlotState.PENDING;
    this.journal.headerCrc[s.slot] = s.header.readUInt32LE(124);
    this.session = undefined;
    this.reply(f, encodeEndReply({ slot: s.slot, state: SlotState.PENDING }));
  }
}

function stateName(v: number): string {
  return Object.entries(SlotState).find(([, x]) => x === v)?.[0] ?? `STATE_${v}`;
}

export interface FaultOptions {
  /** Probabilities per protocol frame, each direction. */
  drop?: number;
  duplicate?: number;
  /** Holds a frame back so the next one overtakes it. */
  reorder?: number;
  /** Flips one bit. */
  corrupt?: number;
  random?: () => number;
}

/**
 * A memory wire whose protocol frames (chunks starting 0xA5) may be lost, duplicated,
 * reordered or corrupted; text passes untouched. Returns [hostEnd, deviceEnd].
 */
export function faultyPipe(faults: FaultOptions): [Duplex, Duplex] & { faults: { dropped: number; duplicated: number; reordered: number; corrupted: number } } {
  const rand = faults.random ?? Math.random;
  const counts = { dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 };
  const ends = connectedEnds(() => {
    let held: Buffer | undefined;
    return (chunk, deliver, done) => {
      let copy = chunk;
      const isFrame = copy[0] === 0xa5;
      if (isFrame && rand() < (faults.drop ?? 0)) {
        counts.dropped++;
        return done();
      }
      if (isFrame && rand() < (faults.corrupt ?? 0)) {
        counts.corrupted++;
        copy = Buffer.from(copy);
        const i = 1 + Math.floor(rand() * (copy.length - 1));
        copy[i]! ^= 1 << Math.floor(rand() * 8);
      }
      if (isFrame && !held && rand() < (faults.reorder ?? 0)) {
        counts.reordered++;
        held = copy;
        setTimeout(() => {
          if (held) {
            deliver(held);
            held = undefined;
          }
        }, 20);
        return done();
      }
      deliver(copy);
      if (held) {
        deliver(held);
        held = undefined;
      }
      if (isFrame && rand() < (faults.duplicate ?? 0)) {
        counts.duplicated++;
        deliver(copy);
      }
      done();
    };
  });
  return Object.assign(ends, { faults: counts });
}
