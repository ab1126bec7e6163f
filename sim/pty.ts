/**
 * USART1 as a serial device path: spawns build/pty-bridge (native/pty-bridge.c), which
 * opens a pseudo-terminal pair and prints the slave path; `new SerialPort({ path })` then
 * opens it like /dev/ttyUSB0. Bytes flow over the helper's stdin/stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MotaError } from '../common/errors.ts';
import { BUILD_DIR, ensureBuilt, SIM_DIR } from './native.ts';

export class PtyBridge {
  private constructor(
    private readonly child: ChildProcess,
    readonly path: string,
  ) {}

  static async open(onData: (bytes: Uint8Array) => void): Promise<PtyBridge> {
    const exe = join(BUILD_DIR, 'pty-bridge');
    ensureBuilt(exe, join(SIM_DIR, 'native', 'pty-bridge.c'), 'build/pty-bridge');
    const child = spawn(exe, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const path = await new Promise<string>((resolve, reject) => {
      let head = '';
      let stderr = '';
      const onChunk = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const nl = head.indexOf('\n');
        if (nl < 0) return;
        child.stdout!.off('data', onChunk);
        const rest = Buffer.from(head.slice(nl + 1), 'latin1');
        if (rest.length > 0) onData(rest);
        child.stdout!.on('data', (d: Buffer) => onData(d));
        resolve(head.slice(0, nl));
      };
      child.stdout!.on('data', onChunk);
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => reject(new MotaError('SIM_PTY', `cannot start the pty helper: ${e.message}`, 'run `make -C sim`')));
      child.on('exit', (code) => reject(new MotaError('SIM_PTY', `the pty helper exited (${code}): ${stderr.trim()}`, 'is /dev/ptmx available?')));
    });
    child.stdin!.on('error', () => {}); // helper gone: nothing to deliver to
    return new PtyBridge(child, path);
  }

  write(bytes: Uint8Array): void {
    if (this.child.exitCode === null) this.child.stdin!.write(bytes);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((res) => this.child.once('exit', () => res()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 500);
    await exited;
    clearTimeout(timer);
  }
}
