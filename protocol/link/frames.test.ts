import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Demux, type LinkUnit } from './demux.ts';
import {
  decodeBeginRequest, decodeDataRequest, decodeEndReply, decodeRollbackReply, deviceFrameRecogniser,
  decodeBeginReply, decodeDataReply, decodeErrorReply, decodeFrame, decodeInfo, decodeStatusReply, encodeBegin,
  encodeBeginReply, encodeData, encodeDataReply, encodeErrorReply, encodeFrame, encodeInfo, encodeStatusReply,
  FrameType, hostFrameRecogniser, isRequestType, isResponseType, MAX_PAYLOAD, SlotState, type Frame,
} from './frames.ts';

describe('frames (SPEC §5.1)', () => {
  it('encodes an empty INFO request as sync, type, seq, length 0 and the CRC of those 5 bytes, little-endian', () => {
    const f = encodeFrame(FrameType.INFO, 7);
    expect(f.subarray(0, 5)).toEqual(Buffer.from([0xa5, 0x01, 0x07, 0x00, 0x00]));
    expect(f.length).toBe(9);
    // computed independently (bitwise CRC-32/MPEG-2 in Python, which gives 0x0376E6E7 for "123456789")
    expect(f.readUInt32LE(5)).toBe(0xf97e85a3);
    expect(decodeFrame(f)).toEqual({ type: FrameType.INFO, seq: 7, payload: Buffer.alloc(0) });
  });

  it('round-trips the largest payload and refuses one byte more', () => {
    const payload = Buffer.alloc(MAX_PAYLOAD, 0x5a);
    const f = encodeFrame(0x84, 255, payload);
    expect(f.length).toBe(1037);
    expect(decodeFrame(f)).toEqual({ type: 0x84, seq: 255, payload });
    expect(() => encodeFrame(0x04, 0, Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(/MAX_PAYLOAD/);
  });

  it('names what is wrong with a bad frame: CRC, truncation, oversize, unknown type', () => {
    const good = encodeFrame(0x81, 1, Buffer.from([1, 2, 3]));
    const badCrc = Buffer.from(good);
    badCrc[6]! ^= 1;
    expect(decodeFrame(badCrc)).toEqual({ problem: 'bad_crc' });
    expect(decodeFrame(good.subarray(0, good.length - 1))).toEqual({ problem: 'truncated' });
    const oversized = Buffer.from(good);
    oversized.writeUInt16LE(MAX_PAYLOAD + 1, 3);
    expect(decodeFrame(oversized)).toEqual({ problem: 'oversized' });
    expect(decodeFrame(encodeFrame(0x01, 0), isResponseType)).toEqual({ problem: 'unknown_type' });
    expect(decodeFrame(encodeFrame(0x81, 0), isRequestType)).toEqual({ problem: 'unknown_type' });
  });

  it('lets the host demux pick responses out of text and plot output, at every split', () => {
    const reply = encodeFrame(0x84, 9, encodeDataReply({ offset: 1024, nextOffset: 2048 }));
    const echoOfRequest = encodeFrame(0x04, 9, encodeData(0, Buffer.alloc(8))); // a request is not for the host
    const stream = Buffer.concat([Buffer.from('boot\n'), echoOfRequest, reply, Buffer.from([0x7e, 8, 0xe8, 3, 0xe8, 3, 0, 0, 0, 0, 0x7f])]);
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new Demux({ recogniseFrame: hostFrameRecogniser, maxFrameBytes: 1037 });
      const units: LinkUnit[] = [];
      d.on('data', (u: LinkUnit) => units.push(u));
      d.write(stream.subarray(0, cut));
      d.end(stream.subarray(cut));
      const frames = units.filter((u) => u.kind === 'frame');
      expect(frames).toHaveLength(1);
      expect(frames[0]!.kind === 'frame' && frames[0]!.bytes).toEqual(reply);
      expect(units.filter((u) => u.kind === 'plot')).toHaveLength(1);
      expect(units[0]).toMatchObject({ kind: 'text', text: 'boot' });
    }
  });
});

describe('payloads (SPEC §5.3)', () => {
  it('round-trips INFO with both slot records at their offsets', () => {
    const info = {
      protocol: 1, mode: 1, maxPayload: 1028, window: 4, activeSlot: 0, runningSlot: 0xff, flags: 1,
      bootloaderVersion: { major: 1, minor: 2, patch: 3 }, uid: '0102030405060708090a0b0c', board: 'STM32F103RC',
      flashSize: 262144, pageSize: 2048, slotSize: 98304, slotAddr: [0x08010000, 0x08028000] as [number, number], resetCount: 5,
      slots: [
        { state: SlotState.CONFIRMED, name: 'sinemodel', version: { major: 1, minor: 0, patch: 0 }, imageSize: 2752, keyId: 0xdeadbeef },
        { state: SlotState.EMPTY, name: '', version: { major: 0, minor: 0, patch: 0 }, imageSize: 0, keyId: 0 },
      ] as [never, never],
    };
    const bytes = encodeInfo(info);
    expect(bytes.length).toBe(160);
    expect(bytes.readUInt32LE(8)).toBe(0x010203);
    expect(bytes.subarray(64 + 16, 64 + 25).toString()).toBe('sinemodel');
    const back = decodeInfo(bytes);
    expect(back.slots[0]).toMatchObject({ stateName: 'CONFIRMED', name: 'sinemodel', imageSize: 2752, keyId: 0xdeadbeef });
    expect(back.slots[1].stateName).toBe('EMPTY');
    expect(back).toMatchObject({ board: 'STM32F103RC', uid: '0102030405060708090A0B0C', bootloaderVersion: { major: 1, minor: 2, patch: 3 } });
  });

  it('puts the BEGIN options byte after the header', () => {
    const p = encodeBegin(Buffer.alloc(128, 1), { allowDowngrade: true });
    expect(p.length).toBe(129);
    expect(p[128]).toBe(1);
    expect(() => encodeBegin(Buffer.alloc(64))).toThrow(/128-byte/);
  });

  it('round-trips BEGIN, DATA, STATUS and ERROR replies', () => {
    expect(decodeBeginReply(encodeBeginReply({ slot: 1, nextOffset: 4096, imageSize: 2752 }))).toEqual({ slot: 1, nextOffset: 4096, imageSize: 2752 });
    expect(decodeDataReply(encodeDataReply({ offset: 8, nextOffset: 0 }))).toEqual({ offset: 8, nextOffset: 0 });
    const st = { session: 1, slot: 0, lastError: 36, nextOffset: 2048, imageSize: 65536, headerCrc32: 0xcafef00d };
    expect(decodeStatusReply(encodeStatusReply(st))).toEqual(st);
    expect(decodeErrorReply(encodeErrorReply({ requestType: 3, code: 38, detail: 0 }))).toEqual({ requestType: 3, code: 38, detail: 0 });
    expect(() => decodeDataReply(Buffer.alloc(7))).toThrow(/8 bytes/);
  });
});

const vectorsPath = fileURLToPath(new URL('../vectors/frames/frames.json', import.meta.url));

describe.skipIf(!existsSync(vectorsPath))('golden frame vectors (protocol/vectors/frames/frames.json)', () => {
  interface GoodVector { hex: string; type: number; seq: number; payload: string }
  interface BadVector { hex: string; verdict: string }
  const raw = existsSync(vectorsPath) ? (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Record<string, unknown>) : {};
  const list = (k: string) => (Array.isArray(raw[k]) ? (raw[k] as unknown[]) : []);
  const good = [...list('frames'), ...list('valid'), ...list('good')] as GoodVector[];
  const bad = [...list('bad'), ...list('bad_frames'), ...list('invalid')] as BadVector[];

  it('decodes every good frame to its listed fields and encodes them back to the same bytes', () => {
    expect(good.length).toBeGreaterThan(0);
    for (const v of good) {
      const bytes = Buffer.from(v.hex, 'hex');
      const f = decodeFrame(bytes) as Frame;
      expect(f).toEqual({ type: v.type, seq: v.seq, payload: Buffer.from(v.payload, 'hex') });
      expect(encodeFrame(v.type, v.seq, Buffer.from(v.payload, 'hex'))).toEqual(bytes);
    }
  });

  it('decodes every payload to the listed fields with the payload codecs', () => {
    type Fields = Record<string, unknown>;
    const all = list('frames') as (GoodVector & { name: string; fields: Fields })[];
    let checked = 0;
    for (const v of all) {
      const p = Buffer.from(v.payload, 'hex');
      const f = v.fields;
      if (Object.keys(f).length === 0) continue;
      checked++;
      if (v.type === 0x81) {
        checked--;
        continue; // the INFO test below
      } else if (v.type === 0x03) {
        expect(decodeBeginRequest(p)).toEqual({ header: Buffer.from(f['header'] as string, 'hex'), options: f['options'] });
        expect(encodeBegin(Buffer.from(f['header'] as string, 'hex'), { allowDowngrade: f['options'] === 1 })).toEqual(p);
      } else if (v.type === 0x83) {
        expect(decodeBeginReply(p)).toEqual({ slot: f['slot'], nextOffset: f['next_offset'], imageSize: f['image_size'] });
      } else if (v.type === 0x04) {
        expect(decodeDataRequest(p)).toEqual({ offset: f['offset'], data: Buffer.from(f['data'] as string, 'hex') });
      } else if (v.type === 0x84) {
        expect(decodeDataReply(p)).toEqual({ offset: f['offset'], nextOffset: f['next_offset'] });
      } else if (v.type === 0x85) {
        expect(decodeStatusReply(p)).toEqual({ session: f['session'], slot: f['slot'], lastError: f['last_error'], nextOffset: f['next_offset'], imageSize: f['image_size'], headerCrc32: f['header_crc32'] });
      } else if (v.type === 0x86) {
        expect(decodeEndReply(p)).toEqual({ slot: f['slot'], state: f['state'] });
      } else if (v.type === 0x89) {
        expect(decodeRollbackReply(p)).toEqual({ activeSlot: f['active_slot'] });
      } else if (v.type === 0xff) {
        expect(decodeErrorReply(p)).toEqual({ requestType: f['request_type'], code: f['code'], detail: f['detail'] });
      } else {
        throw new Error(`no codec checked for ${v.name} (type 0x${v.type.toString(16)})`);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('decodes the INFO vectors to their listed fields, slot records included', () => {
    type Fields = Record<string, unknown>;
    const infos = (list('frames') as (GoodVector & { name: string; fields: Fields })[]).filter((v) => v.type === 0x81);
    expect(infos.length).toBeGreaterThan(0);
    for (const v of infos) {
      const p = Buffer.from(v.payload, 'hex');
      const f = v.fields;
      const i = decodeInfo(p);
      const blv = f['bootloader_version'] as number;
      expect(i).toMatchObject({
        protocol: f['protocol'], mode: f['mode'], maxPayload: f['max_payload'], window: f['window'], activeSlot: f['active_slot'], runningSlot: f['running_slot'],
        flags: f['flags'], bootloaderVersion: { major: blv >>> 16, minor: (blv >>> 8) & 0xff, patch: blv & 0xff }, uid: (f['uid'] as string).toUpperCase(),
        board: f['board'], flashSize: f['flash_size'], pageSize: f['page_size'], slotSize: f['slot_size'], slotAddr: [f['slot_a_addr'], f['slot_b_addr']], resetCount: f['reset_count'],
      });
      for (const [k, idx] of [['slot_a', 0], ['slot_b', 1]] as const) {
        const rec = f[k] as Fields;
        expect(i.slots[idx], `${v.name} ${k}`).toMatchObject({ state: rec['state'], version: { major: rec['major'], minor: rec['minor'], patch: rec['patch'] }, imageSize: rec['image_size'], keyId: rec['key_id'] });
        if (typeof rec['name'] === 'string') expect(i.slots[idx].name).toBe(rec['name']);
      }
    }
  });

  it('decodes the byte streams into the listed frames with the device-side demux, at every split', () => {
    const byName = new Map((list('frames') as (GoodVector & { name: string })[]).map((v) => [v.name, v.hex]));
    const streams = list('streams') as { name: string; hex: string; decodes: string[] }[];
    expect(streams.length).toBeGreaterThan(0);
    for (const st of streams) {
      const bytes = Buffer.from(st.hex, 'hex');
      for (let cut = 0; cut <= bytes.length; cut++) {
        const d = new Demux({ recogniseFrame: deviceFrameRecogniser, maxFrameBytes: 1037 });
        const got: string[] = [];
        d.on('data', (u: LinkUnit) => {
          if (u.kind === 'frame') got.push(u.bytes.toString('hex'));
        });
        d.write(bytes.subarray(0, cut));
        d.end(bytes.subarray(cut));
        expect(got, `${st.name} cut ${cut}`).toEqual(st.decodes.map((n) => byName.get(n)));
      }
    }
  });

  it('gives every bad frame its listed verdict', () => {
    expect(bad.length).toBeGreaterThan(0);
    for (const v of bad) {
      const bytes = Buffer.from(v.hex, 'hex');
      const accept = v.verdict === 'unknown_type' ? (t: number) => isRequestType(t) || isResponseType(t) : undefined;
      expect(decodeFrame(bytes, accept), v.hex).toEqual({ problem: v.verdict });
    }
  });
});
