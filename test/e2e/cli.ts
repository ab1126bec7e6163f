/**
 * Runs the real `mota` command in a child process, exactly as a user types it, and keeps its
 * whole transcript so a failing assertion can show what the CLI said.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MOTA = path.join(ROOT, 'cli/bin/mota.js');
export const DEV_KEY = path.join(ROOT, 'keys/mota-dev.key');

/**
 * The virtual board paces itself to the wall clock, but on a loaded 2-core machine it can
 * fall behind; stretch the host timeouts (SPEC §5.10) unless the caller chose a scale.
 */
const TIMEOUT_SCALE = process.env['MOTA_TIMEOUT_SCALE'] ?? '2';

export interface MotaRun {
  args: string[];
  /** Exit code; null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface MotaOptions {
  /** Called once the child exists (e.g. to kill it when the device has received enough). */
  onSpawn?: (child: ChildProcess) => void;
  /** The child is killed (SIGKILL) after this long; the run then reports the signal. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Spawns `node cli/bin/mota.js ARGS` and resolves when it has exited and its pipes are drained. */
export function mota(args: string[], options: MotaOptions = {}): Promise<MotaRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MOTA, ...args], {
    cwd: ROOT,
    env: { ...process.env, MOTA_TIMEOUT_SCALE: TIMEOUT_SCALE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 100_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const run = { args, code, signal, stdout, stderr, ms: performance.now() - t0 };
      if (process.env['MOTA_E2E_VERBOSE']) console.log(transcript(run));
      resolve(run);
    });
  });
}

/** What a person reads when an assertion about this run fails. */
export function transcript(r: MotaRun): string {
  const shown = r.args.map((a) => (a.startsWith(ROOT + '/') ? path.relative(ROOT, a) : a)).join(' ');
  return (
    `\n$ mota ${shown}\n=> exit ${r.code ?? `signal ${r.signal}`} after ${(r.ms / 1000).toFixed(1)} s` +
    `\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}--------------\n`
  );
}

/** Asserts the exit code, printing the CLI's stdout and stderr when it differs. */
export function expectExit(r: MotaRun, code: number): MotaRun {
  expect(r.code, transcript(r)).toBe(code);
  return r;
}

/** The parts of `mota info --json` these tests read (cli/ui/link-cli.ts infoJson). */
export interface InfoJson {
  port: string;
  uid: string;
  board: string;
  mode: 'app' | 'bootloader';
  resetCount: number;
  uploadSessionOpen: boolean;
  downgradeGuard: boolean;
  running: { slot: 'A' | 'B'; state: string; name: string; version: string } | null;
  slots: { slot: 'A' | 'B'; state: string; name: string | null; version: string | null; active: boolean; running: boolean }[];
}

/** `mota info --port P --json`, which must succeed. */
export async function deviceInfo(port: string): Promise<InfoJson> {
  const r = expectExit(await mota(['info', '--port', port, '--json']), 0);
  try {
    return JSON.parse(r.stdout) as InfoJson;
  } catch {
    throw new Error(`mota info --json printed something that is not JSON:${transcript(r)}`);
  }
}

/** One slot of an INFO as `state name version`, e.g. `CONFIRMED sinemodel 1.0.0` or `EMPTY`. */
export function slotSummary(i: InfoJson, slot: 'A' | 'B'): string {
  const s = i.slots.find((x) => x.slot === slot)!;
  return s.state === 'EMPTY' ? 'EMPTY' : `${s.state} ${s.name} ${s.version}${s.active ? ' active' : ''}${s.running ? ' running' : ''}`;
}
