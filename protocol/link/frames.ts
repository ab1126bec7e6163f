/**
 * Update-protocol frames (SPEC §5.1) and their payloads (§5.3), both directions: the host
 * client encodes requests and decodes responses; the in-memory test device does the reverse.
 */
import { crc32Mpeg2 } from '../package/crc.ts';
import { PKG_ERROR_NUMBERS } from '../package/format.ts';
import type { FrameRecogniser } from './demux.ts';

export const SYNC = 0xa5;
export const FRAME_OVERHEAD = 9;
export const MAX_PAYLOAD = 1028;
export const MAX_FRAME = FRAME_OVERHEAD + MAX_PAYLOAD;
export const PROTOCOL_VERSION = 1;

export const FrameType = {
  INFO: 0x01,
  ENTER: 0x02,
  BEGIN: 0x03,
  DATA: 0x04,
  STATUS: 0x05,
  END: 0x06,
  BOOT: 0x07,
  CONFIRM: 0x08,
  ROLLBACK: 0x09,
  ABORT: 0x0a,
  ERROR: 0xff,
} as const;
export type RequestType = Exclude<(typeof FrameType)[keyof typeof FrameType], 0xff>;
export const RESPONSE = 0x80;

export function requestName(type: number): string {
  const entry = Object.entries(FrameType).find(([, v]) => v === (type === 0xff ? 0xff : type & 0x7f));
  return entry ? entry[0] : `0x${type.toString(16).padStart(2, '0')}`;
}

export function isRequestType(type: number): boolean {
  return type >= 0x01 && type <= 0x0a;
}

export function isResponseType(type: number): boolean {
  return type === FrameType.ERROR || (type >= 0x81 && type <= 0x8a);
}

/** §5.4: codes 1–15 are the package codes; 32.. the protocol's own. */
export const DeviceErrorCode = {
  ...PKG_ERROR_NUMBERS,
  BAD_LENGTH: 32,
  BAD_OPTIONS: 33,
  WRONG_MODE: 34,
  NO_SESSION: 35,
  OUT_OF_RANGE: 36,
  HEADER_MISMATCH: 37,
  DOWNGRADE: 38,
  FLASH: 39,
  INCOMPLETE: 40,
  NOTHING_TO_CONFIRM: 41,
  NOTHING_TO_ROLL_BACK: 42,
  NO_MODEL: 43,
} as const;
export type DeviceErrorName = keyof typeof DeviceErrorCode;

export function deviceErrorName(code: number): string {
  const entry = Object.entries(DeviceErrorCode).find(([, v]) => v === code);
  return entry ? entry[0] : `ERROR_${code}`;
}

/** §5.6 slot states. */
export const SlotState = { EMPTY: 0, CONFIRMED: 1, TRIAL: 2, PENDING: 3, REJECTED: 4 } as const;
export type SlotStateName = keyof typeof SlotState;
export function slotStateName(v: number): SlotStateName | `STATE_${number}` {
  const entry = Object.entries(SlotState).find(([, x]) => x === v);
  return entry ? (entry[0] as SlotStateName) : `STATE_${v}`;
}

export const NO_SLOT = 0xff;

/** §5.10 host timeouts, milliseconds. */
export const Timing = {
  T_FRAME: 200,
  T_LISTEN: 200,
  T_IDLE: 30_000,
  T_REPLY: 1000,
  T_BEGIN: 2000,
  T_DATA: 1000,
  T_END: 10_000,
} as const;

export interface Frame {
  type: number;
  seq: number;
  payload: Buffer;
}

export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`"type" must be a byte, got ${type}`);
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xff) throw new RangeError(`"seq" must be a byte, got ${seq}`);
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds MAX_PAYLOAD ${MAX_PAYLOAD}`);
  const out = Buffer.alloc(FRAME_OVERHEAD + payload.length);
  out[0] = SYNC;
  out[1] = type;
  out[2] = seq;
  out.writeUInt16LE(payload.length, 3);
  out.set(payload, 5);
  out.writeUInt32LE(crc32Mpeg2(out.subarray(0, 5 + payload.length)), 5 + payload.length);
  return out;
}

export type FrameProblem = 'bad_crc' | 'truncated' | 'oversized' | 'unknown_type' | 'bad_sync';

/** Checks one whole frame (exactly its bytes); returns the frame or what is wrong with it. */
export function decodeFrame(bytes: Uint8Array, accept: (type: number) => boolean = () => true): Frame | { problem: FrameProblem } {
  const verdict = recogniseWith(accept)(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (verdict.status === 'incomplete') return { problem: 'truncated' };
  if (verdict.status === 'invalid') return { problem: verdict.problem };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, verdict.length);
  return { type: b[1]!, seq: b[2]!, payload: Buffer.from(b.subarray(5, verdict.length - 4)) };
}

type Verdict = { status: 'incomplete' } | { status: 'frame'; length: number } | { status: 'invalid'; problem: FrameProblem };

function recogniseWith(accept: (type: number) => boolean): (buf: Buffer) => Verdict {
  return (buf) => {
    if (buf.length === 0) return { status: 'incomplete' };
    if (buf[0] !== SYNC) return { status: 'invalid', problem: 'bad_sync' };
    if (buf.length < 2) return { status: 'incomplete' };
    if (!accept(buf[1]!)) return { status: 'invalid', problem: 'unknown_type' };
    if (buf.length < 5) return { status: 'incomplete' };
    const len = buf.readUInt16LE(3);
    if (len > MAX_PAYLOAD) return { status: 'invalid', problem: 'oversized' };
    const total = FRAME_OVERHEAD + len;
    if (buf.length < total) return { status: 'incomplete' };
    const crc = buf.readUInt32LE(5 + len);
    if (crc32Mpeg2(buf.subarray(0, 5 + len)) !== crc) return { status: 'invalid', problem: 'bad_crc' };
    return { status: 'frame', length: total };
  };
}

/** The §3 recogniser a host plugs into its Demux: responses and ERROR only (§5.1). */
export const hostFrameRecogniser: FrameRecogniser = recogniseWith(isResponseType);
/** The device's view: requests only. Used by the in-memory test device. */
export const deviceFrameRecogniser: FrameRecogniser = recogniseWith(isRequestType);

// ---- payloads (§5.3) ----

export interface SlotRecord {
  state: number;
  stateName: string;
  name: string;
  version: { major: number; minor: number; patch: number };
  imageSize: number;
  keyId: number;
}

export interface InfoPayload {
  protocol: number;
  /** 1 = bootloader, 2 = app */
  mode: number;
  maxPayload: number;
  window: number;
  activeSlot: number;
  runningSlot: number;
  flags: number;
  bootloaderVersion: { major: number; minor: number; patch: number };
  uid: string;
  board: string;
  flashSize: number;
  pageSize: number;
  slotSize: number;
  slotAddr: [number, number];
  resetCount: number;
  slots: [SlotRecord, SlotRecord];
}

export const INFO_SIZE = 160;
export const SLOT_RECORD_SIZE = 48;
export const MODE_BOOTLOADER = 1;
export const MODE_APP = 2;
export const INFO_FLAG_DOWNGRADE_GUARD = 1;
export const INFO_FLAG_SESSION_OPEN = 2;

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

function putCString(out: Buffer, off: number, size: number, s: string): void {
  Buffer.from(s, 'latin1').subarray(0, size).copy(out, off);
}

export function decodeSlotRecord(b: Buffer): SlotRecord {
  return {
    state: b[0]!,
    stateName: slotStateName(b[0]!),
    version: { major: b.readUInt16LE(2), minor: b.readUInt16LE(4), patch: b.readUInt16LE(6) },
    imageSize: b.readUInt32LE(8),
    keyId: b.readUInt32LE(12),
    name: cString(b.subarray(16, 48)),
  };
}

export function encodeSlotRecord(r: Omit<SlotRecord, 'stateName'>): Buffer {
  const b = Buffer.alloc(SLOT_RECORD_SIZE);
  b[0] = r.state;
  b.writeUInt16LE(r.version.major, 2);
  b.writeUInt16LE(r.version.minor, 4);
  b.writeUInt16LE(r.version.patch, 6);
  b.writeUInt32LE(r.imageSize >>> 0, 8);
  b.writeUInt32LE(r.keyId >>> 0, 12);
  putCString(b, 16, 32, r.name);
  return b;
}

export function decodeInfo(p: Buffer): InfoPayload {
  expectLength('INFO', p, INFO_SIZE);
  const blv = p.readUInt32LE(8);
  return {
    protocol: p[0]!,
    mode: p[1]!,
    maxPayload: p.readUInt16LE(2),
    window: p[4]!,
    activeSlot: p[5]!,
    runningSlot: p[6]!,
    flags: p[7]!,
    bootloaderVersion: { major: (blv >>> 16) & 0xffff, minor: (blv >>> 8) & 0xff, patch: blv & 0xff },
    uid: p.subarray(12, 24).toString('hex').toUpperCase(), // as the boot report prints it (§4.1)
    board: cString(p.subarray(24, 40)),
    flashSize: p.readUInt32LE(40),
    pageSize: p.readUInt32LE(44),
    slotSize: p.readUInt32LE(48),
    slotAddr: [p.readUInt32LE(52), p.readUInt32LE(56)],
    resetCount: p.readUInt32LE(60),
    slots: [decodeSlotRecord(p.subarray(64, 112)), decodeSlotRecord(p.subarray(112, 160))],
  };
}

export function encodeInfo(i: Omit<InfoPayload, 'slots'> & { slots: [Omit<SlotRecord, 'stateName'>, Omit<SlotRecord, 'stateName'>] }): Buffer {
  const p = Buffer.alloc(INFO_SIZE);
  p[0] = i.protocol;
  p[1] = i.mode;
  p.writeUInt16LE(i.maxPayload, 2);
  p[4] = i.window;
  p[5] = i.activeSlot;
  p[6] = i.runningSlot;
  p[7] = i.flags;
  const v = i.bootloaderVersion;
  p.writeUInt32LE(((v.major << 16) | (v.minor << 8) | v.patch) >>> 0, 8);
  Buffer.from(i.uid, 'hex').copy(p, 12, 0, 12);
  putCString(p, 24, 16, i.board);
  p.writeUInt32LE(i.flashSize, 40);
  p.writeUInt32LE(i.pageSize, 44);
  p.writeUInt32LE(i.slotSize, 48);
  p.writeUInt32LE(i.slotAddr[0], 52);
  p.writeUInt32LE(i.slotAddr[1], 56);
  p.writeUInt32LE(i.resetCount >>> 0, 60);
  encodeSlotRecord(i.slots[0]).copy(p, 64);
  encodeSlotRecord(i.slots[1]).copy(p, 112);
  return p;
}

export const BEGIN_SIZE = 129;
export const BEGIN_ALLOW_DOWNGRADE = 1;

export function encodeBegin(header: Uint8Array, options: { allowDowngrade?: boolean } = {}): Buffer {
  if (header.length !== 128) throw new RangeError(`BEGIN needs the 128-byte header, got ${header.length} bytes`);
  const p = Buffer.alloc(BEGIN_SIZE);
  p.set(header, 0);
  p[128] = options.allowDowngrade ? BEGIN_ALLOW_DOWNGRADE : 0;
  return p;
}

export function decodeBeginRequest(p: Buffer): { header: Buffer; options: number } {
  expectLength('BEGIN', p, BEGIN_SIZE);
  return { header: Buffer.from(p.subarray(0, 128)), options: p[128]! };
}

export interface BeginReply {
  slot: number;
  nextOffset: number;
  imageSize: number;
}

export function encodeBeginReply(r: BeginReply): Buffer {
  const p = Buffer.alloc(12);
  p[0] = r.slot;
  p.writeUInt32LE(r.nextOffset, 4);
  p.writeUInt32LE(r.imageSize, 8);
  return p;
}

export function decodeBeginReply(p: Buffer): BeginReply {
  expectLength('BEGIN reply', p, 12);
  return { slot: p[0]!, nextOffset: p.readUInt32LE(4), imageSize: p.readUInt32LE(8) };
}

export function encodeData(offset: number, data: Uint8Array): Buffer {
  const p = Buffer.alloc(4 + data.length);
  p.writeUInt32LE(offset, 0);
  p.set(data, 4);
  return p;
}

export function decodeDataRequest(p: Buffer): { offset: number; data: Buffer } {
  if (p.length < 4) throw new RangeError(`DATA payload of ${p.length} bytes is shorter than its offset field`);
  return { offset: p.readUInt32LE(0), data: Buffer.from(p.subarray(4)) };
}

export interface DataReply {
  offset: number;
  nextOffset: number;
}

export function encodeDataReply(r: DataReply): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32LE(r.offset, 0);
  p.writeUInt32LE(r.nextOffset, 4);
  return p;
}

export function decodeDataReply(p: Buffer): DataReply {
  expectLength('DATA reply', p, 8);
  return { offset: p.readUInt32LE(0), nextOffset: p.readUInt32LE(4) };
}

export const SESSION_NONE = 0;
export const SESSION_RECEIVING = 1;
export const SESSION_COMPLETE = 2;

export interface StatusReply {
  session: number;
  slot: number;
  lastError: number;
  nextOffset: number;
  imageSize: number;
  headerCrc32: number;
}

export function encodeStatusReply(r: StatusReply): Buffer {
  const p = Buffer.alloc(16);
  p[0] = r.session;
  p[1] = r.slot;
  p.writeUInt16LE(r.lastError, 2);
  p.writeUInt32LE(r.nextOffset, 4);
  p.writeUInt32LE(r.imageSize, 8);
  p.writeUInt32LE(r.headerCrc32 >>> 0, 12);
  return p;
}

export function decodeStatusReply(p: Buffer): StatusReply {
  expectLength('STATUS reply', p, 16);
  return {
    session: p[0]!, slot: p[1]!, lastError: p.readUInt16LE(2),
    nextOffset: p.readUInt32LE(4), imageSize: p.readUInt32LE(8), headerCrc32: p.readUInt32LE(12),
  };
}

export function encodeEndReply(r: { slot: number; state: number }): Buffer {
  return Buffer.from([r.slot, r.state, 0, 0]);
}

export function decodeEndReply(p: Buffer): { slot: number; state: number } {
  expectLength('END reply', p, 4);
  return { slot: p[0]!, state: p[1]! };
}

export function encodeRollbackReply(activeSlot: number): Buffer {
  return Buffer.from([activeSlot, 0, 0, 0]);
}

export function decodeRollbackReply(p: Buffer): { activeSlot: number } {
  expectLength('ROLLBACK reply', p, 4);
  return { activeSlot: p[0]! };
}

export interface ErrorReply {
  requestType: number;
  code: number;
  detail: number;
}

export function encodeErrorReply(e: ErrorReply): Buffer {
  const p = Buffer.alloc(8);
  p[0] = e.requestType;
  p.writeUInt16LE(e.code, 2);
  p.writeUInt32LE(e.detail >>> 0, 4);
  return p;
}

export function decodeErrorReply(p: Buffer): ErrorReply {
  expectLength('ERROR', p, 8);
  return { requestType: p[0]!, code: p.readUInt16LE(2), detail: p.readUInt32LE(4) };
}

function expectLength(what: string, p: Buffer, n: number): void {
  if (p.length !== n) throw new RangeError(`${what} payload must be ${n} bytes, got ${p.length}`);
}

export function slotLetter(slot: number): string {
  return slot === 0 ? 'A' : slot === 1 ? 'B' : 'none';
}
