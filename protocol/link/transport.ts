/**
 * Byte transports under a link: a serial port through serialport (a real /dev/tty* and
 * the virtual board's pty alike) or an in-memory pipe (tests, the board's in-process UART).
 * Both are plain Duplex streams of bytes; everything above them is the same code.
 */
import { Duplex } from 'node:stream';
import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { MotaError } from '../../common/errors.ts';

export const DEFAULT_BAUD = 115200;

/** A byte stream to a device plus how to let go of it. */
export interface Transport {
  readonly path: string;
  readonly stream: Duplex;
  /** Flushes what was written, then closes; safe to call twice. */
  close(): Promise<void>;
}

export interface SerialOptions {
  baudRate?: number;
}

/** Turns serialport's open error into what a user can act on. */
export function openErrorFor(portPath: string, err: Error): MotaError {
  const msg = err.message;
  if (/No such file or directory|ENOENT/i.test(msg)) {
    return new MotaError('LINK_NO_DEVICE', `no serial port at ${portPath}`,
      'run `mota devices` to list the serial ports of this machine; check the cable, or that the virtual board is running');
  }
  if (/Permission denied|EACCES|EPERM/i.test(msg)) {
    return new MotaError('LINK_NO_DEVICE_ACCESS', `permission denied opening ${portPath}`,
      'add yourself to the group that owns the port (usually `sudo usermod -aG dialout $USER`, then log in again)');
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|busy/i.test(msg)) {
    return new MotaError('LINK_NO_DEVICE_BUSY', `${portPath} is in use by another program`,
      'close the other program using it (another `mota monitor`, screen, minicom, a server) and retry');
  }
  if (/Inappropriate ioctl|ENOTTY/i.test(msg)) {
    return new MotaError('LINK_NO_DEVICE_NOT_A_PORT', `${portPath} is not a serial port`,
      'give the path of a serial device (/dev/ttyUSB0, /dev/ttyACM0, or the pty the virtual board printed)');
  }
  return new MotaError('LINK_NO_DEVICE', `cannot open ${portPath}: ${msg}`, 'run `mota devices` to list the serial ports of this machine');
}

export function validateBaud(baudRate: unknown): number {
  if (typeof baudRate !== 'number' || !Number.isInteger(baudRate) || baudRate < 1200 || baudRate > 4_500_000) {
    throw new MotaError('USAGE_BAD_BAUD', `"baudRate" must be an integer from 1200 to 4500000, got ${String(baudRate)}`,
      'common rates: 115200 (the default), 230400, 460800, 921600');
  }
  return baudRate;
}

/** Opens a serial port (real or pty) for a link; resolves once open, rejects with a MotaError. */
export async function openSerial(portPath: string, options: SerialOptions = {}): Promise<Transport> {
  if (typeof portPath !== 'string' || portPath.length === 0) {
    throw new MotaError('USAGE_NO_PORT', 'no serial port given', 'pass --port PATH; `mota devices` lists the ports of this machine');
  }
  const baudRate = validateBaud(options.baudRate ?? DEFAULT_BAUD);
  const port = new SerialPort({ path: portPath, baudRate, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(openErrorFor(portPath, err)) : resolve()));
  });
  let closing: Promise<void> | undefined;
  return {
    path: portPath,
    stream: port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.drain(() => port.close(() => resolve()));
      });
      return closing;
    },
  };
}

/**
 * What happens to each chunk written to one end of a pair of connected ends: `deliver`
 * hands bytes to the other end on a later tick; `done` is the write's callback. A wire
 * is made once per end, so it may keep state of its own.
 */
export type Wire = (chunk: Buffer, deliver: (bytes: Buffer) => void, done: () => void) => void;

/** Two connected in-memory ends; `end()` on one side ends the other's readable side (a disconnect). */
export function connectedEnds(makeWire: () => Wire): [Duplex, Duplex] {
  const make = (): Duplex & { peer?: Duplex } => {
    const wire = makeWire();
    const d: Duplex & { peer?: Duplex } = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const deliver = (bytes: Buffer) =>
          setImmediate(() => {
            if (d.peer && !d.peer.destroyed && !d.peer.readableEnded) d.peer.push(bytes);
          });
        wire(Buffer.from(chunk), deliver, cb);
      },
      final(cb) {
        setImmediate(() => {
          if (d.peer && !d.peer.destroyed) d.peer.push(null);
          cb();
        });
      },
    });
    return d;
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Two connected in-memory ends: bytes written to one are read from the other, on a later tick as on a wire. */
export function memoryPipe(): [Duplex, Duplex] {
  return connectedEnds(() => (chunk, deliver, done) => {
    deliver(chunk);
    setImmediate(done);
  });
}

/** Wraps one end of a memory pipe (or any Duplex) as a transport. */
export function memoryTransport(stream: Duplex, name = 'memory'): Transport {
  let closing: Promise<void> | undefined;
  return {
    path: name,
    stream,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (stream.writableEnded || stream.destroyed) return resolve();
        stream.end(() => resolve());
      });
      return closing;
    },
  };
}

export interface PortCandidate {
  /** The path to open (the stable /dev/serial/by-id name when there is one). */
  path: string;
  /** The device node it resolves to, e.g. /dev/ttyUSB0. */
  device: string;
  /** Where it was found. */
  source: 'by-id' | 'scan' | 'given';
}

/**
 * Serial ports of this machine without udev: /dev/serial/by-id links first, then
 * /dev/ttyUSB* and /dev/ttyACM* not already named by a link, then `extra` paths (a pty).
 */
export async function discoverPorts(extra: string[] = [], devDir = '/dev'): Promise<PortCandidate[]> {
  const found: PortCandidate[] = [];
  const seen = new Set<string>();
  const byId = path.join(devDir, 'serial', 'by-id');
  for (const name of (await listDir(byId)).sort()) {
    const link = path.join(byId, name);
    const target = await readlink(link).then((t) => path.resolve(byId, t), () => undefined);
    if (target === undefined || seen.has(target)) continue;
    seen.add(target);
    found.push({ path: link, device: target, source: 'by-id' });
  }
  const nodes = (await listDir(devDir)).filter((n) => /^tty(USB|ACM)\d+$/.test(n)).sort(byNumber);
  for (const n of nodes) {
    const device = path.join(devDir, n);
    if (seen.has(device)) continue;
    seen.add(device);
    found.push({ path: device, device, source: 'scan' });
  }
  for (const p of extra) {
    const device = await realpath(p).catch(() => path.resolve(p));
    if (seen.has(device)) continue;
    seen.add(device);
    found.push({ path: p, device, source: 'given' });
  }
  return found;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

function byNumber(a: string, b: string): number {
  const pa = /^(\D+)(\d+)$/.exec(a);
  const pb = /^(\D+)(\d+)$/.exec(b);
  if (pa && pb && pa[1] === pb[1]) return Number(pa[2]) - Number(pb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}
