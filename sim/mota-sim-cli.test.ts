import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { testProgram } from './testing.ts';

const ROOT = join(import.meta.dirname, '..');

describe('mota sim', () => {
  it('prints_the_serial_path_echoes_through_it_and_keeps_the_flash_file_after_ctrl_c', async () => {
    const flash = join(mkdtempSync(join(tmpdir(), 'mota-sim-cli-')), 'device.flash');
    const child = spawn(process.execPath, [join(ROOT, 'cli/bin/mota.js'), 'sim', '--flash', flash, '--app', testProgram('uart_echo'), '--uid', '00112233445566778899aabb'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const path = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no serial path in: ${out}`)), 20_000);
      const check = () => {
        const m = /serial: (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        } else setTimeout(check, 20);
      };
      check();
    });
    expect(out).toMatch(/UID 00112233445566778899aabb/);
    const port = new SerialPort({ path, baudRate: 115200 });
    await new Promise<void>((res, rej) => port.on('open', res).on('error', rej));
    let got = '';
    port.on('data', (d: Buffer) => (got += d.toString()));
    port.write('over the pty');
    for (let i = 0; i < 200 && !got.includes('over the pty'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toContain('over the pty');
    await new Promise<void>((res) => port.close(() => res()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped after .* flash saved/);
    const image = readFileSync(flash);
    expect(image.length).toBe(256 * 1024);
    expect(image.readUInt32LE(0)).toBe(0x2000c000); // the app's vector table: initial SP = end of RAM
  }, 60_000);
});
