/**
 * Issue #6 "Done means": push + verify + confirm, then rollback, on a fresh virtual
 * STM32F103RC through the real `mota` command, serialport and the board's pty. One device,
 * one ordered story: each step starts from the state the previous one left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceInfo, expectExit, mota, slotSummary, transcript, type InfoJson } from './cli.ts';
import { announceVirtualPort } from '../../sim/registry.ts';
import { packageModel, SINE_MODEL } from './packages.ts';
import { ensureFirmware, VirtualDevice } from './virtual-device.ts';

describe('push, verify, confirm and roll back on a fresh virtual STM32F103RC', () => {
  let dir: string;
  let device: VirtualDevice;
  let v100: string;
  let v110: string;

  beforeAll(async () => {
    ensureFirmware();
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-push-'));
    [v100, v110] = await Promise.all([packageModel(SINE_MODEL('1.0.0'), 'sinemodel', '1.0.0', dir), packageModel(SINE_MODEL('1.1.0'), 'sinemodel', '1.1.0', dir)]);
    device = await VirtualDevice.start({ flashFile: path.join(dir, 'device.flash'), uid: '4d4f5441e2e0000000000001' });
  });

  afterAll(async () => {
    await device?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a_fresh_device_has_no_model_and_waits_in_its_bootloader', async () => {
    const i = await deviceInfo(device.port);
    expect(i.uid).toBe('4D4F5441E2E0000000000001');
    expect(i.board).toBe('STM32F103RC');
    expect(i.mode).toBe('bootloader');
    expect(i.downgradeGuard).toBe(true);
    expect(i.running).toBeNull();
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['EMPTY', 'EMPTY']);
    device.assertHealthy();
  });

  it('installs_boots_on_trial_verifies_and_confirms_the_first_model', async () => {
    const r = expectExit(await mota(['push', v100, '--port', device.port]), 0);
    const out = r.stdout;
    const t = transcript(r);
    expect(out, t).toMatch(/signature valid \(key 4507eedf/);
    expect(out, t).toMatch(/uploading into slot A/);
    expect(out, t).toMatch(/the device checks hash and signature/);
    expect(out, t).toMatch(/booting the new model on trial/);
    // the trial boot report names the model, then the CLI confirms it
    expect(out, t).toMatch(/\| slot: A TRIAL at 0x08010000\n[^]*\| model: sinemodel 1\.0\.0\n[^]*the device reports sinemodel 1\.0\.0: confirming/);
    expect(out, t).toMatch(/\| selftest: pass 8\/8/);
    expect(out, t).toMatch(/\| slot: A CONFIRMED at 0x08010000/);
    expect(out, t).toMatch(/pushed sinemodel 1\.0\.0 to slot A of device 4D4F5441E2E0000000000001/);
    expect(out, t).toMatch(/the device reports sinemodel 1\.0\.0 \(slot A, CONFIRMED\)\n$/);

    const i = await deviceInfo(device.port);
    expect(i.mode).toBe('app');
    expect(i.downgradeGuard).toBe(true); // the app reports the bootloader's guard (hand-off slot_states byte 3)
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'EMPTY']);
    device.assertHealthy();
  });

  it('installs_the_next_version_into_slot_b_and_keeps_the_first_one_confirmed_in_slot_a', async () => {
    const r = expectExit(await mota(['push', v110, '--port', device.port, '--json']), 0);
    const j = JSON.parse(r.stdout) as {
      slot: string; confirmed: boolean; resumedFrom: number[]; bootReport: { model?: { name: string; version: string }; slot?: { slot: string; state: string } } | null;
      device: { running: unknown };
    };
    expect(j.slot, transcript(r)).toBe('B');
    expect(j.confirmed).toBe(true);
    expect(j.resumedFrom).toEqual([]);
    expect(j.bootReport?.model).toEqual({ name: 'sinemodel', version: '1.1.0' });
    expect(j.bootReport?.slot).toMatchObject({ slot: 'B', state: 'CONFIRMED' });
    expect(j.device.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });

    const i = await deviceInfo(device.port);
    expect(i.mode).toBe('app');
    expect(i.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active running']);
    device.assertHealthy();
  });

  it('the_human_readable_info_shows_both_slots_and_which_one_runs', async () => {
    const r = expectExit(await mota(['info', '--port', device.port]), 0);
    expect(r.stdout, transcript(r)).toMatch(/running: sinemodel 1\.1\.0 from slot B \(CONFIRMED\)/);
    expect(r.stdout).toMatch(/slot A {2}CONFIRMED {2}sinemodel 1\.0\.0\n/);
    expect(r.stdout).toMatch(/slot B {2}CONFIRMED {2}sinemodel 1\.1\.0 {2}\(active, running\)/);
  });

  it('refuses_to_push_an_older_version_without_allow_downgrade', async () => {
    const r = expectExit(await mota(['push', v100, '--port', device.port]), 6);
    expect(r.stderr, transcript(r)).toMatch(/\[DEVICE_DOWNGRADE\]: .*sinemodel 1\.0\.0 is older than what the device runs/);
    expect(r.stdout, transcript(r)).not.toMatch(/uploading into slot/);
    // the device refused at BEGIN (SPEC §5.5 step 1): no session, both slots as they were
    const i = await deviceInfo(device.port);
    expect(i.uploadSessionOpen).toBe(false);
    expect([slotSummary(i, 'A'), slotSummary(i, 'B').replace(/ running$/, '')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active']);
    const back = expectExit(await mota(['reboot', '--port', device.port]), 0);
    expect(back.stdout, transcript(back)).toMatch(/rebooted: runs sinemodel 1\.1\.0 \(slot B, CONFIRMED\)/);
  });

  it('rollback_returns_to_the_previous_version_and_the_device_reports_it', async () => {
    const r = expectExit(await mota(['rollback', '--port', device.port]), 0);
    expect(r.stdout, transcript(r)).toMatch(/\| model: sinemodel 1\.0\.0\n/);
    expect(r.stdout).toMatch(/rolled back: sinemodel 1\.1\.0 \(slot B\) -> sinemodel 1\.0\.0 \(slot A, CONFIRMED\); verified: the device reports sinemodel 1\.0\.0/);

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    // SPEC §5.8: the slot left stays CONFIRMED, so a second ROLLBACK can return to it
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'CONFIRMED sinemodel 1.1.0']);
  });

  it('a_second_rollback_returns_to_the_model_the_first_one_left', async () => {
    const r = expectExit(await mota(['rollback', '--port', device.port, '--json']), 0);
    const j = JSON.parse(r.stdout) as { from: unknown; to: unknown };
    expect(j.from, transcript(r)).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    expect(j.to).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });

    const i = await deviceInfo(device.port);
    expect(i.running).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active running']);
    device.assertHealthy();
  });

  it('mota_devices_finds_the_running_virtual_board_and_lists_its_slots', async () => {
    const registry = mkdtempSync(path.join(tmpdir(), 'mota-e2e-ports-'));
    const env = { MOTA_VIRTUAL_PORTS_DIR: registry };
    const before = expectExit(await mota(['devices', '--json'], { env }), 0);
    // other serial ports of this machine may be listed too: look only for the virtual board's
    expect((JSON.parse(before.stdout) as InfoJson[]).map((d) => d.port), transcript(before)).not.toContain(device.port);
    process.env['MOTA_VIRTUAL_PORTS_DIR'] = registry;
    const withdraw = announceVirtualPort({ path: device.port, board: 'STM32F103RC', uid: '4D4F5441E2E0000000000001' });
    delete process.env['MOTA_VIRTUAL_PORTS_DIR'];
    try {
      const r = expectExit(await mota(['devices', '--json'], { env }), 0);
      const found = (JSON.parse(r.stdout) as InfoJson[]).filter((d) => d.port === device.port);
      expect(found.map((d) => d.uid), transcript(r)).toEqual(['4D4F5441E2E0000000000001']);
      expect([slotSummary(found[0]!, 'A'), slotSummary(found[0]!, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0', 'CONFIRMED sinemodel 1.1.0 active running']);
      const text = expectExit(await mota(['devices'], { env }), 0);
      expect(text.stdout, transcript(text)).toMatch(/STM32F103RC  unique ID 4D4F5441E2E0000000000001  app running\n[^]*slot B  sinemodel 1\.1\.0 \(CONFIRMED, active, running\)/);
    } finally {
      withdraw();
      rmSync(registry, { recursive: true, force: true });
    }
    device.assertHealthy();
  });
});
