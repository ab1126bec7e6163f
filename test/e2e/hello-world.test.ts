/**
 * Issue #6 "Done means": push of ../shared/models/hello_world_2488.tflite (the official TFLM
 * hello_world int8 model, converter output) packaged as-is by `mota package`, onto a fresh
 * virtual STM32F103RC: confirmed, and the device reports its name, version, 3 operators and
 * 10 tensors (DESIGN "Facts": 3 FULLY_CONNECTED ops, 10 tensors, 2488 bytes).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceInfo, expectExit, mota, slotSummary, transcript } from './cli.ts';
import { HELLO_WORLD_MODEL, packageModel } from './packages.ts';
import { ensureFirmware, VirtualDevice } from './virtual-device.ts';

const present = existsSync(HELLO_WORLD_MODEL);
if (!present) console.log(`skipping the hello_world push: ${HELLO_WORLD_MODEL} is absent (it lives in the shared models directory beside the repository)`);

describe.skipIf(!present)('the TFLM hello_world model packaged as-is, pushed to a fresh virtual STM32F103RC', () => {
  let dir: string;
  let device: VirtualDevice;
  let pkg: string;

  beforeAll(async () => {
    ensureFirmware();
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-hello-'));
    pkg = await packageModel(HELLO_WORLD_MODEL, 'hello_world', '1.0.0', dir);
    device = await VirtualDevice.start({ flashFile: path.join(dir, 'device.flash'), uid: '4d4f5441e2e0000000000006' });
  });

  afterAll(async () => {
    await device?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is_confirmed_and_the_device_reports_its_name_version_3_operators_and_10_tensors', async () => {
    const inspect = expectExit(await mota(['inspect', pkg]), 0);
    expect(inspect.stdout, transcript(inspect)).toMatch(/header 128 \+ payload 2488 /);

    const r = expectExit(await mota(['push', pkg, '--port', device.port, '--json']), 0);
    const t = transcript(r);
    const j = JSON.parse(r.stdout) as {
      slot: string; confirmed: boolean; lines: string[];
      bootReport: { model?: unknown; modelSize?: { bytes: number }; operators?: { count: number; runs: unknown[] }; tensors?: number; selftest?: { result: string; passed?: number; total?: number }; slot?: unknown; ready?: { text: string } } | null;
    };
    expect(j.slot, t).toBe('A');
    expect(j.confirmed, t).toBe(true);
    // the report of the confirmed boot, as the app printed it (SPEC §4.1)
    const report = j.bootReport!;
    expect(report, t).not.toBeNull();
    expect(report.model).toEqual({ name: 'hello_world', version: '1.0.0' });
    expect(report.slot).toMatchObject({ slot: 'A', state: 'CONFIRMED' });
    expect(report.modelSize?.bytes).toBe(2488);
    expect(report.operators).toEqual({ count: 3, runs: [{ op: 'FULLY_CONNECTED', count: 3 }] });
    expect(report.tensors).toBe(10);
    expect(report.selftest).toMatchObject({ result: 'pass', passed: 8, total: 8 });
    expect(report.ready?.text).toMatch(/^sine 64 steps/);
    // the raw lines say the same, for the trial boot and for the confirmed one
    expect(j.lines.filter((l) => l === 'operators: 3 (FULLY_CONNECTED x3)')).toHaveLength(2);
    expect(j.lines.filter((l) => l === 'tensors: 10')).toHaveLength(2);
    expect(j.lines).toContain('slot: A TRIAL at 0x08010000');

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'hello_world', version: '1.0.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED hello_world 1.0.0 active running', 'EMPTY']);
    device.assertHealthy();
  });

  it('runs_the_sine_demo_whose_predictions_follow_the_reference_curve', async () => {
    const r = expectExit(await mota(['monitor', '--port', device.port, '--duration', '1']), 0);
    const m = /(\d+) plot frames, rms\(y_pred - y_ref\) ([0-9.]+)/.exec(r.stderr); // the summary goes to stderr
    expect(m, transcript(r)).not.toBeNull();
    expect(Number(m![1]), transcript(r)).toBeGreaterThan(20); // one frame every 20 ms
    expect(Number(m![2]), transcript(r)).toBeLessThan(0.1);
  });
});
