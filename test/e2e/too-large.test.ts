/**
 * Issue #6: "package too large for the slot" has a clear message and a documented exit code.
 * A virtual STM32F103C8 (13 KiB model slots) gets the 26 KB classifier package: refused
 * before any byte of it is sent (exit 6, DEVICE_PKG_TOO_LARGE); its model is untouched, and
 * the same board then takes a sine model end to end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layouts } from '../../protocol/index.ts';
import { deviceInfo, expectExit, mota, slotSummary, transcript } from './cli.ts';
import { packageClassifier, packageModel, SINE_MODEL } from './packages.ts';
import { ensureFirmware, VirtualDevice } from './virtual-device.ts';

describe('a package larger than the model slots of a virtual STM32F103C8', () => {
  let dir: string;
  let device: VirtualDevice;
  let classifier: string;
  let v110: string;

  beforeAll(async () => {
    ensureFirmware('c8');
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-c8-'));
    let v100: string;
    [v100, v110, classifier] = await Promise.all([
      packageModel(SINE_MODEL('1.0.0'), 'sinemodel', '1.0.0', dir, ['--board', 'c8']),
      packageModel(SINE_MODEL('1.1.0'), 'sinemodel', '1.1.0', dir, ['--board', 'c8']),
      packageClassifier(dir, '2.0.0'),
    ]);
    device = await VirtualDevice.start({ chip: 'c8', flashFile: path.join(dir, 'device.flash'), uid: '4d4f5441e2e0000000000008', factoryPackage: readFileSync(v100) });
  });

  afterAll(async () => {
    await device?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is_refused_before_upload_with_exit_6_and_the_model_stays', async () => {
    const size = readFileSync(classifier).length;
    expect(size).toBeGreaterThan(layouts.c8.slotSize);
    const r = expectExit(await mota(['push', classifier, '--port', device.port]), 6);
    const t = transcript(r);
    expect(r.stderr, t).toMatch(new RegExp(`\\[DEVICE_PKG_TOO_LARGE\\]: the package is ${size} bytes but the device on \\S+ has ${layouts.c8.slotSize}-byte model slots \\(STM32F103C8\\)`));
    expect(r.stdout, t).not.toMatch(/uploading into slot/);

    const i = await deviceInfo(device.port);
    expect(i.board).toBe('STM32F103C8');
    expect(i.uploadSessionOpen).toBe(false);
    expect([slotSummary(i, 'A').replace(/ running$/, ''), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active', 'EMPTY']);
    device.assertHealthy();
  });

  it('then_takes_a_model_that_fits_end_to_end', async () => {
    const r = expectExit(await mota(['push', v110, '--port', device.port]), 0);
    expect(r.stdout, transcript(r)).toMatch(/\| board: STM32F103C8\n/);
    expect(r.stdout, transcript(r)).toMatch(/the device reports sinemodel 1\.1\.0 \(slot B, CONFIRMED\)\n$/);
    const i = await deviceInfo(device.port);
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active running']);
    device.assertHealthy();
  });
});
