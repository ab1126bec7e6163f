/**
 * The library API the CLI and the update server share: info, push, rollback, confirm and
 * reboot over one Link. All protocol decisions live here; callers only print.
 */
import { MotaError } from '../../common/errors.ts';
import { decodeHeader, formatVersion, type PackageHeader } from '../package/header.ts';
import { Client, DeviceError, SessionLost, type ClientOptions, type UploadProgress } from './client.ts';
import type { TextUnit } from './demux.ts';
import { ReportCollector, summarizeReport, type BootReport } from './report.ts';
import {
  decodeBeginReply, decodeEndReply, decodeRollbackReply, encodeBegin, FrameType, MODE_APP, MODE_BOOTLOADER, NO_SLOT, SESSION_COMPLETE,
  SESSION_NONE, slotLetter, SlotState, type InfoPayload, type SlotRecord,
} from './frames.ts';
import type { Link } from './link.ts';

export interface DeviceOptions extends ClientOptions {
  /** Longest silence while waiting for the app's boot report to reach `ready`; default 10 s. */
  bootTimeoutMs?: number;
  /** Text lines the device prints while we wait (boot reports). */
  onText?: (line: string) => void;
}

/** One slot as a person reads it. */
export interface SlotView {
  slot: 'A' | 'B';
  state: string;
  name: string;
  version: string;
}

export function slotView(info: InfoPayload, slot: number): SlotView | undefined {
  const r: SlotRecord | undefined = info.slots[slot as 0 | 1];
  if (!r) return undefined;
  return { slot: slot === 0 ? 'A' : 'B', state: r.stateName, name: r.name, version: formatVersion(r.version) };
}

/** What the device runs now: the running slot in app mode, else the active slot. */
export function runningModel(info: InfoPayload): SlotView | undefined {
  const s = info.mode === MODE_APP ? info.runningSlot : info.activeSlot;
  return s === NO_SLOT ? undefined : slotView(info, s);
}

export async function info(link: Link, options: DeviceOptions = {}): Promise<InfoPayload> {
  const client = new Client(link, options);
  try {
    return await client.info();
  } finally {
    client.dispose();
  }
}

/** Sends ENTER when the app runs, then waits until the bootloader answers INFO. */
async function ensureBootloader(client: Client, current?: InfoPayload): Promise<InfoPayload> {
  let i = current ?? (await client.info());
  if (i.mode === MODE_BOOTLOADER) return i;
  await client.request(FrameType.ENTER, undefined, { attempts: 3 });
  const deadline = performance.now() + 5 * client.timing.T_REPLY + 2000;
  // An INFO sent while the chip resets is lost: poll briefly rather than wait a whole T_REPLY for it.
  const pollMs = Math.max(100, Math.round(client.timing.T_REPLY / 4));
  for (;;) {
    try {
      i = await client.info(1, pollMs);
      if (i.mode === MODE_BOOTLOADER) return i;
    } catch (e) {
      if (!(e instanceof MotaError && e.code === 'LINK_TIMEOUT')) throw e;
    }
    if (performance.now() > deadline) {
      throw new MotaError('LINK_TIMEOUT', `the device on ${client.link.path} did not come back in its bootloader after ENTER`,
        'reset the device by hand and run the same command again');
    }
    await sleep(50);
  }
}

/** What the app printed after a reset: its raw lines and the parsed reports (§4.1). */
export interface AppBoot {
  info: InfoPayload;
  /** Every text line, in order. */
  lines: string[];
  /** Each boot report seen (a reverted trial gives two); the last is what runs now. */
  reports: BootReport[];
}

/**
 * After a reset into the app: waits for its boot report to end (`ready`, or a pause of
 * bootTimeoutMs), following a rejected trial into the reverted model's report, then INFO.
 * If the bootloader caught our INFO in its listen window, BOOT it and wait again.
 */
async function awaitApp(client: Client, options: DeviceOptions): Promise<AppBoot> {
  const lines: string[] = [];
  const reports: BootReport[] = [];
  const collector = new ReportCollector();
  const link = client.link;
  let onReady: (() => void) | undefined;
  const onText = (u: TextUnit) => {
    lines.push(u.text);
    options.onText?.(u.text);
    const r = collector.push(u.text);
    if (r) reports.push(r);
    if (r?.ready && !r.trialRejected) onReady?.();
  };
  link.on('text', onText);
  try {
    for (let attempt = 0; ; attempt++) {
      await waitForReport(link, options.bootTimeoutMs ?? 10_000, (resolve) => (onReady = resolve));
      onReady = undefined;
      const partial = collector.partial();
      if (partial && !reports.includes(partial)) reports.push(partial); // a report without `ready` (cut, or an older app)
      let i: InfoPayload;
      try {
        i = await client.info(3);
      } catch (e) {
        const last = reports.at(-1);
        if (!(e instanceof MotaError && e.code === 'LINK_TIMEOUT') || !last) throw e;
        throw new MotaError('LINK_TIMEOUT_APP', `the device on ${link.path} booted (its report says ${summarizeReport(last)}) but its app does not answer INFO`,
          'the app firmware must serve INFO, CONFIRM and ROLLBACK (SPEC §5.2); until then a reset reverts a trial model');
      }
      if (i.mode === MODE_APP || attempt >= 2) return { info: i, lines, reports };
      // the bootloader answered: it is listening or has no model; ask it to boot
      try {
        await client.request(FrameType.BOOT);
      } catch (e) {
        if (e instanceof DeviceError && e.deviceCode === 'NO_MODEL') return { info: i, lines, reports };
        throw e;
      }
    }
  } finally {
    link.off('text', onText);
  }
}

/** Resolves when `arm`'s callback fires (a report is complete) or no text came for idleMs. */
function waitForReport(link: Link, idleMs: number, arm: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e?: MotaError) => {
      done = true;
      clearTimeout(timer);
      link.off('text', onLine);
      link.off('lost', finish);
      if (e) reject(e);
      else resolve();
    };
    const onLine = () => {
      if (done) return; // the line that completed the report: no new idle timer
      clearTimeout(timer);
      timer = setTimeout(() => finish(), idleMs);
    };
    let timer = setTimeout(() => finish(), idleMs);
    arm(() => finish());
    link.on('text', onLine);
    link.on('lost', finish);
  });
}

export type PushEvent =
  | { phase: 'enter' }
  | { phase: 'begin'; slot: 'A' | 'B'; resumeFrom: number; total: number }
  | ({ phase: 'upload' } & UploadProgress)
  | { phase: 'end' }
  | { phase: 'boot' }
  | { phase: 'confirm' }
  | { phase: 'reconnect'; attempt: number };

export interface PushOptions extends DeviceOptions {
  /** Confirm the new model once it reports the expected name and version (default true). */
  confirm?: boolean;
  allowDowngrade?: boolean;
  onProgress?: (e: PushEvent) => void;
  /** Reopens the link after it was lost; without it a lost link ends the push (LINK_LOST). */
  reconnect?: () => Promise<Link>;
  /** Most BEGIN restarts (resets, lost links) before giving up; default 5. */
  maxRestarts?: number;
}

export interface PushResult {
  name: string;
  version: string;
  slot: 'A' | 'B';
  /** Offsets the upload (re)started from; [0] for a clean one, [x > 0] for a resume. */
  startedAt: number[];
  sentBytes: number;
  retransmittedBytes: number;
  confirmed: boolean;
  /** Every line the app printed after the resets of this push. */
  lines: string[];
  /** The boot report of the model now running (§4.1), when the app printed one. */
  bootReport: BootReport | undefined;
  /** INFO at the end. */
  device: InfoPayload;
  /** The link in use at the end (a new one after a reconnect). */
  link: Link;
  timings: { enterMs: number; uploadMs: number; endMs: number; bootMs: number; confirmMs: number; totalMs: number };
}

/**
 * Installs a package: into the bootloader, BEGIN (resuming where the device says), DATA,
 * END, BOOT into the trial, compare the name and version the device reports, CONFIRM.
 * The caller has verified the package's signature; the device verifies it again.
 */
export async function push(link: Link, pkg: Uint8Array, options: PushOptions = {}): Promise<PushResult> {
  const header = decodeHeader(pkg);
  const expected = { name: header.name, version: formatVersion(header.version) };
  const emit = options.onProgress ?? (() => {});
  const t0 = performance.now();
  const timings = { enterMs: 0, uploadMs: 0, endMs: 0, bootMs: 0, confirmMs: 0, totalMs: 0 };
  let client = new Client(link, options);
  const startedAt: number[] = [];
  let sentBytes = 0;
  let retransmittedBytes = 0;
  let restarts = 0;
  let reconnects = 0;
  let slot = NO_SLOT;
  let booted = false;
  const image = pkg.subarray(0, header.imageSize);
  try {
    // 1. into the bootloader, check the package fits
    emit({ phase: 'enter' });
    let dev = await ensureBootloader(client);
    timings.enterMs = performance.now() - t0;
    checkFits(header, dev, link.path);

    // 2. BEGIN, DATA until END succeeds, resuming after resets and lost links
    const tUpload = performance.now();
    let freshAfterHashFailure = false;
    for (;;) {
      try {
        const begin = decodeBeginReply(await client.request(FrameType.BEGIN, encodeBegin(image.subarray(0, 128), { allowDowngrade: options.allowDowngrade }), { timeoutMs: client.timing.T_BEGIN, attempts: 2 }));
        if (begin.imageSize !== header.imageSize) {
          throw new MotaError('LINK_BAD_REPLY', `the device announced ${begin.imageSize} bytes for a ${header.imageSize}-byte package`);
        }
        slot = begin.slot;
        startedAt.push(begin.nextOffset);
        emit({ phase: 'begin', slot: slot === 0 ? 'A' : 'B', resumeFrom: begin.nextOffset, total: header.imageSize });
        const chunk = Math.floor((Math.min(dev.maxPayload, 1028) - 4) / 8) * 8;
        const r = await client.streamData(image, begin.nextOffset, {
          window: Math.max(1, dev.window),
          chunk,
          onProgress: (p) => emit({ phase: 'upload', ...p, sentBytes: sentBytes + p.sentBytes, retransmittedBytes: retransmittedBytes + p.retransmittedBytes }),
        });
        sentBytes += r.sentBytes;
        retransmittedBytes += r.retransmittedBytes;
        timings.uploadMs = performance.now() - tUpload;
        const tEnd = performance.now();
        emit({ phase: 'end' });
        await finishUpload(client, slot, expected);
        timings.endMs = performance.now() - tEnd;
        break;
      } catch (e) {
        if (++restarts > (options.maxRestarts ?? 5)) throw e;
        if (e instanceof SessionLost) {
          dev = await ensureBootloader(client);
          continue;
        }
        if (e instanceof DeviceError && (e.deviceCode === 'PKG_HASH_MISMATCH' || e.deviceCode === 'PKG_BODY_CRC') && startedAt.some((o) => o > 0) && !freshAfterHashFailure) {
          freshAfterHashFailure = true; // damage from a resumed upload: the device erased page 0, start over once
          continue;
        }
        if (e instanceof MotaError && e.code === 'LINK_LOST') {
          if (!options.reconnect) {
            throw new MotaError('LINK_LOST', `${e.message} during the upload`, 'reconnect and run the same command again: the upload resumes where the device stopped');
          }
          emit({ phase: 'reconnect', attempt: ++reconnects });
          client.dispose();
          link = await options.reconnect();
          client = new Client(link, options);
          dev = await ensureBootloader(client);
          continue;
        }
        throw e;
      }
    }

    // 3. trial boot and the name/version check
    const tBoot = performance.now();
    emit({ phase: 'boot' });
    booted = true;
    await client.request(FrameType.BOOT);
    let app = await awaitApp(client, options);
    timings.bootMs = performance.now() - tBoot;
    const lines = [...app.lines];
    checkRunning(app, slot, expected, link.path);

    // 4. confirm
    let confirmed = app.info.slots[slot as 0 | 1]?.state === SlotState.CONFIRMED;
    if (options.confirm !== false && !confirmed) {
      const tConfirm = performance.now();
      emit({ phase: 'confirm' });
      await client.request(FrameType.CONFIRM);
      app = await awaitApp(client, options);
      lines.push(...app.lines);
      checkRunning(app, slot, expected, link.path);
      confirmed = app.info.slots[slot as 0 | 1]?.state === SlotState.CONFIRMED;
      if (!confirmed) {
        throw new MotaError('MISMATCH_NOT_CONFIRMED', `the device did not confirm ${expected.name} ${expected.version}: slot ${slotLetter(slot)} is ${app.info.slots[slot as 0 | 1]?.stateName}`,
          'run `mota info`; a reset now reverts to the previous model');
      }
      timings.confirmMs = performance.now() - tConfirm;
    }
    timings.totalMs = performance.now() - t0;
    return {
      ...expected, slot: slot === 0 ? 'A' : 'B', startedAt, sentBytes, retransmittedBytes, confirmed, lines, bootReport: app.reports.at(-1), device: app.info, link, timings,
    };
  } catch (e) {
    // A refusal before BOOT (too large, downgrade, bad signature...) must not leave the device
    // parked in its bootloader: send it back to the model it was running.
    if (!booted && e instanceof MotaError && !e.code.startsWith('LINK_')) await returnToApp(client, options);
    throw e;
  } finally {
    client.dispose();
  }
}

/** Best effort: BOOT the bootloader back into the active model and wait for the app. */
async function returnToApp(client: Client, options: DeviceOptions): Promise<void> {
  try {
    const i = await client.info(1);
    if (i.mode !== MODE_BOOTLOADER || i.activeSlot === NO_SLOT) return;
    await client.request(FrameType.BOOT);
    await awaitApp(client, options);
  } catch {
    // The original error is what the user needs to see; `mota info` shows the device's state.
  }
}

function checkFits(header: PackageHeader, dev: InfoPayload, port: string): void {
  if (header.imageSize > dev.slotSize) {
    throw new MotaError('DEVICE_PKG_TOO_LARGE', `the package is ${header.imageSize} bytes but the device on ${port} has ${dev.slotSize}-byte model slots (${dev.board})`,
      'use a smaller model, or a board with larger slots');
  }
}

/** END, tolerating a lost answer: the slot then already reads PENDING with our model. */
async function finishUpload(client: Client, slot: number, expected: { name: string; version: string }): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const r = decodeEndReply(await client.request(FrameType.END, undefined, { timeoutMs: client.timing.T_END }));
      if (r.state !== SlotState.PENDING) throw new MotaError('LINK_BAD_REPLY', `END answered state ${r.state}, not PENDING`);
      return;
    } catch (e) {
      if (!(e instanceof MotaError && e.code === 'LINK_TIMEOUT')) throw e;
      const st = await client.status();
      if (st.session === SESSION_COMPLETE) continue;
      if (st.session === SESSION_NONE) {
        const i = await client.info();
        const v = slotView(i, slot);
        if (i.slots[slot as 0 | 1]?.state === SlotState.PENDING && v?.name === expected.name && v.version === expected.version) return;
        throw new SessionLost('NO_SESSION');
      }
    }
  }
  throw new MotaError('LINK_TIMEOUT', `the device on ${client.link.path} did not answer END`, 'run the same command again');
}

/** The device must run `slot` and report the package's name and version, in INFO and in its boot report. */
function checkRunning(app: AppBoot, slot: number, expected: { name: string; version: string }, port: string): void {
  const i = app.info;
  const now = runningModel(i);
  const report = app.reports.at(-1);
  const reported = report?.model;
  const infoOk = i.mode === MODE_APP && i.runningSlot === slot && now?.name === expected.name && now.version === expected.version;
  const reportOk = report === undefined || (reported?.name === expected.name && reported.version === expected.version);
  if (infoOk && reportOk) return;
  const runs = now ? `${now.name} ${now.version} (slot ${now.slot}, ${now.state})` : i.mode === MODE_BOOTLOADER ? 'no model: it stays in its bootloader' : 'nothing';
  const pushed = slotView(i, slot);
  const rejected = app.reports.find((r) => r.trialRejected);
  const why = rejected
    ? ` — the new model failed its trial (${rejected.selftest ? `self-test ${rejected.selftest.text}` : rejected.modelError ?? rejected.trialRejected}) and the device reverted`
    : pushed?.state === 'REJECTED' ? ` — the new model failed its trial (slot ${pushed.slot} REJECTED) and the device reverted` : '';
  const said = infoOk && report ? ` (its boot report says ${reported ? `${reported.name} ${reported.version}` : 'no model'})` : '';
  throw new MotaError('MISMATCH_REVERTED', `the device on ${port} runs ${runs}, not ${expected.name} ${expected.version}${said}${why}`,
    'check the self-test section of the package (`mota inspect`) and the device report (`mota monitor`)');
}

export interface ChangeResult {
  before: InfoPayload;
  after: InfoPayload;
  /** Lines the app printed after its reset. */
  lines: string[];
  /** Its boot report (§4.1), when it printed one. */
  bootReport: BootReport | undefined;
}

/**
 * Rolls back (5.8/5.9): a trial or pending model is rejected, else the other confirmed
 * model becomes active. Verifies the device then runs the model it should.
 */
export async function rollback(link: Link, options: DeviceOptions = {}): Promise<ChangeResult> {
  const client = new Client(link, options);
  try {
    const before = await client.info();
    const j = before.slots.map((s) => s.state);
    const expectedSlot = j.includes(SlotState.TRIAL) || j.includes(SlotState.PENDING)
      ? before.activeSlot
      : before.activeSlot !== NO_SLOT && j[1 - before.activeSlot] === SlotState.CONFIRMED ? 1 - before.activeSlot : undefined;
    if (expectedSlot === undefined || expectedSlot === NO_SLOT) {
      throw new MotaError('DEVICE_NOTHING_TO_ROLL_BACK', `the device on ${link.path} has no previous model to roll back to`, 'run `mota info` to see the slots');
    }
    decodeRollbackReply(await client.request(FrameType.ROLLBACK));
    if (before.mode === MODE_BOOTLOADER) await client.request(FrameType.BOOT);
    const { info: after, lines, reports } = await awaitApp(client, options);
    const target = slotView(before, expectedSlot)!;
    const now = runningModel(after);
    if (after.mode !== MODE_APP || after.runningSlot !== expectedSlot || now?.name !== target.name || now.version !== target.version) {
      throw new MotaError('MISMATCH_ROLLBACK', `after the rollback the device runs ${now ? `${now.name} ${now.version} (slot ${now.slot})` : 'nothing'}, not ${target.name} ${target.version} (slot ${target.slot})`,
        'run `mota info` and `mota monitor` to see what the device does');
    }
    return { before, after, lines, bootReport: reports.at(-1) };
  } finally {
    client.dispose();
  }
}

/** Confirms the model on trial (the app resets to have the bootloader record it). */
export async function confirm(link: Link, options: DeviceOptions = {}): Promise<ChangeResult> {
  const client = new Client(link, options);
  try {
    const before = await client.info();
    const trial = before.slots.findIndex((s) => s.state === SlotState.TRIAL);
    if (trial < 0) {
      throw new MotaError('DEVICE_NOTHING_TO_CONFIRM', `no model is on trial on ${link.path}: nothing to confirm`, 'run `mota info` to see the slot states');
    }
    await client.request(FrameType.CONFIRM);
    if (before.mode === MODE_BOOTLOADER) {
      const after = await client.info();
      return { before, after, lines: [], bootReport: undefined };
    }
    const { info: after, lines, reports } = await awaitApp(client, options);
    if (after.slots[trial as 0 | 1]?.state !== SlotState.CONFIRMED) {
      throw new MotaError('MISMATCH_NOT_CONFIRMED', `slot ${slotLetter(trial)} is ${after.slots[trial as 0 | 1]?.stateName} after CONFIRM`, 'run `mota info`');
    }
    return { before, after, lines, bootReport: reports.at(-1) };
  } finally {
    client.dispose();
  }
}

/** Resets the device into its boot decision and waits for the app's report. */
export async function reboot(link: Link, options: DeviceOptions = {}): Promise<ChangeResult> {
  const client = new Client(link, options);
  try {
    const before = await client.info();
    await client.request(FrameType.BOOT);
    const { info: after, lines, reports } = await awaitApp(client, options);
    return { before, after, lines, bootReport: reports.at(-1) };
  } finally {
    client.dispose();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
