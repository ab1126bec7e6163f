/**
 * Issue #6 "Done means": resume after the link drops mid-upload, and (SPEC §5.5 "Power
 * cuts") a power cut of the device during an upload. The package is a ~26 KB classifier with
 * 64 self-test vectors, so its upload at 115200 baud lasts a few seconds. Progress is read on
 * the device side (halfwords programmed into the destination slot), which is exact.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceInfo, expectExit, mota, slotSummary, transcript } from './cli.ts';
import { packageClassifier, packageModel, SINE_MODEL } from './packages.ts';
import { ensureFirmware, SLOT_B, VirtualDevice } from './virtual-device.ts';

const PAGE = 2048;

/** Counts the bytes programmed into slot B from now on (halfword program operations). */
function slotBProgress(device: VirtualDevice): { bytes: () => number; off: () => void; onBytes: (n: number, fn: () => void) => void } {
  let bytes = 0;
  const waiters: { n: number; fn: () => void }[] = [];
  const onFlash = ({ op }: { op: { kind: string; addr?: number } }) => {
    if (op.kind !== 'program' || op.addr === undefined || op.addr < SLOT_B.addr || op.addr >= SLOT_B.addr + SLOT_B.size) return;
    bytes += 2;
    for (const w of waiters.filter((x) => bytes >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.fn();
    }
  };
  device.board.on('flash', onFlash);
  return {
    bytes: () => bytes,
    off: () => device.board.off('flash', onFlash),
    onBytes: (n, fn) => waiters.push({ n, fn }),
  };
}

describe('an upload interrupted on a virtual STM32F103RC', () => {
  let dir: string;
  let v100: string;
  let classifier: string;
  let size: number;

  beforeAll(async () => {
    ensureFirmware();
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-resume-'));
    [v100, classifier] = await Promise.all([packageModel(SINE_MODEL('1.0.0'), 'sinemodel', '1.0.0', dir), packageClassifier(dir, '2.0.0')]);
    size = statSync(classifier).size;
    expect(size).toBeGreaterThan(24 * 1024);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes_from_the_offset_the_device_names_after_the_push_process_is_killed_mid_upload', async () => {
    const device = await VirtualDevice.start({ flashFile: path.join(dir, 'killed.flash'), uid: '4d4f5441e2e0000000000004', factoryPackage: readFileSync(v100) });
    try {
      const progress = slotBProgress(device);
      let killedAt = -1;
      let child: ChildProcess | undefined;
      progress.onBytes(Math.ceil(size * 0.25), () => {
        killedAt = progress.bytes();
        child?.kill('SIGKILL'); // the link drops: the host end of the serial port goes away mid-upload
      });
      const first = await mota(['push', classifier, '--port', device.port], { onSpawn: (c) => (child = c) });
      expect(first.signal, transcript(first)).toBe('SIGKILL');
      expect(first.stdout, transcript(first)).toMatch(/uploading into slot B\n/);
      expect(killedAt).toBeGreaterThan(0);
      expect(progress.bytes(), 'the device kept programming what was already on the line, but not all of it').toBeLessThan(size);

      // the model that ran before is still the active, confirmed one; slot B is not bootable
      const mid = await deviceInfo(device.port);
      expect([slotSummary(mid, 'A').replace(/ running$/, ''), slotSummary(mid, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active', 'EMPTY']);

      // the same command again: the device names where to resume (a page boundary, SPEC §5.5 step 2)
      const again = expectExit(await mota(['push', classifier, '--port', device.port]), 0);
      const t = transcript(first) + transcript(again);
      const m = /resuming the upload into slot B at byte (\d+) of (\d+)\n/.exec(again.stdout);
      expect(m, t).not.toBeNull();
      const resumeAt = Number(m![1]);
      expect(Number(m![2])).toBe(size);
      expect(resumeAt % PAGE, t).toBe(0);
      expect(resumeAt, t).toBeGreaterThan(0);
      expect(resumeAt, t).toBeGreaterThanOrEqual(Math.floor(killedAt / PAGE) * PAGE - PAGE);
      expect(resumeAt, t).toBeLessThan(size);
      expect(again.stdout, t).toMatch(new RegExp(`resumed at ${resumeAt}\\)`));
      expect(again.stdout, t).toMatch(/\| selftest: pass 64\/64\n/);
      expect(again.stdout, t).toMatch(/the device reports classifier 2\.0\.0 \(slot B, CONFIRMED\)\n$/);
      progress.off();

      const i = await deviceInfo(device.port);
      expect(i.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'classifier', version: '2.0.0' });
      expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED classifier 2.0.0 active running']);
      device.assertHealthy();
    } finally {
      await device.stop();
    }
  });

  it('boots_the_confirmed_model_after_a_power_cut_during_the_upload_and_the_same_push_then_completes', async () => {
    const device = await VirtualDevice.start({ flashFile: path.join(dir, 'cut.flash'), uid: '4d4f5441e2e0000000000007', factoryPackage: readFileSync(v100) });
    try {
      const progress = slotBProgress(device);
      // a cut during a flash operation (SPEC §5.5): the halfword being programmed keeps some bits
      progress.onBytes(Math.ceil(size * 0.4), () => device.board.cutPower({ atFlashOp: device.board.flashOps + 1 }));
      const cut = device.nextPowerCut();
      const pushing = mota(['push', classifier, '--port', device.port]);
      await cut;
      const cutAt = progress.bytes();
      expect(device.events.at(-1), device.describe()).toMatch(/power cut during a program/);
      // the host gets no more answers: the push fails with a documented exit code and a resume hint
      const first = await pushing;
      expect([5, 7], transcript(first)).toContain(first.code);
      expect(first.stderr, transcript(first)).toMatch(/hint: /);

      const mark = device.textMark();
      device.powerOn();
      // on its own, with no help from the host, the device boots the confirmed model again
      const report = await device.waitForText(/ready: [^\n]*\n/, mark);
      expect(report, device.describe()).toMatch(/slot: A CONFIRMED at 0x08010000\r?\nmodel: sinemodel 1\.0\.0\r?\n[^]*selftest: pass 8\/8\r?\n/);
      const since = device.textSince(mark);
      expect(since, device.describe()).not.toMatch(/classifier|slot: B/);
      const mid = await deviceInfo(device.port);
      expect(mid.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
      expect([slotSummary(mid, 'A'), slotSummary(mid, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'EMPTY']);

      const again = expectExit(await mota(['push', classifier, '--port', device.port]), 0);
      const t = transcript(first) + transcript(again);
      const m = /resuming the upload into slot B at byte (\d+) of \d+\n/.exec(again.stdout);
      expect(m, t).not.toBeNull();
      expect(Number(m![1]) % PAGE, t).toBe(0);
      expect(Number(m![1]), t).toBeGreaterThanOrEqual(Math.floor(cutAt / PAGE) * PAGE - PAGE);
      expect(again.stdout, t).toMatch(/the device reports classifier 2\.0\.0 \(slot B, CONFIRMED\)\n$/);
      progress.off();

      const i = await deviceInfo(device.port);
      expect(i.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'classifier', version: '2.0.0' });
      expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED classifier 2.0.0 active running']);
      device.assertHealthy();
    } finally {
      await device.stop();
    }
  });
});
