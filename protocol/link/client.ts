/**
 * The host end of the update protocol (SPEC §5) over one Link: requests with timeouts and
 * retries, device errors as MotaErrors, and the windowed, go-back-N DATA stream of §5.5.
 */
import { EventEmitter } from 'node:events';
import { MotaError } from '../../common/errors.ts';
import type { FrameUnit } from './demux.ts';
import {
  decodeDataReply, decodeErrorReply, decodeFrame, decodeInfo, decodeStatusReply, deviceErrorName, encodeData, encodeFrame,
  FrameType, isResponseType, RESPONSE, requestName, SESSION_NONE, Timing, type Frame, type InfoPayload, type StatusReply,
} from './frames.ts';
import type { Link } from './link.ts';

export type TimingOverrides = Partial<{ -readonly [K in keyof typeof Timing]: number }>;

export interface ClientOptions {
  timing?: TimingOverrides;
  /** Diagnostic messages (retransmissions, go-backs); silent by default. */
  log?: (message: string) => void;
}

/** The device answered ERROR: `deviceCode` is the §5.4 name, `detail` its detail field. */
export class DeviceError extends MotaError {
  constructor(readonly requestType: number, readonly deviceCode: string, readonly detail: number, message: string, hint?: string) {
    super(`DEVICE_${deviceCode}`, message, hint);
  }
}

/** The device lost its upload session (it reset, or booted the app): BEGIN again to resume. */
export class SessionLost extends Error {
  constructor(readonly reason: 'NO_SESSION' | 'WRONG_MODE') {
    super(`the device has no upload session (${reason})`);
  }
}

const DEVICE_MESSAGES: Record<string, [string, string | undefined]> = {
  PKG_TOO_LARGE: ['the package does not fit in the device\'s model slot', 'check the slot size with `mota info`; a smaller model is needed'],
  PKG_UNKNOWN_KEY: ['the device does not trust the key that signed the package', 'sign the package with a key built into the bootloader'],
  PKG_SIG_INVALID: ['the device found the package signature invalid', 'the package was altered; repackage the model from its source'],
  PKG_HASH_MISMATCH: ['the bytes the device received do not match the package hash', 'run the same command again; the upload starts over'],
  PKG_BODY_CRC: ['the bytes the device received are damaged (body CRC)', 'run the same command again; the upload starts over'],
  DOWNGRADE: ['the device refused an older version than the one it runs', 'pass --allow-downgrade to install it anyway'],
  FLASH: ['the device failed to write its flash', 'retry; if it persists the flash may be worn out'],
  NOTHING_TO_CONFIRM: ['nothing to confirm: no model is on trial', 'run `mota info` to see the slot states'],
  NOTHING_TO_ROLL_BACK: ['nothing to roll back to: no other confirmed model', 'run `mota info` to see the slot states'],
  NO_MODEL: ['the device has no bootable model', 'push a model with `mota push`'],
  HEADER_MISMATCH: ['the device received a header different from the one announced', 'run the same command again'],
  INCOMPLETE: ['the device did not receive the whole package', 'run the same command again; the upload resumes'],
  WRONG_MODE: ['the device runs its app; this request needs the bootloader', undefined],
  NO_SESSION: ['the device has no upload session', 'run the same command again; the upload resumes'],
};

export function deviceError(requestType: number, code: number, detail: number): DeviceError {
  const name = deviceErrorName(code);
  const [what, hint] = DEVICE_MESSAGES[name] ?? [`the device refused ${requestName(requestType)}`, undefined];
  return new DeviceError(requestType, name, detail, `${what} (${name}, code ${code}${detail ? `, detail ${detail}` : ''})`, hint);
}

export interface UploadProgress {
  /** Bytes the device has acknowledged (its next_offset). */
  acked: number;
  total: number;
  /** DATA bytes put on the wire, retransmissions included. */
  sentBytes: number;
  retransmittedBytes: number;
}

export interface StreamResult {
  sentBytes: number;
  retransmittedBytes: number;
  goBacks: number;
  timeouts: number;
}

interface ClientEvents {
  reply: [Frame];
}

export class Client extends EventEmitter<ClientEvents> {
  readonly timing: Required<TimingOverrides>;
  private seq = 0;
  private readonly log: (m: string) => void;
  private readonly onFrame = (u: FrameUnit) => {
    const f = decodeFrame(u.bytes, isResponseType);
    if ('problem' in f) return;
    this.log(`<- ${f.type === FrameType.ERROR ? 'ERROR' : requestName(f.type)} seq ${f.seq}${f.type === (FrameType.DATA | RESPONSE) && f.payload.length === 8 ? ` offset ${f.payload.readUInt32LE(0)} next ${f.payload.readUInt32LE(4)}` : ''}`);
    this.emit('reply', f);
  };

  constructor(readonly link: Link, options: ClientOptions = {}) {
    super();
    this.timing = { ...Timing, ...options.timing };
    this.log = options.log ?? (() => {});
    link.on('frame', this.onFrame);
  }

  /** Stops listening to the link (the link stays open). */
  dispose(): void {
    this.link.off('frame', this.onFrame);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }

  /** Sends one frame without waiting for its answer; returns its seq. */
  send(type: number, payload?: Uint8Array): { seq: number; written: Promise<void> } {
    const seq = this.nextSeq();
    this.log(`-> ${requestName(type)} seq ${seq}${type === FrameType.DATA && payload ? ` offset ${Buffer.from(payload).readUInt32LE(0)} +${payload.length - 4}` : ''}`);
    const written = this.link.write(encodeFrame(type, seq, payload));
    written.catch(() => {}); // surfaced through 'lost' to whoever waits
    return { seq, written };
  }

  /**
   * Sends a request and resolves with the payload of its success response; ERROR becomes a
   * DeviceError; no answer within `timeoutMs` is retried `attempts − 1` times, then LINK_TIMEOUT.
   */
  async request(type: number, payload?: Uint8Array, opts: { timeoutMs?: number; attempts?: number } = {}): Promise<Buffer> {
    const timeoutMs = opts.timeoutMs ?? this.timing.T_REPLY;
    const attempts = opts.attempts ?? 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(type, payload, timeoutMs);
      } catch (e) {
        if (!(e instanceof MotaError && e.code === 'LINK_TIMEOUT') || attempt >= attempts) throw e;
        this.log(`${requestName(type)}: no answer in ${timeoutMs} ms, retrying (${attempt + 1}/${attempts})`);
      }
    }
  }

  private requestOnce(type: number, payload: Uint8Array | undefined, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const { seq } = this.send(type, payload);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('reply', onReply);
        this.link.off('lost', onLost);
      };
      const onReply = (f: Frame) => {
        if (f.seq !== seq) return;
        if (f.type === (type | RESPONSE)) {
          cleanup();
          resolve(f.payload);
        } else if (f.type === FrameType.ERROR) {
          let err;
          try {
            err = decodeErrorReply(f.payload);
          } catch {
            return;
          }
          if (err.requestType !== type) return;
          cleanup();
          reject(deviceError(type, err.code, err.detail));
        }
      };
      const onLost = (e: MotaError) => {
        cleanup();
        reject(e);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new MotaError('LINK_TIMEOUT', `the device on ${this.link.path} did not answer ${requestName(type)} within ${timeoutMs} ms`,
          'check that the device is powered and on this port, and the baud rate (--baud)'));
      }, timeoutMs);
      this.on('reply', onReply);
      this.link.on('lost', onLost);
      if (this.link.isLost) onLost(new MotaError('LINK_LOST', `the link to ${this.link.path} is lost`));
    });
  }

  async info(attempts = 3, timeoutMs?: number): Promise<InfoPayload> {
    return decodeReply('INFO', decodeInfo, await this.request(FrameType.INFO, undefined, { attempts, ...(timeoutMs ? { timeoutMs } : {}) }));
  }

  async status(attempts = 3): Promise<StatusReply> {
    return decodeReply('STATUS', decodeStatusReply, await this.request(FrameType.STATUS, undefined, { attempts }));
  }

  /**
   * Streams `image[from, size)` as DATA frames (§5.5 step 3): up to `window` unanswered,
   * go-back-N on an answer with next_offset < offset, STATUS after T_DATA without progress.
   * Resolves when the device's next_offset reaches the image size.
   */
  streamData(image: Uint8Array, from: number, params: { window: number; chunk: number; onProgress?: (p: UploadProgress) => void }): Promise<StreamResult> {
    const size = image.length;
    const { window, chunk } = params;
    if (chunk < 8 || chunk % 8 !== 0) throw new RangeError(`"chunk" must be a positive multiple of 8, got ${chunk}`);
    if (window < 1) throw new RangeError(`"window" must be ≥ 1, got ${window}`);
    const result: StreamResult = { sentBytes: 0, retransmittedBytes: 0, goBacks: 0, timeouts: 0 };
    return new Promise<StreamResult>((resolve, reject) => {
      let next = from;
      let acked = from;
      let highestSent = from;
      let epoch = 0;
      let asking = false;
      let lastProgressAt = performance.now();
      let finished = false;
      const inflight = new Map<number, { offset: number; len: number; epoch: number; sentAt: number }>();
      let timer: NodeJS.Timeout | undefined;

      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.off('reply', onReply);
        this.link.off('lost', onLost);
        if (err) reject(err);
        else resolve(result);
      };
      const progress = () => params.onProgress?.({ acked, total: size, sentBytes: result.sentBytes, retransmittedBytes: result.retransmittedBytes });
      const goBack = (to: number, why: string) => {
        this.log(`DATA: ${why}; going back from ${next} to ${to}`);
        result.goBacks++;
        epoch++;
        inflight.clear();
        next = to;
      };
      const armTimer = () => {
        clearTimeout(timer);
        timer = undefined;
        if (inflight.size === 0 || asking) return;
        let oldest = Infinity;
        for (const e of inflight.values()) oldest = Math.min(oldest, e.sentAt);
        // A device that keeps acknowledging is alive and works in order (a slow flash, a slow
        // simulator): a loss then shows as a gap answer. Only silence calls for STATUS.
        timer = setTimeout(onTimeout, Math.max(0, Math.max(oldest, lastProgressAt) + this.timing.T_DATA - performance.now()));
      };
      const pump = () => {
        if (finished) return;
        if (acked >= size) return finish();
        if (next < acked) next = acked;
        while (!asking && inflight.size < window && next < size) {
          const len = Math.min(chunk, size - next);
          const { seq } = this.send(FrameType.DATA, encodeData(next, image.subarray(next, next + len)));
          inflight.set(seq, { offset: next, len, epoch, sentAt: performance.now() });
          result.sentBytes += len;
          if (next < highestSent) result.retransmittedBytes += Math.min(len, highestSent - next);
          next += len;
          highestSent = Math.max(highestSent, next);
        }
        armTimer();
      };
      const onTimeout = () => {
        result.timeouts++;
        asking = true;
        inflight.clear();
        epoch++;
        this.log(`DATA: no answer in ${this.timing.T_DATA} ms; asking STATUS`);
        this.status()
          .then((st) => {
            asking = false;
            if (st.session === SESSION_NONE) return finish(new SessionLost('NO_SESSION'));
            if (st.nextOffset > acked) lastProgressAt = performance.now();
            acked = st.nextOffset;
            next = st.nextOffset;
            progress();
            pump();
          })
          .catch((e: unknown) => {
            if (e instanceof DeviceError && (e.deviceCode === 'WRONG_MODE' || e.deviceCode === 'NO_SESSION')) {
              finish(new SessionLost(e.deviceCode));
            } else finish(e);
          });
      };
      const onReply = (f: Frame) => {
        if (finished) return;
        if (f.type === (FrameType.DATA | RESPONSE)) {
          let r;
          try {
            r = decodeDataReply(f.payload);
          } catch {
            return;
          }
          const entry = inflight.get(f.seq);
          const current = entry !== undefined && entry.offset === r.offset && entry.epoch === epoch;
          if (current) inflight.delete(f.seq);
          if (r.nextOffset > acked) {
            acked = Math.min(r.nextOffset, size);
            lastProgressAt = performance.now();
            progress();
          }
          if (current && r.nextOffset < r.offset) goBack(r.nextOffset, `device expects ${r.nextOffset}, not ${r.offset}`);
          pump();
        } else if (f.type === FrameType.ERROR) {
          let e;
          try {
            e = decodeErrorReply(f.payload);
          } catch {
            return;
          }
          if (e.requestType !== FrameType.DATA || !inflight.has(f.seq)) return;
          const name = deviceErrorName(e.code);
          if (name === 'NO_SESSION' || name === 'WRONG_MODE') return finish(new SessionLost(name));
          if (name === 'OUT_OF_RANGE') {
            goBack(e.detail, `device says out of range, next_offset ${e.detail}`);
            return pump();
          }
          finish(deviceError(FrameType.DATA, e.code, e.detail));
        }
      };
      const onLost = (e: MotaError) => finish(e);
      this.on('reply', onReply);
      this.link.on('lost', onLost);
      if (this.link.isLost) return finish(new MotaError('LINK_LOST', `the link to ${this.link.path} is lost`));
      progress();
      pump();
    });
  }
}

function decodeReply<T>(what: string, decode: (p: Buffer) => T, payload: Buffer): T {
  try {
    return decode(payload);
  } catch (e) {
    throw new MotaError('LINK_BAD_REPLY', `the device sent a malformed ${what} answer: ${(e as Error).message}`,
      'the device may run an incompatible bootloader or app version');
  }
}
