/**
 * A host on the virtual board's UART, driven in virtual time (no wall-clock timers): its
 * frames go into USART1's RX line (clocked in at the board's baud rate), the board runs while
 * the host waits, and every unit the board sends (SPEC §3: text line, plot frame, protocol
 * frame) becomes visible to the host `latencyUs` after its last byte left the board, as
 * through a USB-serial adapter's latency timer. Encoding, recognising and decoding use
 * protocol/link (frames.ts, demux.ts): no second codec here.
 */
import { Demux, type LinkUnit } from '../../protocol/link/demux.ts';
import {
  decodeBeginReply, decodeDataReply, decodeErrorReply, decodeFrame, deviceErrorName, encodeBegin, encodeData, encodeFrame,
  FrameType, hostFrameRecogniser, RESPONSE, requestName, type Frame,
} from '../../protocol/link/frames.ts';
import type { Board } from '../../sim/index.ts';

export interface Timed<T> {
  unit: T;
  /** Virtual µs when the unit's last byte left the board. */
  t: number;
}

export interface UploadResult {
  /** Virtual µs from BEGIN sent to the END answer seen by the host. */
  us: number;
  beginUs: number;
  dataUs: number;
  endUs: number;
  /** Instructions the board ran between END sent and its answer leaving the board. */
  endInstructions: number;
  dataFrames: number;
  slot: number;
}

export class VirtualHost {
  private readonly demux = new Demux({ recogniseFrame: hostFrameRecogniser });
  private readonly queue: Timed<LinkUnit>[] = [];
  private seq = 0;
  /** Text lines seen (visible to the host), in order. */
  readonly lines: string[] = [];

  constructor(readonly board: Board, readonly latencyUs: number) {}

  get now(): number {
    return this.board.virtualTimeUs;
  }

  /** Moves what the board transmitted into the queue, stamped with the current virtual time. */
  private collect(): number {
    const out = this.board.takeUartOutput();
    if (out.length === 0) return 0;
    this.demux.write(out);
    let n = 0;
    for (let u = this.demux.read() as LinkUnit | null; u !== null; u = this.demux.read() as LinkUnit | null) {
      this.queue.push({ unit: u, t: this.now });
      n++;
    }
    return n;
  }

  /** The next unit once it is visible to the host (latency applied), or undefined after timeoutUs. */
  async nextUnit(timeoutUs: number): Promise<Timed<LinkUnit> | undefined> {
    const deadline = this.now + timeoutUs;
    for (;;) {
      this.collect();
      const head = this.queue[0];
      if (head && head.t + this.latencyUs <= this.now) {
        this.queue.shift();
        if (head.unit.kind === 'text') this.lines.push(head.unit.text);
        return head;
      }
      const target = head ? Math.min(head.t + this.latencyUs, deadline) : deadline;
      if (this.now >= deadline) return undefined;
      // with nothing queued, stop as soon as a unit arrives (its visibility time is then known)
      const r = await this.board.run({
        us: target - this.now,
        until: () => {
          this.collect();
          return !head && this.queue.length > 0;
        },
      });
      if (r.reason === 'halt' || r.reason === 'power-cut') throw new Error(`board stopped: ${r.reason}`);
    }
  }

  send(type: number, payload: Uint8Array = new Uint8Array(0)): number {
    this.seq = (this.seq + 1) & 0xff;
    this.board.sendToUart(encodeFrame(type, this.seq, payload));
    return this.seq;
  }

  /** The next protocol frame (text and plot units are kept in `lines` / skipped). */
  async nextFrame(timeoutUs: number, what: string): Promise<Timed<Frame>> {
    const deadline = this.now + timeoutUs;
    for (;;) {
      const u = await this.nextUnit(Math.max(0, deadline - this.now));
      if (!u) throw new Error(`no answer to ${what} within ${timeoutUs / 1000} ms virtual; text: ${this.lines.slice(-5).join(' | ')}`);
      if (u.unit.kind !== 'frame') continue;
      const f = decodeFrame(u.unit.bytes);
      if ('problem' in f) continue;
      return { unit: f, t: u.t };
    }
  }

  /** Sends a request and returns its answer (a success frame; an ERROR throws). */
  async call(type: number, payload: Uint8Array | undefined, timeoutMs: number): Promise<Timed<Frame>> {
    const seq = this.send(type, payload);
    for (;;) {
      const f = await this.nextFrame(timeoutMs * 1000, requestName(type));
      if (f.unit.seq !== seq) continue;
      if (f.unit.type === FrameType.ERROR) {
        const e = decodeErrorReply(f.unit.payload);
        throw new Error(`${requestName(type)} refused: ${deviceErrorName(e.code)} (detail ${e.detail})`);
      }
      if (f.unit.type !== (type | RESPONSE)) throw new Error(`${requestName(type)}: unexpected answer type 0x${f.unit.type.toString(16)}`);
      return f;
    }
  }

  /** Waits until a visible text line matches. */
  async waitLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = this.now + timeoutMs * 1000;
    for (;;) {
      const u = await this.nextUnit(Math.max(0, deadline - this.now));
      if (!u) throw new Error(`no line ${re} within ${timeoutMs} ms virtual; last lines: ${this.lines.slice(-5).join(' | ')}`);
      if (u.unit.kind === 'text') {
        const m = u.unit.text.match(re);
        if (m) return m;
      }
    }
  }

  /** BEGIN, DATA with `window` frames in flight, END (SPEC §5.5). */
  async upload(image: Uint8Array, window: number, maxData: number): Promise<UploadResult> {
    const t0 = this.now;
    const d = await this.beginAndData(image, window, maxData);
    const tData = this.now;
    const i0 = this.board.instructions;
    await this.call(FrameType.END, undefined, 10_000);
    // exact only with latencyUs = 0: otherwise the board ran on while the answer was in transit
    const endInstructions = this.board.instructions - i0;
    return { us: this.now - t0, beginUs: d.tBegin - t0, dataUs: tData - d.tBegin, endUs: this.now - tData, endInstructions, dataFrames: d.dataFrames, slot: d.slot };
  }

  /** BEGIN and every DATA frame answered; END not sent. */
  async beginAndData(image: Uint8Array, window: number, maxData: number): Promise<{ tBegin: number; dataFrames: number; slot: number }> {
    const begin = await this.call(FrameType.BEGIN, encodeBegin(image.subarray(0, 128)), 2000);
    const tBegin = this.now;
    const b = decodeBeginReply(begin.unit.payload);
    let next = b.nextOffset;
    let sent = next;
    const inflight: number[] = []; // offsets of unanswered DATA frames, oldest first
    let dataFrames = 0;
    while (next < image.length) {
      while (inflight.length < window && sent < image.length) {
        const n = Math.min(maxData, image.length - sent);
        this.send(FrameType.DATA, encodeData(sent, image.subarray(sent, sent + n)));
        inflight.push(sent);
        sent += n;
        dataFrames++;
      }
      const f = await this.nextFrame(1_000_000, 'DATA');
      if (f.unit.type === FrameType.ERROR) {
        const e = decodeErrorReply(f.unit.payload);
        throw new Error(`DATA refused: ${deviceErrorName(e.code)}`);
      }
      if (f.unit.type !== (FrameType.DATA | RESPONSE)) continue;
      const r = decodeDataReply(f.unit.payload);
      if (inflight[0] !== r.offset) throw new Error(`DATA answer for ${r.offset}, expected ${inflight[0]}`);
      inflight.shift();
      next = r.nextOffset;
      // the virtual line loses nothing: every frame is accepted in order (no go-back-N needed)
      if (next !== r.offset + Math.min(maxData, image.length - r.offset)) throw new Error(`DATA at ${r.offset}: device expects ${next}`);
    }
    return { tBegin, dataFrames, slot: b.slot };
  }
}
