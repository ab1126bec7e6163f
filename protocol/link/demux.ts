/**
 * The host side of SPEC §3: one UART byte stream in, typed units out (text lines,
 * plot frames, protocol frames). A `Transform` in the node-serialport habit: keeps the
 * unfinished unit between chunks, caps what it holds, and resynchronises by dropping one
 * byte at a time, so the result never depends on how the bytes were chunked.
 */
import { Transform, type TransformCallback } from 'node:stream';

export const PLOT_START = 0x7e;
export const PLOT_END = 0x7f;
export const PLOT_FRAME_BYTES = 11;
export const FRAME_START = 0xa5;
/** Longest text line, terminating `\n` included (§3). */
export const MAX_LINE_BYTES = 160;

export interface TextUnit {
  kind: 'text';
  /** The line without its terminating `\n` (and a `\r` before it). */
  text: string;
  /** The device sent more than 160 bytes without a `\n`; this is the first part. */
  truncated: boolean;
  /** False only for a last partial line flushed when the stream ended. */
  terminated: boolean;
}

export interface PlotUnit {
  kind: 'plot';
  /** Decoded value: (raw − 1000) / 1000 (§4.2). */
  yRef: number;
  yPred: number;
  /** The 11 bytes as received. */
  raw: Buffer;
}

export interface FrameUnit {
  kind: 'frame';
  /** The whole protocol frame, start byte through CRC, as the recogniser measured it. */
  bytes: Buffer;
}

export type LinkUnit = TextUnit | PlotUnit | FrameUnit;

/**
 * Decides whether `buf` (which starts with 0xA5) begins with a whole, valid protocol frame.
 * - `{ status: 'incomplete' }`: a valid prefix, more bytes needed;
 * - `{ status: 'frame', length }`: the first `length` bytes are one valid frame;
 * - `{ status: 'invalid' }`: not a frame (bad header or CRC): the demux drops 0xA5 and rescans.
 */
export type FrameRecogniser = (buf: Buffer) => FrameVerdict;
export type FrameVerdict = { status: 'incomplete' } | { status: 'frame'; length: number } | { status: 'invalid' };

/** Used until a caller plugs in the §5 codec: no 0xA5 ever starts a frame, so it is noise. */
export const noFrames: FrameRecogniser = () => ({ status: 'invalid' });

export interface DemuxOptions {
  recogniseFrame?: FrameRecogniser;
  /** Most bytes held while waiting for a protocol frame to complete; beyond it the frame is dropped. */
  maxFrameBytes?: number;
}

export interface DemuxStats {
  textLines: number;
  truncatedLines: number;
  plotFrames: number;
  protocolFrames: number;
  /** Bytes dropped: outside every unit, or the first byte of a unit that failed its check. */
  noiseBytes: number;
}

export function decodePlotValue(lo: number, hi: number): number {
  const v = ((hi << 8) | lo) << 16 >> 16; // int16 little-endian
  return (v - 1000) / 1000;
}

export function isTextByte(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7d);
}

export class Demux extends Transform {
  readonly stats: DemuxStats = { textLines: 0, truncatedLines: 0, plotFrames: 0, protocolFrames: 0, noiseBytes: 0 };
  private readonly recogniseFrame: FrameRecogniser;
  private readonly maxFrameBytes: number;
  /** Bytes of a started plot or protocol frame not yet complete (starts with 0x7E or 0xA5). */
  private pending: Buffer = Buffer.alloc(0);
  private line: number[] = [];
  /** The last line was cut at 160 bytes: a lone `\n` that follows only ends it. */
  private afterTruncation = false;

  constructor(options: DemuxOptions = {}) {
    super({ readableObjectMode: true });
    const max = options.maxFrameBytes ?? 8192;
    if (!Number.isInteger(max) || max < PLOT_FRAME_BYTES) {
      throw new TypeError(`"maxFrameBytes" must be an integer ≥ ${PLOT_FRAME_BYTES}, got ${String(options.maxFrameBytes)}`);
    }
    if (options.recogniseFrame !== undefined && typeof options.recogniseFrame !== 'function') {
      throw new TypeError('"recogniseFrame" must be a function');
    }
    this.maxFrameBytes = max;
    this.recogniseFrame = options.recogniseFrame ?? noFrames;
  }

  /** Bytes held between chunks (a partial frame); never more than maxFrameBytes. */
  get bufferedBytes(): number {
    return this.pending.length + this.line.length;
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    this.scan(false);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.scan(true);
    if (this.line.length > 0) this.emitLine(false, false);
    done();
  }

  private scan(atEnd: boolean): void {
    const buf = this.pending;
    let i = 0;
    while (i < buf.length) {
      const b = buf[i]!;
      if (b === PLOT_START) {
        if (buf.length - i < PLOT_FRAME_BYTES) {
          if (!atEnd) break;
          this.stats.noiseBytes++;
          i++;
          continue;
        }
        if (buf[i + PLOT_FRAME_BYTES - 1] !== PLOT_END) {
          this.stats.noiseBytes++;
          i++;
          continue;
        }
        const raw = Buffer.from(buf.subarray(i, i + PLOT_FRAME_BYTES));
        this.stats.plotFrames++;
        this.push({ kind: 'plot', yRef: decodePlotValue(raw[2]!, raw[3]!), yPred: decodePlotValue(raw[4]!, raw[5]!), raw } satisfies PlotUnit);
        i += PLOT_FRAME_BYTES;
      } else if (b === FRAME_START) {
        const held = buf.subarray(i, i + this.maxFrameBytes);
        const verdict = this.recogniseFrame(held);
        if (verdict.status === 'frame' && verdict.length >= 1 && verdict.length <= held.length) {
          this.stats.protocolFrames++;
          this.push({ kind: 'frame', bytes: Buffer.from(held.subarray(0, verdict.length)) } satisfies FrameUnit);
          i += verdict.length;
        } else if (verdict.status === 'incomplete' && !atEnd && held.length < this.maxFrameBytes) {
          break;
        } else {
          this.stats.noiseBytes++;
          i++;
        }
      } else if (isTextByte(b)) {
        this.line.push(b);
        i++;
        if (b === 0x0a) {
          if (this.afterTruncation && this.line.length === 1) {
            this.line = [];
            this.afterTruncation = false;
          } else {
            this.emitLine(false, true);
          }
        } else if (this.line.length >= MAX_LINE_BYTES) this.emitLine(true, false);
      } else {
        this.stats.noiseBytes++;
        i++;
      }
    }
    this.pending = i >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(i));
  }

  private emitLine(truncated: boolean, terminated: boolean): void {
    let end = this.line.length;
    if (terminated) {
      end--; // the \n
      if (end > 0 && this.line[end - 1] === 0x0d) end--;
    }
    const text = Buffer.from(this.line.slice(0, end)).toString('latin1');
    this.line = [];
    this.afterTruncation = truncated;
    this.stats.textLines++;
    if (truncated) this.stats.truncatedLines++;
    this.push({ kind: 'text', text, truncated, terminated } satisfies TextUnit);
  }
}
