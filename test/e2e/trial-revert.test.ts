/**
 * Issue #6 "Done means": an unconfirmed trial reverts on reset (SPEC §5.7 step 1, §5.9).
 * A virtual STM32F103RC with sinemodel 1.0.0 as its factory image; 1.1.0 is pushed with
 * --no-confirm, then the device is reset (by `mota reboot`, then by a power cycle). Last, a
 * model whose self-test fails on the device is reverted by the device itself (exit 8).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceInfo, expectExit, mota, slotSummary, transcript } from './cli.ts';
import { packageModel, SINE_MODEL, writeSineWithWrongSelfTest } from './packages.ts';
import { ensureFirmware, VirtualDevice } from './virtual-device.ts';

describe('an unconfirmed trial model on a virtual STM32F103RC', () => {
  let dir: string;
  let device: VirtualDevice;
  let v110: string;

  beforeAll(async () => {
    ensureFirmware();
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-trial-'));
    const [v100, p110] = await Promise.all([packageModel(SINE_MODEL('1.0.0'), 'sinemodel', '1.0.0', dir), packageModel(SINE_MODEL('1.1.0'), 'sinemodel', '1.1.0', dir)]);
    v110 = p110;
    device = await VirtualDevice.start({ flashFile: path.join(dir, 'device.flash'), uid: '4d4f5441e2e0000000000002', factoryPackage: readFileSync(v100) });
  });

  afterAll(async () => {
    await device?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pushOnTrial(): Promise<void> {
    const r = expectExit(await mota(['push', v110, '--port', device.port, '--no-confirm']), 0);
    expect(r.stdout, transcript(r)).toMatch(/\| slot: B TRIAL at 0x08028000/);
    expect(r.stdout, transcript(r)).not.toMatch(/confirming/);
    expect(r.stdout, transcript(r)).toMatch(/the device reports sinemodel 1\.1\.0 \(slot B, TRIAL\) — on trial: the next reset reverts it unless you run `mota confirm`/);
    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'B', state: 'TRIAL', name: 'sinemodel', version: '1.1.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active', 'TRIAL sinemodel 1.1.0 running']);
  }

  it('the_factory_model_runs_confirmed_in_slot_a', async () => {
    const i = await deviceInfo(device.port);
    expect(i.mode).toBe('app');
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'EMPTY']);
  });

  it('reverts_to_the_confirmed_model_when_the_trial_model_is_not_confirmed_before_a_reboot', async () => {
    await pushOnTrial();
    const r = expectExit(await mota(['reboot', '--port', device.port]), 0);
    expect(r.stdout, transcript(r)).toMatch(/\| slot: A CONFIRMED at 0x08010000\n[^]*\| model: sinemodel 1\.0\.0\n/);
    expect(r.stdout).toMatch(/rebooted: runs sinemodel 1\.0\.0 \(slot A, CONFIRMED\)/);

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    // SPEC §5.6: a slot that failed its trial is REJECTED (its header is still reported)
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'REJECTED sinemodel 1.1.0']);
    device.assertHealthy();
  });

  it('reverts_to_the_confirmed_model_when_the_power_fails_during_the_trial', async () => {
    await pushOnTrial();
    const mark = device.textMark();
    device.board.cutPower();
    await new Promise((r) => setTimeout(r, 300));
    device.powerOn();
    // the boot report after the power cycle: the previous model, confirmed
    const text = await device.waitForText(/ready: [^\n]*\n/, mark);
    expect(text, device.describe()).toMatch(/reset: power-on\n[^]*slot: A CONFIRMED at 0x08010000\nmodel: sinemodel 1\.0\.0\n/);

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'REJECTED sinemodel 1.1.0']);
    device.assertHealthy();
  });

  it('a_trial_model_confirmed_with_mota_confirm_survives_a_reboot', async () => {
    await pushOnTrial();
    const c = expectExit(await mota(['confirm', '--port', device.port]), 0);
    const r = expectExit(await mota(['reboot', '--port', device.port]), 0);
    expect(r.stdout, transcript(c) + transcript(r)).toMatch(/rebooted: runs sinemodel 1\.1\.0 \(slot B, CONFIRMED\)/);
    const i = await deviceInfo(device.port);
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active running']);
  });

  it('reverts_and_exits_8_when_the_new_model_fails_its_self_test_on_trial', async () => {
    // slot B runs 1.1.0 (confirmed above); the inactive slot A receives a model whose self-test cannot pass
    const bad = path.join(dir, 'sinemodel-1.2.0-wrong-selftest.mota');
    writeSineWithWrongSelfTest(bad, '1.2.0');
    const r = expectExit(await mota(['push', bad, '--port', device.port]), 8);
    const t = transcript(r);
    expect(r.stdout, t).toMatch(/uploading into slot A\n/);
    expect(r.stdout, t).toMatch(/\| slot: A TRIAL at 0x08010000\n[^]*\| selftest: FAIL 7\/8 \(first failure 3, max diff 9 LSB\)\n\s*\| trial: rejected: resetting to revert\n/);
    expect(r.stdout, t).not.toMatch(/confirming/);
    expect(r.stderr, t).toMatch(/MISMATCH_REVERTED/);
    expect(r.stderr, t).toMatch(/runs sinemodel 1\.1\.0 \(slot B, CONFIRMED\), not sinemodel 1\.2\.0 — the new model failed its trial \(self-test FAIL 7\/8 \(first failure 3, max diff 9 LSB\)\) and the device reverted/);

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['REJECTED sinemodel 1.2.0', 'CONFIRMED sinemodel 1.1.0 active running']);
    device.assertHealthy();
  });
});
