import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isMotaError } from '../../common/errors.ts';
import { buildPackage } from '../package/build.ts';
import { generateSigningKey, loadPrivateKey } from '../package/keys.ts';
import { Client } from './client.ts';
import { confirm, info, push, reboot, rollback, runningModel, slotView, type PushEvent } from './device.ts';
import { FakeDevice, faultyPipe, type FakeDeviceOptions } from './fake-device.ts';
import { Link } from './link.ts';
import { memoryPipe } from './transport.ts';

const signer = generateSigningKey();
const stranger = generateSigningKey();
const tflite = readFileSync(fileURLToPath(new URL('../vectors/payloads/hello_world_2488.tflite', import.meta.url)));

function pkg(version: string, opts: { size?: number; key?: typeof signer; name?: string } = {}): Uint8Array {
  let payload: Uint8Array = tflite;
  if (opts.size) {
    const big = Buffer.alloc(opts.size);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 8)) & 0xff;
    big.write('TFL3', 4, 'latin1');
    payload = big;
  }
  return buildPackage({
    name: opts.name ?? 'sinemodel', version, payload, privateKey: loadPrivateKey((opts.key ?? signer).privateKeyPem), created: 1_700_000_000,
  });
}

/** Deterministic PRNG so a failing run can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const fast = { timing: { T_REPLY: 150, T_DATA: 80, T_BEGIN: 300, T_END: 500 }, bootTimeoutMs: 500 };
const started: FakeDevice[] = [];
const links: Link[] = [];

async function board(options: Partial<FakeDeviceOptions> = {}, wire: [import('node:stream').Duplex, import('node:stream').Duplex] = memoryPipe()) {
  const device = new FakeDevice({ trustedKeys: [signer.trusted], installed: pkg('1.0.0'), ...options });
  started.push(device);
  device.attach(wire[1]);
  device.powerOn();
  const link = Link.fromStream(wire[0], { name: 'fake0' });
  links.push(link);
  await new Promise((r) => setTimeout(r, 60)); // past the listen window: the app runs
  return { device, link };
}

afterEach(async () => {
  for (const d of started.splice(0)) d.stop();
  for (const l of links.splice(0)) await l.close();
});

describe('info', () => {
  it('reads the running app: board, unique ID, both slots', async () => {
    const { link } = await board();
    const i = await info(link, fast);
    expect(i.mode).toBe(2);
    expect(i.uid).toBe('3F00CA01A5A5000112345678');
    expect(runningModel(i)).toEqual({ slot: 'A', state: 'CONFIRMED', name: 'sinemodel', version: '1.0.0' });
    expect(slotView(i, 1)).toEqual({ slot: 'B', state: 'EMPTY', name: '', version: '0.0.0' });
  });
});

describe('push', () => {
  it('installs, trial-boots, checks the reported version and confirms a new model', async () => {
    const { device, link } = await board();
    const events: PushEvent['phase'][] = [];
    const r = await push(link, pkg('1.1.0'), { ...fast, onProgress: (e) => events.push(e.phase) });
    expect(r).toMatchObject({ name: 'sinemodel', version: '1.1.0', slot: 'B', confirmed: true, startedAt: [0], retransmittedBytes: 0 });
    expect(runningModel(r.device)).toEqual({ slot: 'B', state: 'CONFIRMED', name: 'sinemodel', version: '1.1.0' });
    expect(slotView(r.device, 0)?.state).toBe('CONFIRMED'); // the previous model stays for rollback
    expect(r.lines).toContain('model: sinemodel 1.1.0');
    expect(r.bootReport).toMatchObject({ model: { name: 'sinemodel', version: '1.1.0' }, slot: { slot: 'B', state: 'CONFIRMED' }, selftest: { result: 'pass' } });
    expect(new Set(events)).toEqual(new Set(['enter', 'begin', 'upload', 'end', 'boot', 'confirm']));
    expect(device.journal.active).toBe(1);
  });

  it('leaves the new model on trial with confirm: false, so a reset reverts it', async () => {
    const { device, link } = await board();
    const r = await push(link, pkg('1.1.0'), { ...fast, confirm: false });
    expect(r.confirmed).toBe(false);
    expect(runningModel(r.device)?.state).toBe('TRIAL');
    device.reset('NONE');
    await new Promise((res) => setTimeout(res, 80));
    const after = await info(link, fast);
    expect(runningModel(after)).toMatchObject({ slot: 'A', version: '1.0.0' });
    expect(slotView(after, 1)?.state).toBe('REJECTED');
  });

  it('reports MISMATCH_REVERTED when the trial model fails its self-test and the device reverts', async () => {
    const { link } = await board({ selftestPasses: (_n, v) => v !== '1.1.0', selftestMs: 1 });
    const e = await push(link, pkg('1.1.0'), fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'MISMATCH_REVERTED')).toBe(true);
    expect((e as Error).message).toMatch(/runs sinemodel 1\.0\.0 \(slot A, CONFIRMED\), not sinemodel 1\.1\.0 — the new model failed its trial \(self-test FAIL 7\/8/);
  });

  it('says the app does not answer, quoting its boot report, when the app serves no protocol', async () => {
    const { device, link } = await board({ appServesProtocol: false, installed: undefined });
    device.reset('STAY'); // as after a reset caught in the listen window: the bootloader serves
    await new Promise((r) => setTimeout(r, 20));
    const e = await push(link, pkg('1.1.0'), fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'LINK_TIMEOUT_APP')).toBe(true);
    expect((e as Error).message).toMatch(/its report says sinemodel 1\.1\.0 from slot A \(TRIAL\).*does not answer INFO/);
  });

  it('streams a 64 KiB package with several frames in flight', async () => {
    const { device, link } = await board();
    let maxInFlight = 0;
    const client = new Client(link);
    let sent = 0;
    let acked = 0;
    client.on('reply', (f) => {
      if (f.type === 0x84) acked++;
    });
    const orig = link.write.bind(link);
    link.write = (b: Uint8Array) => {
      if (b[1] === 0x04) sent++;
      maxInFlight = Math.max(maxInFlight, sent - acked);
      return orig(b);
    };
    const r = await push(link, pkg('2.0.0', { size: 64 * 1024 }), fast);
    client.dispose();
    expect(r.sentBytes).toBe(pkg('2.0.0', { size: 64 * 1024 }).length);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(device.stats.dataIgnored).toBe(0);
  });

  it('keeps waiting without resending while a slow device acknowledges frame after frame', async () => {
    // each frame takes 60 ms on the device: with 4 in flight the last answer comes 240 ms
    // after its frame was sent, longer than T_DATA (80 ms), but progress never stops
    const { device, link } = await board({ dataDelayMs: 60 });
    const statusBefore = device.stats.requests;
    const r = await push(link, pkg('1.6.0', { size: 12_000 }), fast);
    expect(r.retransmittedBytes).toBe(0);
    expect(device.stats.dataIgnored).toBe(0);
    expect(device.stats.requests - statusBefore).toBeLessThan(30);
  });

  it('completes over a wire that loses, duplicates, reorders and corrupts frames', async () => {
    for (const seed of [1, 2, 3]) {
      const wire = faultyPipe({ drop: 0.08, duplicate: 0.05, reorder: 0.05, corrupt: 0.03, random: rng(seed) });
      const { device, link } = await board({}, wire);
      const r = await push(link, pkg('1.2.0', { size: 20_000 }), fast);
      expect(runningModel(r.device)).toMatchObject({ version: '1.2.0', state: 'CONFIRMED' });
      expect(wire.faults.dropped + wire.faults.duplicated + wire.faults.reordered + wire.faults.corrupted).toBeGreaterThan(3);
      expect(r.retransmittedBytes).toBeGreaterThan(0);
      device.stop();
    }
  });

  it('resumes from the device\'s next offset when the device resets mid-upload', async () => {
    const { device, link } = await board();
    let resetDone = false;
    const r = await push(link, pkg('1.3.0', { size: 40_000 }), {
      ...fast,
      onProgress: (e) => {
        if (e.phase === 'upload' && e.acked > 20_000 && !resetDone) {
          resetDone = true;
          device.reset('NONE'); // a power cut: the app boots again, the upload session is gone
        }
      },
    });
    expect(r.startedAt).toHaveLength(2);
    expect(r.startedAt[1]).toBeGreaterThan(16_000);
    expect(r.startedAt[1]! % device.pageSize).toBe(0);
    expect(device.stats.resumes).toBe(1);
    expect(runningModel(r.device)).toMatchObject({ version: '1.3.0', state: 'CONFIRMED' });
  });

  it('says LINK_LOST with a resume hint when the link drops, and the next push resumes', async () => {
    const wire = memoryPipe();
    const { device, link } = await board({}, wire);
    const p = pkg('1.4.0', { size: 40_000 });
    let dropped = false;
    const e = await push(link, p, {
      ...fast,
      onProgress: (ev) => {
        if (ev.phase === 'upload' && ev.acked > 20_000 && !dropped) {
          dropped = true;
          wire[1].end(); // cable pulled
          device.detach();
        }
      },
    }).catch((x: unknown) => x);
    expect(isMotaError(e, 'LINK_LOST')).toBe(true);
    expect((e as { hint?: string }).hint).toMatch(/resumes/);
    // plug it back in: a new wire to the same device
    const wire2 = memoryPipe();
    device.attach(wire2[1]);
    const link2 = Link.fromStream(wire2[0], { name: 'fake0' });
    links.push(link2);
    const r = await push(link2, p, fast);
    expect(r.startedAt[0]).toBeGreaterThan(16_000);
    expect(r.sentBytes).toBeLessThan(p.length - 16_000);
    expect(runningModel(r.device)).toMatchObject({ version: '1.4.0', state: 'CONFIRMED' });
  });

  it('reconnects by itself and resumes when given a reconnect function', async () => {
    const wire = memoryPipe();
    const { device, link } = await board({}, wire);
    let dropped = false;
    const r = await push(link, pkg('1.5.0', { size: 30_000 }), {
      ...fast,
      onProgress: (ev) => {
        if (ev.phase === 'upload' && ev.acked > 10_000 && !dropped) {
          dropped = true;
          wire[1].end();
          device.detach();
        }
      },
      reconnect: async () => {
        const w = memoryPipe();
        device.attach(w[1]);
        const l = Link.fromStream(w[0], { name: 'fake0' });
        links.push(l);
        return l;
      },
    });
    expect(r.startedAt.length).toBe(2);
    expect(r.startedAt[1]).toBeGreaterThan(0);
    expect(r.link).not.toBe(link);
    expect(runningModel(r.device)).toMatchObject({ version: '1.5.0' });
  });

  it('is refused by the device for an untrusted key, and the old model keeps running', async () => {
    const { link } = await board();
    const e = await push(link, pkg('1.1.0', { key: stranger }), fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'DEVICE_PKG_UNKNOWN_KEY')).toBe(true);
    // push sent the device back to its model: no reboot needed
    const now = await info(link, fast);
    expect(now.mode).toBe(2);
    expect(runningModel(now)).toMatchObject({ slot: 'A', version: '1.0.0', state: 'CONFIRMED' });
  });

  it('is refused as a downgrade unless allowed', async () => {
    const { link } = await board({ installed: pkg('2.0.0') });
    const e = await push(link, pkg('1.0.0'), fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'DEVICE_DOWNGRADE')).toBe(true);
    expect((e as { hint?: string }).hint).toContain('--allow-downgrade');
    const r = await push(link, pkg('1.0.0'), { ...fast, allowDowngrade: true });
    expect(runningModel(r.device)).toMatchObject({ version: '1.0.0', state: 'CONFIRMED' });
  });

  it('refuses a package larger than the slot before sending any data', async () => {
    const { device, link } = await board({ slotSize: 13 * 1024, pageSize: 1024 });
    const e = await push(link, pkg('1.1.0', { size: 20_000 }), fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'DEVICE_PKG_TOO_LARGE')).toBe(true);
    expect(device.stats.begins).toBe(0);
    expect((await info(link, fast)).mode).toBe(2); // back in the app, running its model
  });
});

describe('rollback, confirm, reboot', () => {
  it('rolls back to the previous confirmed model, and again to the newer one', async () => {
    const { link } = await board();
    await push(link, pkg('1.1.0'), fast);
    const r = await rollback(link, fast);
    expect(runningModel(r.after)).toMatchObject({ slot: 'A', version: '1.0.0' });
    const again = await rollback(link, fast);
    expect(runningModel(again.after)).toMatchObject({ slot: 'B', version: '1.1.0' });
  });

  it('rejects a model on trial and returns to the active one', async () => {
    const { link } = await board();
    await push(link, pkg('1.1.0'), { ...fast, confirm: false });
    const r = await rollback(link, fast);
    expect(runningModel(r.after)).toMatchObject({ slot: 'A', version: '1.0.0' });
    expect(slotView(r.after, 1)?.state).toBe('REJECTED');
  });

  it('says there is nothing to roll back to on a device with one model', async () => {
    const { link } = await board();
    const e = await rollback(link, fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'DEVICE_NOTHING_TO_ROLL_BACK')).toBe(true);
  });

  it('confirms a model left on trial', async () => {
    const { link } = await board();
    await push(link, pkg('1.1.0'), { ...fast, confirm: false });
    const r = await confirm(link, fast);
    expect(runningModel(r.after)).toMatchObject({ slot: 'B', version: '1.1.0', state: 'CONFIRMED' });
    const e = await confirm(link, fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'DEVICE_NOTHING_TO_CONFIRM')).toBe(true);
  });

  it('reboots into the app and collects its report', async () => {
    const { link } = await board();
    const r = await reboot(link, fast);
    expect(r.lines[0]).toBe('mota-app: 0.1.0');
    expect(r.lines.at(-1)).toBe('ready: sine 64 steps, frame every 20000 us');
    expect(r.bootReport).toMatchObject({ model: { name: 'sinemodel', version: '1.0.0' }, slot: { slot: 'A', state: 'CONFIRMED', address: 0x08010000 } });
    expect(r.after.resetCount).toBe(r.before.resetCount + 1);
  });

  it('times out with LINK_TIMEOUT when nothing answers', async () => {
    const [host] = memoryPipe();
    const link = Link.fromStream(host, { name: '/dev/ttyUSB0' });
    links.push(link);
    const e = await info(link, fast).catch((x: unknown) => x);
    expect(isMotaError(e, 'LINK_TIMEOUT')).toBe(true);
    expect((e as Error).message).toContain('/dev/ttyUSB0');
  });
});
