/**
 * Issue #6 "Done means": a package signed by a key the device does not trust is refused
 * before upload (exit 4), and again by the device itself when the host is told to trust
 * that key (exit 6, PKG_UNKNOWN_KEY at BEGIN, SPEC §5.5 step 1); the old model keeps running.
 * A broken signature under a trusted key id is refused by the host (exit 4) and, sent with the
 * link library, by the device at END (PKG_SIG_INVALID).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceInfo, expectExit, mota, slotSummary, transcript } from './cli.ts';
import { MotaError } from '../../common/errors.ts';
import { Link, push, Timing } from '../../protocol/link/index.ts';
import { packageModel, SINE_MODEL, writeSineWithBrokenSignature } from './packages.ts';
import { ensureFirmware, VirtualDevice } from './virtual-device.ts';

describe('a package signed by an unknown key, pushed to a virtual STM32F103RC', () => {
  let dir: string;
  let device: VirtualDevice;
  let rogue: string;
  let rogueKeyId: string;

  beforeAll(async () => {
    ensureFirmware();
    dir = mkdtempSync(path.join(tmpdir(), 'mota-e2e-key-'));
    const keygen = expectExit(await mota(['keygen', '--out', path.join(dir, 'rogue')]), 0);
    const v100 = await packageModel(SINE_MODEL('1.0.0'), 'sinemodel', '1.0.0', dir);
    rogue = await packageModel(SINE_MODEL('1.1.0'), 'sinemodel', '1.1.0', dir, [], path.join(dir, 'rogue.key'));
    const inspect = expectExit(await mota(['inspect', rogue]), 0);
    rogueKeyId = /key id:\s+([0-9a-f]{8})/.exec(inspect.stdout)?.[1] ?? '';
    expect(rogueKeyId, transcript(keygen) + transcript(inspect)).toMatch(/^[0-9a-f]{8}$/);
    expect(rogueKeyId).not.toBe('4507eedf'); // not the development key the bootloader embeds
    device = await VirtualDevice.start({ flashFile: path.join(dir, 'device.flash'), uid: '4d4f5441e2e0000000000005', factoryPackage: readFileSync(v100) });
  });

  afterAll(async () => {
    await device?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is_refused_by_the_host_before_upload_and_the_old_model_keeps_running', async () => {
    const before = await deviceInfo(device.port);
    expect(before.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    const mark = device.textMark();

    const r = expectExit(await mota(['push', rogue, '--port', device.port]), 4);
    expect(r.stderr, transcript(r)).toMatch(/PKG_UNKNOWN_KEY/);
    expect(r.stderr, transcript(r)).toContain(rogueKeyId);
    expect(r.stdout, transcript(r)).not.toMatch(/uploading/);

    // nothing reached the device: no reset, no boot report, the same model in the same states
    expect(device.textSince(mark), device.describe()).toBe('');
    const after = await deviceInfo(device.port);
    expect(after.resetCount).toBe(before.resetCount);
    expect(after.mode).toBe('app');
    expect([slotSummary(after, 'A'), slotSummary(after, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'EMPTY']);
    device.assertHealthy();
  });

  it('is_refused_by_the_device_itself_when_the_host_trusts_the_key', async () => {
    const r = expectExit(await mota(['push', rogue, '--port', device.port, '--pub', path.join(dir, 'rogue.pub')]), 6);
    expect(r.stdout, transcript(r)).toMatch(/signature valid \(key [0-9a-f]{8}, .*rogue\.pub\)/);
    expect(r.stderr, transcript(r)).toMatch(/PKG_UNKNOWN_KEY/);
    expect(r.stdout, transcript(r)).not.toMatch(/uploading into slot/);

    // the refusal came at BEGIN: slot B was never written or opened, slot A is untouched
    const i = await deviceInfo(device.port);
    expect([slotSummary(i, 'A'), slotSummary(i, 'B')].map((s) => s.replace(/ running$/, ''))).toEqual(['CONFIRMED sinemodel 1.0.0 active', 'EMPTY']);
    expect(i.uploadSessionOpen).toBe(false);
    expect(i.running).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    if (i.mode !== 'app') {
      // the push left the device in its bootloader (it idles there for T_IDLE, SPEC §5.9); a reboot runs the old model
      const b = expectExit(await mota(['reboot', '--port', device.port]), 0);
      expect(b.stdout, transcript(b)).toMatch(/rebooted: runs sinemodel 1\.0\.0 \(slot A, CONFIRMED\)/);
    }
    const now = await deviceInfo(device.port);
    expect(now.mode).toBe('app');
    expect([slotSummary(now, 'A'), slotSummary(now, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active running', 'EMPTY']);
    device.assertHealthy();
  });

  it('a_broken_signature_is_refused_by_the_host_and_by_the_device_after_upload', async () => {
    const broken = path.join(dir, 'sinemodel-1.1.0-broken-signature.mota');
    const bytes = writeSineWithBrokenSignature(broken, '1.1.0');
    const r = expectExit(await mota(['push', broken, '--port', device.port]), 4);
    expect(r.stderr, transcript(r)).toMatch(/PKG_SIG_INVALID/);

    // past the host check with the link library the CLI is built on: the device checks the
    // signature over the bytes in flash at END (SPEC §5.5 step 4) and refuses to mark the slot PENDING
    const timing = Object.fromEntries(Object.entries(Timing).map(([k, v]) => [k, v * 2])) as typeof Timing;
    const link = await Link.open(device.port, { baudRate: 115200 });
    let refusal: unknown;
    try {
      await push(link, bytes, { timing, bootTimeoutMs: 20_000 });
    } catch (e) {
      refusal = e;
    } finally {
      await link.close();
    }
    expect(refusal).toBeInstanceOf(MotaError);
    expect((refusal as MotaError).code, String(refusal)).toBe('DEVICE_PKG_SIG_INVALID');

    const i = await deviceInfo(device.port);
    expect([slotSummary(i, 'A').replace(/ running$/, ''), slotSummary(i, 'B')]).toEqual(['CONFIRMED sinemodel 1.0.0 active', 'EMPTY']);
    const b = expectExit(await mota(['reboot', '--port', device.port]), 0);
    expect(b.stdout, transcript(b)).toMatch(/rebooted: runs sinemodel 1\.0\.0 \(slot A, CONFIRMED\)/);
    device.assertHealthy();
  });
});
