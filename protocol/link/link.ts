/**
 * A link to one device: a transport (serial port or memory pipe) read through the §3
 * demultiplexer. Emits typed units; writes raw bytes. Both the monitor and the update
 * session sit on top of this one object.
 */
import { EventEmitter } from 'node:events';
import { MotaError } from '../../common/errors.ts';
import { Demux, type DemuxOptions, type FrameUnit, type LinkUnit, type PlotUnit, type TextUnit } from './demux.ts';
import { hostFrameRecogniser, MAX_FRAME } from './frames.ts';
import { memoryTransport, openSerial, type SerialOptions, type Transport } from './transport.ts';
import type { Duplex } from 'node:stream';

export interface LinkEvents {
  unit: [LinkUnit];
  text: [TextUnit];
  plot: [PlotUnit];
  frame: [FrameUnit];
  /** The transport went away without close() being called (cable pulled, board stopped). */
  lost: [MotaError];
}

/** Demux options; by default the host recogniser of SPEC §5.1 (responses and ERROR). */
export type LinkOptions = DemuxOptions;

export class Link extends EventEmitter<LinkEvents> {
  readonly demux: Demux;
  private closedByUs = false;
  private lostError: MotaError | undefined;

  constructor(readonly transport: Transport, options: LinkOptions = {}) {
    super();
    this.demux = new Demux({ recogniseFrame: hostFrameRecogniser, maxFrameBytes: MAX_FRAME, ...options });
    const stream = transport.stream;
    stream.pipe(this.demux);
    this.demux.on('data', (u: LinkUnit) => {
      this.emit('unit', u);
      if (u.kind === 'text') this.emit('text', u);
      else if (u.kind === 'plot') this.emit('plot', u);
      else this.emit('frame', u);
    });
    const onGone = (err?: Error | null) => {
      if (this.closedByUs || this.lostError) return;
      this.lostError = new MotaError('LINK_LOST', `lost the connection to ${transport.path}${err ? ` (${err.message})` : ''}`,
        'reconnect the device and run the same command again; an interrupted upload resumes where it stopped');
      this.emit('lost', this.lostError);
    };
    stream.on('close', onGone);
    stream.on('end', () => onGone());
    stream.on('error', (e: Error) => onGone(e));
  }

  /** Opens a serial port (real or pty) as a link. */
  static async open(portPath: string, options: SerialOptions & LinkOptions = {}): Promise<Link> {
    const { baudRate, ...rest } = options;
    return new Link(await openSerial(portPath, { baudRate }), rest);
  }

  /** A link over any byte Duplex, e.g. one end of memoryPipe(). */
  static fromStream(stream: Duplex, options: LinkOptions & { name?: string } = {}): Link {
    const { name, ...rest } = options;
    return new Link(memoryTransport(stream, name), rest);
  }

  get path(): string {
    return this.transport.path;
  }

  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /** Writes bytes and resolves once the transport accepted them. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.lostError) return Promise.reject(this.lostError);
    if (this.closedByUs) return Promise.reject(new MotaError('LINK_CLOSED', `the link to ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.transport.stream.write(bytes, (err) => (err ? reject(this.lostError ?? new MotaError('LINK_LOST', `write to ${this.path} failed: ${err.message}`)) : resolve()));
    });
  }

  /**
   * Resolves with the first unit `match` accepts, or rejects with LINK_TIMEOUT after
   * `timeoutMs` (or LINK_LOST). `signal` aborts the wait.
   */
  waitFor<U extends LinkUnit>(match: (u: LinkUnit) => u is U, timeoutMs: number, what: string): Promise<U>;
  waitFor(match: (u: LinkUnit) => boolean, timeoutMs: number, what: string): Promise<LinkUnit>;
  waitFor(match: (u: LinkUnit) => boolean, timeoutMs: number, what: string): Promise<LinkUnit> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.off('unit', onUnit);
        this.off('lost', onLost);
      };
      const onUnit = (u: LinkUnit) => {
        if (!match(u)) return;
        done();
        resolve(u);
      };
      const onLost = (e: MotaError) => {
        done();
        reject(e);
      };
      const timer = setTimeout(() => {
        done();
        reject(new MotaError('LINK_TIMEOUT', `no answer from the device on ${this.path} within ${timeoutMs} ms (waiting for ${what})`,
          'check that the device is powered and connected to this port, and the baud rate (--baud)'));
      }, timeoutMs);
      this.on('unit', onUnit);
      this.on('lost', onLost);
    });
  }

  async close(): Promise<void> {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.transport.stream.unpipe(this.demux);
    await this.transport.close();
    this.demux.end();
  }
}
