import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMotaError } from '../../common/errors.ts';
import { discoverPorts, memoryPipe, memoryTransport, openErrorFor, openSerial } from './transport.ts';

const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/** A pty whose far end echoes every byte back, like a loopback plug on a serial cable. */
const ECHO_PTY = `
import os, pty, sys, select
m, s = pty.openpty()
import tty; tty.setraw(s)
print(os.ttyname(s), flush=True)
while True:
    r, _, _ = select.select([m, sys.stdin], [], [])
    if sys.stdin in r and not sys.stdin.buffer.read1(1): break
    if m in r:
        try: data = os.read(m, 4096)
        except OSError: continue
        os.write(m, data)
`;

async function catchError(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!hasPython)('openSerial on a pty', () => {
  let helper: ChildProcess;
  let ptyPath = '';
  beforeAll(async () => {
    helper = spawn('python3', ['-c', ECHO_PTY], { stdio: ['pipe', 'pipe', 'inherit'] });
    ptyPath = await new Promise<string>((resolve) => helper.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  });
  afterAll(() => {
    helper.stdin!.end();
  });

  it('opens the pty, carries bytes both ways and closes cleanly', async () => {
    const t = await openSerial(ptyPath, { baudRate: 921600 });
    const got: Buffer[] = [];
    const echoed = new Promise<void>((resolve) => {
      t.stream.on('data', (d: Buffer) => {
        got.push(d);
        if (Buffer.concat(got).length >= 256) resolve();
      });
    });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    t.stream.write(all);
    await echoed;
    expect(Buffer.concat(got)).toEqual(all);
    await t.close();
    await t.close();
  });

  it('refuses a port another program holds, saying it is busy', async () => {
    const first = await openSerial(ptyPath);
    try {
      const e = await catchError(openSerial(ptyPath));
      expect(isMotaError(e, 'LINK_NO_DEVICE_BUSY')).toBe(true);
      expect((e as Error).message).toContain(ptyPath);
    } finally {
      await first.close();
    }
  });
});

describe('openSerial errors', () => {
  it('names the missing port and suggests `mota devices`', async () => {
    const e = await catchError(openSerial('/dev/ttyUSB97'));
    expect(isMotaError(e, 'LINK_NO_DEVICE')).toBe(true);
    expect((e as Error).message).toBe('no serial port at /dev/ttyUSB97');
    expect((e as { hint?: string }).hint).toContain('mota devices');
  });

  it('says a regular file is not a serial port', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mota-t-'));
    const file = path.join(dir, 'not-a-port');
    await writeFile(file, 'x');
    const e = await catchError(openSerial(file));
    expect(isMotaError(e, 'LINK_NO_DEVICE_NOT_A_PORT')).toBe(true);
  });

  it('explains permission denied with the dialout group', () => {
    const e = openErrorFor('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0'));
    expect(e.code).toBe('LINK_NO_DEVICE_ACCESS');
    expect(e.hint).toContain('dialout');
  });

  it('rejects a bad baud rate before touching the port, naming the option', async () => {
    const e = await catchError(openSerial('/dev/ttyUSB0', { baudRate: 12.5 }));
    expect(isMotaError(e, 'USAGE_BAD_BAUD')).toBe(true);
    expect((e as Error).message).toContain('baudRate');
  });
});

describe('memoryPipe', () => {
  it('delivers bytes written on one end to the other, and end() reaches the far side', async () => {
    const [host, device] = memoryPipe();
    const got: Buffer[] = [];
    device.on('data', (d: Buffer) => got.push(d));
    const ended = new Promise((r) => device.once('end', r));
    host.write(Buffer.from('ab'));
    host.write(Buffer.from([0, 0xa5]));
    await memoryTransport(host).close();
    await ended;
    expect(Buffer.concat(got)).toEqual(Buffer.from([0x61, 0x62, 0, 0xa5]));
  });
});

describe('discoverPorts without udev', () => {
  it('lists by-id links first, then unnamed ttyUSB/ttyACM nodes in numeric order, then given paths', async () => {
    const dev = await mkdtemp(path.join(tmpdir(), 'mota-dev-'));
    for (const n of ['ttyUSB10', 'ttyUSB2', 'ttyACM0', 'ttyS0', 'null']) await writeFile(path.join(dev, n), '');
    await mkdir(path.join(dev, 'serial', 'by-id'), { recursive: true });
    await symlink('../../ttyUSB10', path.join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A1-if00-port0'));
    const pty = path.join(dev, 'pts-7');
    await writeFile(pty, '');
    const ports = await discoverPorts([pty, path.join(dev, 'ttyACM0')], dev);
    expect(ports).toEqual([
      { path: path.join(dev, 'serial/by-id/usb-FTDI_FT232R_A1-if00-port0'), device: path.join(dev, 'ttyUSB10'), source: 'by-id' },
      { path: path.join(dev, 'ttyACM0'), device: path.join(dev, 'ttyACM0'), source: 'scan' },
      { path: path.join(dev, 'ttyUSB2'), device: path.join(dev, 'ttyUSB2'), source: 'scan' },
      { path: pty, device: pty, source: 'given' },
    ]);
  });

  it('finds nothing, without failing, where there is no /dev/serial', async () => {
    const dev = await mkdtemp(path.join(tmpdir(), 'mota-dev-'));
    expect(await discoverPorts([], dev)).toEqual([]);
  });
});
