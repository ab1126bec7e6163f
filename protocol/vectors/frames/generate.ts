/**
 * Generates the golden frame vectors of SPEC §5.11 (protocol/vectors/frames/frames.json):
 * one good frame per request and response type with its decoded fields, and bad frames
 * with the verdict a receiver must reach. Deterministic: `npx tsx
 * protocol/vectors/frames/generate.ts` rewrites the file; frames.test.ts regenerates it in
 * memory and checks the committed file is equal. The encoder here is deliberately separate
 * from the host link code, so the vectors check it rather than echo it.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import crc32mpeg2 from 'crc/crc32mpeg2';

export const FRAMES_JSON = fileURLToPath(new URL('./frames.json', import.meta.url));

export const SYNC = 0xa5;
export const MAX_PAYLOAD = 1028;

export const TYPES = {
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

type Field = number | string;

export interface GoodFrame {
  name: string;
  direction: 'request' | 'response';
  hex: string;
  type: number;
  seq: number;
  length: number;
  payload: string;
  /** Decoded payload fields, SPEC §5.3 names; byte strings as hex. */
  fields: Record<string, Field | Record<string, Field>>;
}

export interface BadFrame {
  name: string;
  hex: string;
  /** bad_crc: complete but the CRC fails; truncated: the receiver still waits for bytes;
   *  oversized: length > MAX_PAYLOAD, rejected after 5 bytes; unknown_type: rejected after 2 bytes. */
  verdict: 'bad_crc' | 'truncated' | 'oversized' | 'unknown_type';
  description: string;
}

export interface StreamVector {
  name: string;
  description: string;
  hex: string;
  /** Names (in `frames`) of the frames a device-side receiver decodes, in order. */
  decodes: string[];
}

export interface FrameVectors {
  spec: string;
  notes: string[];
  crc: { name: string; check_input: string; check_value: string };
  max_payload: number;
  frames: GoodFrame[];
  bad: BadFrame[];
  streams: StreamVector[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function crcOf(bytes: Uint8Array): number {
  return crc32mpeg2(Buffer.from(bytes)) >>> 0;
}

export function encodeFrame(type: number, seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = SYNC;
  out[1] = type;
  out[2] = seq;
  dv.setUint16(3, payload.length, true);
  out.set(payload, 5);
  dv.setUint32(5 + payload.length, crcOf(out.subarray(0, 5 + payload.length)), true);
  return out;
}

/** Little-endian struct builder. */
class Bytes {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  ascii(s: string, size: number): this {
    const b = new Uint8Array(size);
    b.set(Buffer.from(s, 'ascii'));
    return this.raw(b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Word-order CRC-32/MPEG-2 (SPEC §1.4), for the sample header. */
function crcWordOrder(b: Uint8Array): number {
  const swapped = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += 4) for (let j = 0; j < 4; j++) swapped[i + j] = b[i + 3 - j]!;
  return crcOf(swapped);
}

/** A well-formed §1.1 header (a frame vector treats it as opaque bytes). */
function sampleHeader(): Uint8Array {
  const sha = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  const h = new Bytes()
    .ascii('MOTA', 4)
    .u16(1)
    .u16(128)
    .ascii('sinemodel', 32)
    .u16(1)
    .u16(1)
    .u16(0)
    .u16(0)
    .u32(2488)
    .u32(0)
    .u32(128 + 2488 + 64)
    .u32(0xedf6e7a5)
    .raw(sha)
    .u32(0x12345678)
    .u32(1767225600)
    .raw(new Uint8Array(20))
    .done();
  return new Bytes().raw(h).u32(crcWordOrder(h)).done();
}

function slotRecord(s: {
  state: number;
  major: number;
  minor: number;
  patch: number;
  image_size: number;
  key_id: number;
  name: string;
}): Uint8Array {
  return new Bytes()
    .u8(s.state)
    .u8(0)
    .u16(s.major)
    .u16(s.minor)
    .u16(s.patch)
    .u32(s.image_size)
    .u32(s.key_id)
    .ascii(s.name, 32)
    .done();
}

export function generate(): FrameVectors {
  const frames: GoodFrame[] = [];
  const add = (
    name: string,
    type: number,
    seq: number,
    payload: Uint8Array,
    fields: GoodFrame['fields'] = {},
  ): Uint8Array => {
    const f = encodeFrame(type, seq, payload);
    frames.push({
      name,
      direction: type >= 0x80 ? 'response' : 'request',
      hex: hex(f),
      type,
      seq,
      length: payload.length,
      payload: hex(payload),
      fields,
    });
    return f;
  };
  const empty = new Uint8Array(0);
  const R = 0x80;

  add('info_request', TYPES.INFO, 0x01, empty);
  const uid = Uint8Array.from([0x33, 0x00, 0x2c, 0x00, 0x0d, 0x51, 0x36, 0x30, 0x39, 0x36, 0x34, 0x33]);
  const slotA = { state: 1, major: 1, minor: 0, patch: 0, image_size: 2680, key_id: 0xedf6e7a5, name: 'sinemodel' };
  const slotB = { state: 3, major: 1, minor: 1, patch: 0, image_size: 2680, key_id: 0xedf6e7a5, name: 'sinemodel' };
  const infoFields = (mode: number, running: number, flags: number, reset_count: number) => ({
    protocol: 1,
    mode,
    max_payload: 1028,
    window: 4,
    active_slot: 0,
    running_slot: running,
    flags,
    bootloader_version: 0x010000,
    uid: hex(uid),
    board: 'STM32F103RC',
    flash_size: 0x40000,
    page_size: 0x800,
    slot_size: 0x18000,
    slot_a_addr: 0x08010000,
    slot_b_addr: 0x08028000,
    reset_count,
  });
  const infoPayload = (mode: number, running: number, flags: number, reset_count: number): Uint8Array =>
    new Bytes()
      .u8(1)
      .u8(mode)
      .u16(1028)
      .u8(4)
      .u8(0)
      .u8(running)
      .u8(flags)
      .u32(0x010000)
      .raw(uid)
      .ascii('STM32F103RC', 16)
      .u32(0x40000)
      .u32(0x800)
      .u32(0x18000)
      .u32(0x08010000)
      .u32(0x08028000)
      .u32(reset_count)
      .raw(slotRecord(slotA))
      .raw(slotRecord(slotB))
      .done();
  add('info_response_bootloader', TYPES.INFO | R, 0x01, infoPayload(1, 0xff, 0x03, 2), {
    ...infoFields(1, 0xff, 0x03, 2),
    slot_a: slotA,
    slot_b: slotB,
  });
  add('info_response_app', TYPES.INFO | R, 0x02, infoPayload(2, 0, 0x01, 0), {
    ...infoFields(2, 0, 0x01, 0),
    slot_a: slotA,
    slot_b: slotB,
  });
  add('enter_request', TYPES.ENTER, 0x03, empty);
  add('enter_response', TYPES.ENTER | R, 0x03, empty);

  const header = sampleHeader();
  add('begin_request', TYPES.BEGIN, 0x04, new Bytes().raw(header).u8(0).done(), { header: hex(header), options: 0 });
  add('begin_request_allow_downgrade', TYPES.BEGIN, 0x05, new Bytes().raw(header).u8(1).done(), {
    header: hex(header),
    options: 1,
  });
  add('begin_response_fresh', TYPES.BEGIN | R, 0x04, new Bytes().u8(1).u8(0).u16(0).u32(0).u32(2680).done(), {
    slot: 1,
    next_offset: 0,
    image_size: 2680,
  });
  add('begin_response_resume', TYPES.BEGIN | R, 0x05, new Bytes().u8(1).u8(0).u16(0).u32(2048).u32(2680).done(), {
    slot: 1,
    next_offset: 2048,
    image_size: 2680,
  });

  const small = header.subarray(0, 16);
  add('data_request_16', TYPES.DATA, 0x06, new Bytes().u32(0).raw(small).done(), { offset: 0, data: hex(small) });
  const full = new Uint8Array(1024).map((_, i) => (i * 7 + 3) & 0xff);
  full[100] = SYNC; // a sync byte inside a payload must not confuse a receiver
  add('data_request_1024', TYPES.DATA, 0x07, new Bytes().u32(1024).raw(full).done(), {
    offset: 1024,
    data: hex(full),
  });
  add('data_response', TYPES.DATA | R, 0x07, new Bytes().u32(1024).u32(2048).done(), {
    offset: 1024,
    next_offset: 2048,
  });
  add('data_response_gap', TYPES.DATA | R, 0x08, new Bytes().u32(3072).u32(2048).done(), {
    offset: 3072,
    next_offset: 2048,
  });
  add('status_request', TYPES.STATUS, 0x09, empty);
  add(
    'status_response',
    TYPES.STATUS | R,
    0x09,
    new Bytes().u8(1).u8(1).u16(0).u32(2048).u32(2680).u32(new DataView(header.buffer).getUint32(124, true)).done(),
    {
      session: 1,
      slot: 1,
      last_error: 0,
      next_offset: 2048,
      image_size: 2680,
      header_crc32: new DataView(header.buffer).getUint32(124, true),
    },
  );
  add('end_request', TYPES.END, 0x0a, empty);
  add('end_response', TYPES.END | R, 0x0a, new Bytes().u8(1).u8(3).u16(0).done(), { slot: 1, state: 3 });
  add('boot_request', TYPES.BOOT, 0x0b, empty);
  add('boot_response', TYPES.BOOT | R, 0x0b, empty);
  add('confirm_request', TYPES.CONFIRM, 0x0c, empty);
  add('confirm_response', TYPES.CONFIRM | R, 0x0c, empty);
  add('rollback_request', TYPES.ROLLBACK, 0x0d, empty);
  add('rollback_response', TYPES.ROLLBACK | R, 0x0d, new Bytes().u8(0).u8(0).u16(0).done(), { active_slot: 0 });
  add('abort_request', TYPES.ABORT, 0x0e, empty);
  add('abort_response', TYPES.ABORT | R, 0x0e, empty);
  add('error_sig_invalid', TYPES.ERROR, 0x0a, new Bytes().u8(TYPES.END).u8(0).u16(13).u32(0).done(), {
    request_type: TYPES.END,
    code: 13,
    detail: 0,
  });
  add('error_out_of_range', TYPES.ERROR, 0x0f, new Bytes().u8(TYPES.DATA).u8(0).u16(36).u32(2048).done(), {
    request_type: TYPES.DATA,
    code: 36,
    detail: 2048,
  });
  add('error_wrong_mode', TYPES.ERROR, 0x10, new Bytes().u8(TYPES.BEGIN).u8(0).u16(34).u32(0).done(), {
    request_type: TYPES.BEGIN,
    code: 34,
    detail: 0,
  });

  const byName = (n: string): Uint8Array => Buffer.from(frames.find((f) => f.name === n)!.hex, 'hex');
  const info = byName('info_request');
  const status = byName('status_response');
  const flipped = Uint8Array.from(info);
  flipped[flipped.length - 1]! ^= 0x01;
  const dataBad = Uint8Array.from(byName('data_request_16'));
  dataBad[9]! ^= 0x80;
  const oversized = new Bytes().u8(SYNC).u8(TYPES.DATA).u8(0).u16(MAX_PAYLOAD + 1).done();
  const unknown = encodeFrame(0x40, 0, empty);
  const bad: BadFrame[] = [
    { name: 'bad_crc_last_byte', hex: hex(flipped), verdict: 'bad_crc', description: 'INFO request, CRC byte flipped' },
    { name: 'bad_crc_payload_bit', hex: hex(dataBad), verdict: 'bad_crc', description: 'DATA request, a payload bit flipped' },
    { name: 'truncated_header', hex: hex(status.subarray(0, 4)), verdict: 'truncated', description: 'STATUS response, 4 of its bytes' },
    { name: 'truncated_crc', hex: hex(status.subarray(0, status.length - 1)), verdict: 'truncated', description: 'STATUS response without its last byte' },
    { name: 'oversized', hex: hex(oversized), verdict: 'oversized', description: 'length 1029 > MAX_PAYLOAD' },
    { name: 'oversized_ffff', hex: hex(new Bytes().u8(SYNC).u8(TYPES.INFO | R).u8(0).u16(0xffff).done()), verdict: 'oversized', description: 'length 65535' },
    { name: 'unknown_type', hex: hex(unknown), verdict: 'unknown_type', description: 'type 0x40 with a valid CRC' },
  ];

  const noise = Uint8Array.from([0x00, 0xa5, 0xa5, 0x13]);
  const streams: StreamVector[] = [
    {
      name: 'noise_then_frames',
      description: 'noise with false syncs, a bad-CRC INFO, then INFO and STATUS requests back to back',
      hex: hex(new Bytes().raw(noise).raw(flipped).raw(info).raw(byName('status_request')).done()),
      decodes: ['info_request', 'status_request'],
    },
    {
      name: 'false_sync_inside_bad_frame',
      description: 'a DATA frame with a corrupted bit then a DATA frame: the receiver rescans inside the bad one',
      hex: hex(new Bytes().raw(dataBad).raw(byName('data_request_1024')).done()),
      decodes: ['data_request_1024'],
    },
  ];

  return {
    spec: 'protocol/SPEC.md §5.1, §5.3, §5.11',
    notes: [
      'hex: the whole frame on the wire. payload: bytes [5, 5+length). fields: the payload decoded (SPEC §5.3 names).',
      'Byte strings in fields are hex; u32 fields are numbers.',
      'bad: the verdict a receiver reaches; a receiver then drops the 0xA5 only and rescans (SPEC §3, §5.1).',
      'streams: concatenated bytes a device-side receiver (requests only) decodes into the named frames, in order.',
      'Regenerate with `npx tsx protocol/vectors/frames/generate.ts`; frames.test.ts checks the committed file.',
    ],
    crc: { name: 'CRC-32/MPEG-2 (byte-wise)', check_input: '313233343536373839', check_value: '0376e6e7' },
    max_payload: MAX_PAYLOAD,
    frames,
    bad,
    streams,
  };
}

export function render(v: FrameVectors): string {
  return JSON.stringify(v, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(FRAMES_JSON, render(generate()));
  console.log(`wrote ${FRAMES_JSON}`);
}
