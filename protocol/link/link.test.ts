import { describe, expect, it } from 'vitest';
import { isMotaError } from '../../common/errors.ts';
import type { TextUnit } from './demux.ts';
import { Link } from './link.ts';
import { memoryPipe } from './transport.ts';

const isText = (u: { kind: string }): u is TextUnit => u.kind === 'text';

describe('Link', () => {
  it('emits the units the device sends, typed', async () => {
    const [host, device] = memoryPipe();
    const link = Link.fromStream(host);
    const plots: number[] = [];
    link.on('plot', (p) => plots.push(p.yPred));
    const line = link.waitFor((u): u is TextUnit => isText(u) && u.text.startsWith('model'), 1000, 'the report');
    device.write(Buffer.from([0x7e, 0x08, 0xe8, 0x03, 0xd0, 0x07, 0, 0, 0, 0, 0x7f]));
    device.write('model sinemodel 1.0.0\n');
    expect((await line).text).toBe('model sinemodel 1.0.0');
    expect(plots).toEqual([1]);
    await link.close();
  });

  it('carries written bytes to the device', async () => {
    const [host, device] = memoryPipe();
    const link = Link.fromStream(host);
    const got = new Promise<Buffer>((r) => device.once('data', r));
    await link.write(Buffer.from([0xa5, 1, 2]));
    expect(await got).toEqual(Buffer.from([0xa5, 1, 2]));
    await link.close();
  });

  it('times out with LINK_TIMEOUT naming what it waited for when the device stays silent', async () => {
    const [host] = memoryPipe();
    const link = Link.fromStream(host, { name: '/dev/ttyUSB0' });
    const e = await link.waitFor(isText, 30, 'the boot report').catch((x: unknown) => x);
    expect(isMotaError(e, 'LINK_TIMEOUT')).toBe(true);
    expect((e as Error).message).toContain('/dev/ttyUSB0');
    expect((e as Error).message).toContain('the boot report');
    await link.close();
  });

  it('reports LINK_LOST to waiters and writers when the device side goes away', async () => {
    const [host, device] = memoryPipe();
    const link = Link.fromStream(host);
    const lost = new Promise((r) => link.once('lost', r));
    const waiting = link.waitFor(isText, 5000, 'anything').catch((x: unknown) => x);
    device.end();
    await lost;
    expect(isMotaError(await waiting, 'LINK_LOST')).toBe(true);
    expect(isMotaError(await link.write(Buffer.from([1])).catch((x: unknown) => x), 'LINK_LOST')).toBe(true);
    expect(link.isLost).toBe(true);
    await link.close();
  });

  it('does not call its own close() a lost link', async () => {
    const [host] = memoryPipe();
    const link = Link.fromStream(host);
    let lost = false;
    link.on('lost', () => (lost = true));
    await link.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(lost).toBe(false);
  });
});
