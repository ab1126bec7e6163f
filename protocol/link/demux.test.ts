import { describe, expect, it } from 'vitest';
import { Demux, MAX_LINE_BYTES, type FrameRecogniser, type LinkUnit } from './demux.ts';

/** A stand-in §5 recogniser for these tests: A5 len payload[len] xorsum. */
const toyFrames: FrameRecogniser = (buf) => {
  if (buf.length < 2) return { status: 'incomplete' };
  const len = buf[1]!;
  if (len > 64) return { status: 'invalid' };
  if (buf.length < len + 3) return { status: 'incomplete' };
  let x = 0;
  for (let i = 0; i < len + 2; i++) x ^= buf[i]!;
  return x === buf[len + 2] ? { status: 'frame', length: len + 3 } : { status: 'invalid' };
};

function toyFrame(payload: number[]): Buffer {
  const b = [0xa5, payload.length, ...payload];
  return Buffer.from([...b, b.reduce((a, v) => a ^ v, 0)]);
}

function plot(ref: number, pred: number): Buffer {
  const b = Buffer.from([0x7e, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]);
  b.writeInt16LE(Math.round(ref * 1000) + 1000, 2);
  b.writeInt16LE(Math.round(pred * 1000) + 1000, 4);
  return b;
}

function run(chunks: Buffer[], recogniseFrame: FrameRecogniser = toyFrames): { units: LinkUnit[]; demux: Demux } {
  const demux = new Demux({ recogniseFrame });
  const units: LinkUnit[] = [];
  demux.on('data', (u: LinkUnit) => units.push(u));
  for (const c of chunks) demux.write(c);
  demux.end();
  return { units, demux };
}

function describeUnits(units: LinkUnit[]): string[] {
  return units.map((u) =>
    u.kind === 'text' ? `text:${u.text}${u.truncated ? ':truncated' : ''}${u.terminated || u.truncated ? '' : ':unterminated'}`
      : u.kind === 'plot' ? `plot:${u.yRef.toFixed(3)},${u.yPred.toFixed(3)}`
        : `frame:${u.bytes.toString('hex')}`,
  );
}

/** Deterministic PRNG so a failing chunking can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const session = Buffer.concat([
  Buffer.from('mota app: model sinemodel 1.0.0\r\n'),
  plot(0, 0.012),
  plot(0.841, 0.83), // 0.841 → 1841 = 0x0731; keeps no special bytes
  plot(-1, -0.99), // 0 → bytes 00 00
  toyFrame([0x01, 0x7e, 0x0a, 0x00, 0xa5]),
  Buffer.from('ops 3 tensors 10\n'),
  plot(-0.99, 0.01), // 10 → 0x0a 0x00: a newline byte inside a plot frame
  Buffer.from('\tdone\n'),
]);
const expected = [
  'text:mota app: model sinemodel 1.0.0',
  'plot:0.000,0.012',
  'plot:0.841,0.830',
  'plot:-1.000,-0.990',
  'frame:a50501' + '7e0a00a5' + toyFrame([0x01, 0x7e, 0x0a, 0x00, 0xa5]).subarray(-1).toString('hex'),
  'text:ops 3 tensors 10',
  'plot:-0.990,0.010',
  'text:\tdone',
];

describe('Demux (SPEC §3)', () => {
  it('separates text lines, plot frames and protocol frames in one stream', () => {
    const { units, demux } = run([session]);
    expect(describeUnits(units)).toEqual(expected);
    expect(demux.stats).toEqual({ textLines: 3, truncatedLines: 0, plotFrames: 4, protocolFrames: 1, noiseBytes: 0 });
  });

  it('gives the same units whichever byte boundary splits the stream in two', () => {
    for (let cut = 1; cut < session.length; cut++) {
      const { units } = run([session.subarray(0, cut), session.subarray(cut)]);
      expect(describeUnits(units), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('gives the same units when every byte arrives alone', () => {
    const bytes = [...session].map((b) => Buffer.from([b]));
    expect(describeUnits(run(bytes).units)).toEqual(expected);
  });

  it('gives the same units for random chunkings', () => {
    const rand = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < session.length; ) {
        const n = 1 + Math.floor(rand() * 20);
        chunks.push(session.subarray(i, i + n));
        i += n;
      }
      expect(describeUnits(run(chunks).units), `trial ${trial}`).toEqual(expected);
    }
  });

  it('drops and counts noise bytes injected between units', () => {
    const noiseBytes = [0x00, 0x01, 0x08, 0x1b, 0x80, 0xff, 0x7f, 0xc3];
    const rand = rng(7);
    const parts: Buffer[] = [];
    let injected = 0;
    const unitsOf = [
      Buffer.from('first line\n'), plot(0.5, 0.4), toyFrame([1, 2, 3]), Buffer.from('second\n'), plot(0.1, 0.2),
    ];
    for (const u of unitsOf) {
      const n = Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) parts.push(Buffer.from([noiseBytes[Math.floor(rand() * noiseBytes.length)]!]));
      injected += n;
      parts.push(u);
    }
    const stream = Buffer.concat(parts);
    for (let cut = 1; cut < stream.length; cut++) {
      const { units, demux } = run([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(describeUnits(units)).toEqual([
        'text:first line', 'plot:0.500,0.400', `frame:${toyFrame([1, 2, 3]).toString('hex')}`, 'text:second', 'plot:0.100,0.200',
      ]);
      expect(demux.stats.noiseBytes).toBe(injected);
    }
    expect(injected).toBeGreaterThan(3);
  });

  it('keeps a noise byte inside a text line out of the line', () => {
    const { units, demux } = run([Buffer.from('ab\x00c\xffd\n', 'latin1')]);
    expect(describeUnits(units)).toEqual(['text:abcd']);
    expect(demux.stats.noiseBytes).toBe(2);
  });

  it('resyncs after a plot frame whose byte 10 is not 0x7F by dropping only its first byte', () => {
    // A reset cut the frame short: "~" then boot text. Byte 10 of the would-be frame is text.
    const broken = Buffer.concat([Buffer.from([0x7e, 0x08, 0x10]), Buffer.from('boot ok\n'), plot(0.2, 0.3)]);
    for (let cut = 1; cut < broken.length; cut++) {
      const { units, demux } = run([broken.subarray(0, cut), broken.subarray(cut)]);
      // 0x08 is noise too; 0x10 is noise; the text survives whole.
      expect(describeUnits(units)).toEqual(['text:boot ok', 'plot:0.200,0.300']);
      expect(demux.stats.noiseBytes).toBe(3);
    }
  });

  it('resyncs after a protocol frame whose check fails, recovering a frame that starts inside it', () => {
    const good = toyFrame([9, 8, 7]);
    const bad = Buffer.from(toyFrame([1, 2]));
    bad[bad.length - 1]! ^= 0x40; // a wrong check byte that is not text either
    // the bad frame's bytes and then a good one; each bad byte is dropped and rescanned
    const stream = Buffer.concat([bad, good, Buffer.from('x\n')]);
    for (let cut = 1; cut < stream.length; cut++) {
      const { units, demux } = run([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(describeUnits(units)).toEqual([`frame:${good.toString('hex')}`, 'text:x']);
      // every byte of the bad frame (A5 02 01 02 e4) is dropped one at a time as noise
      expect(demux.stats.protocolFrames).toBe(1);
      expect(demux.stats.noiseBytes).toBe(bad.length);
    }
  });

  it('treats 0xA5 as noise when no protocol recogniser is plugged in', () => {
    const demux = new Demux();
    const units: LinkUnit[] = [];
    demux.on('data', (u: LinkUnit) => units.push(u));
    demux.end(Buffer.from([0xa5, 0x41, 0x0a]));
    expect(describeUnits(units)).toEqual(['text:A']);
    expect(demux.stats.noiseBytes).toBe(1);
  });

  it('flushes an overlong line at 160 bytes with a truncated mark and keeps the rest', () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 40);
    const stream = Buffer.from(`${long}\nshort\n${'y'.repeat(MAX_LINE_BYTES - 1)}\n${'z'.repeat(MAX_LINE_BYTES)}\n`);
    for (const chunk of [stream.length, 1, 7, 159, 160, 161]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunk) chunks.push(stream.subarray(i, i + chunk));
      const { units, demux } = run(chunks);
      expect(describeUnits(units)).toEqual([
        `text:${'x'.repeat(MAX_LINE_BYTES)}:truncated`,
        `text:${'x'.repeat(40)}`,
        'text:short',
        `text:${'y'.repeat(MAX_LINE_BYTES - 1)}`,
        `text:${'z'.repeat(MAX_LINE_BYTES)}:truncated`,
      ]);
      expect(demux.stats.truncatedLines).toBe(2);
    }
  });

  it('flushes a last line without newline when the stream ends', () => {
    expect(describeUnits(run([Buffer.from('half a li')]).units)).toEqual(['text:half a li:unterminated']);
  });

  it('recovers the text behind a plot frame left incomplete at the end of the stream', () => {
    const { units, demux } = run([Buffer.from([0x7e, 0x08, 0x41, 0x42, 0x0a])]);
    expect(describeUnits(units)).toEqual(['text:AB']);
    expect(demux.stats.noiseBytes).toBe(2);
  });

  it('never holds more than maxFrameBytes while a protocol frame stays incomplete', () => {
    const demux = new Demux({ recogniseFrame: () => ({ status: 'incomplete' }), maxFrameBytes: 64 });
    const units: LinkUnit[] = [];
    demux.on('data', (u: LinkUnit) => units.push(u));
    let maxHeld = 0;
    const stream = Buffer.concat([Buffer.from([0xa5]), Buffer.alloc(200, 0x41), Buffer.from('\n')]);
    for (const b of stream) {
      demux.write(Buffer.from([b]));
      maxHeld = Math.max(maxHeld, demux.bufferedBytes);
    }
    demux.end();
    expect(maxHeld).toBeLessThanOrEqual(MAX_LINE_BYTES + 64);
    // the 0xA5 was given up after 64 bytes; the 200 'A's and newline then come out as text
    expect(demux.stats.noiseBytes).toBe(1);
    expect(units.map((u) => (u.kind === 'text' ? u.text.length : -1))).toEqual([160, 40]);
  });

  it('rejects bad options at once, naming the option', () => {
    expect(() => new Demux({ maxFrameBytes: 3 })).toThrow(/maxFrameBytes/);
    expect(() => new Demux({ recogniseFrame: 5 as unknown as FrameRecogniser })).toThrow(/recogniseFrame/);
  });
});
