import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format.ts';
import { ProgressBar } from './progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 100, write: (s: string) => chunks.push(s) }, chunks };
}

describe('ProgressBar', () => {
  it('prints a plain line every few seconds when stdout is not a terminal', () => {
    const { out, chunks } = sink(false);
    let t = 0;
    const bar = new ProgressBar({ total: 65536, label: 'push', out, now: () => t, lineIntervalMs: 2000 });
    for (let i = 1; i <= 64; i++) {
      t = i * 100; // 1 KiB every 100 ms: 10 KiB/s
      bar.update(i * 1024);
    }
    bar.finish('done');
    // at 100 ms, then every 2 s up to 6.4 s, then the final line
    expect(chunks.length).toBe(1 + 3 + 1 + 1);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\x1b'))).toBe(true);
    expect(chunks[2]).toBe('push  64%  41.0 KiB/64.0 KiB  10.0 KiB/s  ETA 0:02\n');
    expect(chunks[4]).toBe('push 100%  64.0 KiB in 0:06, 10.0 KiB/s\n');
    expect(chunks[5]).toBe('done\n');
  });

  it('redraws one line in place on a terminal, at most every redraw interval', () => {
    const { out, chunks } = sink(true);
    let t = 0;
    const bar = new ProgressBar({ total: 1000, label: 'push', out, now: () => t, redrawIntervalMs: 100 });
    for (let i = 1; i <= 100; i++) {
      t = i * 10;
      bar.update(i * 10);
    }
    bar.finish();
    expect(chunks.every((c) => c.startsWith('\r\x1b[2K') || c === '\n')).toBe(true);
    expect(chunks.length).toBe(10 + 1 + 1);
    expect(chunks.at(-2)).toContain('100%');
    expect(chunks.at(-2)).toContain('█'.repeat(10));
  });

  it('estimates the rate over the last seconds, so a stall shows as a falling rate and unknown ETA', () => {
    const { out } = sink(false);
    let t = 0;
    const bar = new ProgressBar({ total: 100_000, out, now: () => t });
    for (let i = 1; i <= 10; i++) {
      t = i * 1000;
      bar.update(i * 5000);
    }
    expect(bar.state().rate).toBeCloseTo(5000, 5);
    expect(bar.state().etaSeconds).toBeCloseTo(10, 5);
    t = 20_000;
    bar.update(50_000); // nothing new for 10 s
    t = 25_000;
    bar.update(50_000);
    expect(bar.state().rate).toBe(0);
    expect(bar.state().etaSeconds).toBe(Infinity);
    expect(bar.render()).toContain('ETA --:--');
  });

  it('does not count the bytes a resumed upload starts with in its rate', () => {
    const { out, chunks } = sink(false);
    let t = 0;
    const bar = new ProgressBar({ total: 60_000, initial: 26_624, out, now: () => t });
    t = 1000;
    bar.update(26_624 + 10_240);
    expect(bar.state().rate).toBeCloseTo(10_240, 5);
    t = 2000;
    bar.finish();
    expect(chunks.at(-1)).toBe('upload  61%  10.0 KiB in 0:02, 5.0 KiB/s\n');
  });

  it('accepts progress going back after a resume', () => {
    const { out } = sink(false);
    const bar = new ProgressBar({ total: 1000, out, now: () => 0 });
    bar.update(800);
    bar.update(512);
    expect(bar.state().done).toBe(512);
  });

  it('rejects a bad total, naming the option', () => {
    expect(() => new ProgressBar({ total: -1 })).toThrow(/"total"/);
  });
});

describe('format', () => {
  it('formats sizes and durations for people', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(2488)).toBe('2.4 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(Infinity)).toBe('--:--');
  });
});
