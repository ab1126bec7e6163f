import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPackage, readPrivateKeyFile, readPublicKeyFile } from '../../protocol/index.ts';
import type { FakeDeviceOptions } from '../../protocol/link/fake-device.ts';
import { openFakePort, type FakePort } from '../ui/fake-port.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOTA = join(ROOT, 'cli/bin/mota.js');
const MODEL = readFileSync(join(ROOT, 'protocol/vectors/payloads/hello_world_2488.tflite'));
const DEV_KEY = join(ROOT, 'keys/mota-dev.key');
const DEV_PUB = join(ROOT, 'keys/mota-dev.pub');
const OTHER_KEY = join(ROOT, 'protocol/vectors/keys/other-signer.key');

const work = mkdtempSync(join(tmpdir(), 'mota-push-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const written = new Map<string, string>();
/** Writes each package once: the CLI child processes of concurrent tests read them. */
function pkgFile(version: string, key = DEV_KEY): string {
  const file = join(work, `sinemodel-${version}-${key === DEV_KEY ? 'dev' : 'other'}.mota`);
  if (!written.has(file)) {
    writeFileSync(file, buildPackage({ name: 'sinemodel', version, payload: MODEL, privateKey: readPrivateKeyFile(key), created: 1_700_000_000 }));
    written.set(file, file);
  }
  return file;
}

function mota(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MOTA, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, MOTA_PORT: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const ports: FakePort[] = [];
async function board(options: Partial<FakeDeviceOptions> = {}): Promise<FakePort> {
  const p = await openFakePort({
    trustedKeys: [readPublicKeyFile(DEV_PUB)],
    installed: readFileSync(pkgFile('1.0.0')),
    ...options,
  });
  ports.push(p);
  return p;
}
afterAll(async () => {
  for (const p of ports.splice(0)) await p.close();
});

describe.concurrent('mota push, rollback, confirm, reboot, info over a pty', () => {
  it('pushes 1.1.0 with progress and a timed summary, then rolls back to 1.0.0', async () => {
    const { path, device } = await board();
    const r = await mota(['push', pkgFile('1.1.0'), '--port', path]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/signature valid \(key 4507eedf/);
    expect(r.stdout).toMatch(/uploading into slot B/);
    expect(r.stdout).toMatch(/upload +100%/);
    expect(r.stdout).toMatch(/ {2}\| model: sinemodel 1\.1\.0/);
    expect(r.stdout).toMatch(/ {2}report {3}sinemodel 1\.1\.0 from slot B \(CONFIRMED\), 3 operators, self-test pass 8\/8/);
    expect(r.stdout).toMatch(/pushed sinemodel 1\.1\.0 to slot B of device 3F00CA01A5A5000112345678 in /);
    expect(r.stdout).toMatch(/the device reports sinemodel 1\.1\.0 \(slot B, CONFIRMED\)\n$/);
    expect(device.slotSummary(1)).toEqual({ state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });

    const rb = await mota(['rollback', '--port', path]);
    expect(rb.code).toBe(0);
    expect(rb.stdout).toMatch(/rolled back: sinemodel 1\.1\.0 \(slot B\) -> sinemodel 1\.0\.0 \(slot A, CONFIRMED\)/);

    const info = await mota(['info', '--port', path, '--json']);
    expect(info.code).toBe(0);
    const j = JSON.parse(info.stdout) as { uid: string; running: unknown; slots: { state: string; version: string }[] };
    expect(j.uid).toBe('3F00CA01A5A5000112345678');
    expect(j.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    expect(j.slots.map((s) => `${s.state} ${s.version}`)).toEqual(['CONFIRMED 1.0.0', 'CONFIRMED 1.1.0']);
  });

  it('leaves a model on trial with --no-confirm; confirm makes it stay; reboot shows it', async () => {
    const { path } = await board();
    const r = await mota(['push', pkgFile('1.2.0'), '--port', path, '--no-confirm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(slot B, TRIAL\) — on trial: the next reset reverts it/);
    const c = await mota(['confirm', '--port', path]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/confirmed: sinemodel 1\.2\.0 \(slot B, CONFIRMED\)/);
    const b = await mota(['reboot', '--port', path]);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/rebooted: runs sinemodel 1\.2\.0 \(slot B, CONFIRMED\)/);
  });

  it('refuses a package signed by an untrusted key before sending anything (exit 4)', async () => {
    const { path, device } = await board();
    const r = await mota(['push', pkgFile('1.1.0', OTHER_KEY), '--port', path]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/PKG_UNKNOWN_KEY/);
    expect(device.stats.requests).toBe(0);
  });

  it('reports a downgrade refused by the device with the --allow-downgrade hint (exit 6)', async () => {
    const { path } = await board({ installed: readFileSync(pkgFile('2.0.0')) });
    const r = await mota(['push', pkgFile('1.0.0'), '--port', path]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/DEVICE_DOWNGRADE.*older/);
    expect(r.stderr).toMatch(/--allow-downgrade/);
  });

  it('says the device reverted, and what it runs now, when the new model fails its self-test (exit 8)', async () => {
    const { path } = await board({ selftestPasses: (_n, v) => v !== '1.3.0', selftestMs: 1 });
    const r = await mota(['push', pkgFile('1.3.0'), '--port', path]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/MISMATCH_REVERTED.*runs sinemodel 1\.0\.0 \(slot A, CONFIRMED\), not sinemodel 1\.3\.0 — the new model failed its trial \(self-test FAIL 7\/8/);
  });

  it('exits 5 naming the port when no device is there, and when the device stays silent', async () => {
    const missing = await mota(['info', '--port', '/dev/ttyUSB93']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/LINK_NO_DEVICE.*\/dev\/ttyUSB93[\s\S]*mota devices/);
    const { path, device } = await board();
    device.stop(); // powered off: the pty stays, nothing answers
    const silent = await mota(['info', '--port', path]);
    expect(silent.code).toBe(5);
    expect(silent.stderr).toMatch(/LINK_TIMEOUT.*did not answer INFO/);
  });
});

describe.concurrent('mota monitor and devices over a pty', () => {
  it('prints the report and decoded plot frames for --duration seconds', async () => {
    const { path, device } = await board({ plotEveryMs: 10 });
    const resetting = setInterval(() => device.reset('NONE'), 700); // reports keep coming while mota listens
    const r = await mota(['monitor', '--port', path, '--duration', '2.5']);
    clearInterval(resetting);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nmodel: sinemodel 1\.0\.0\n/);
    expect(r.stdout).toMatch(/report: sinemodel 1\.0\.0 from slot A \(CONFIRMED\), 3 operators, self-test pass 8\/8/);
    expect(r.stdout).toMatch(/plot {2}y_ref [+-]\d\.\d{3} {2}y_pred [+-]\d\.\d{3} {2}error \+0\.01\d/);
    expect(r.stderr).toMatch(/monitor: \d+ lines, \d+ plot frames, rms\(y_pred - y_ref\) 0\.01\d\d, 0 noise bytes/);
  });

  it('emits one JSON object per unit with --json', async () => {
    const { path } = await board({ plotEveryMs: 10 });
    const r = await mota(['monitor', '--port', path, '--duration', '1', '--json']);
    expect(r.code).toBe(0);
    const units = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; yRef?: number });
    expect(units.length).toBeGreaterThan(5);
    expect(units.every((u) => u.kind === 'plot' && typeof u.yRef === 'number')).toBe(true); // the report came before mota listened
  });

  it('fails with exit 5 when the device prints nothing for --duration', async () => {
    const { path } = await board();
    const r = await mota(['monitor', '--port', path, '--duration', '0.5']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/printed nothing in 0\.5 s/);
  });

  it('lists a device given by path with its unique ID and both slots', async () => {
    const { path } = await board();
    const r = await mota(['devices', '--port', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(path);
    expect(r.stdout).toMatch(/STM32F103RC {2}unique ID 3F00CA01A5A5000112345678 {2}app running/);
    expect(r.stdout).toMatch(/slot A {2}sinemodel 1\.0\.0 \(CONFIRMED, active, running\)/);
    expect(r.stdout).toMatch(/slot B {2}EMPTY/);
    const j = await mota(['devices', '--port', path, '--json']);
    expect((JSON.parse(j.stdout) as { uid?: string }[]).find((d) => d.uid)?.uid).toBe('3F00CA01A5A5000112345678');
  });
});
