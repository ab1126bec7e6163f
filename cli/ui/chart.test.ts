import { describe, expect, it } from 'vitest';
import { BOTH_GLYPH, LiveChart, PRED_GLYPH, REF_GLYPH, renderChart, type Sample } from './chart.ts';

const sine = (n: number, offset = 0): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ yRef: Math.sin((i / n) * 2 * Math.PI), yPred: Math.sin((i / n) * 2 * Math.PI) + offset }));

describe('renderChart', () => {
  it('draws one glyph per column for each curve, overlapping ones as both', () => {
    const lines = renderChart(sine(40), { width: 40, height: 11 });
    expect(lines).toHaveLength(12);
    const plot = lines.slice(0, 11).map((l) => l.slice(7));
    for (let c = 0; c < 40; c++) {
      const column = plot.map((row) => row[c]);
      expect(column.filter((ch) => ch === BOTH_GLYPH)).toHaveLength(1);
    }
    expect(lines.at(-1)).toContain('y_ref');
  });

  it('puts a peak at the top row and a trough at the bottom row', () => {
    const lines = renderChart([{ yRef: 1.25, yPred: -1.25 }], { width: 8, height: 5 });
    expect(lines[0]!.slice(7, 8)).toBe(REF_GLYPH);
    expect(lines[4]!.slice(7, 8)).toBe(PRED_GLYPH);
    expect(lines[0]!.startsWith(' 1.25 ┤')).toBe(true);
    expect(lines[4]!.startsWith('-1.25 ┤')).toBe(true);
    expect(lines[2]!.startsWith(' 0.00 ┤')).toBe(true);
  });

  it('widens the range for values beyond ±1.25 instead of clipping them', () => {
    const lines = renderChart([{ yRef: 0, yPred: 3 }], { width: 8, height: 5 });
    expect(lines[0]!.startsWith(' 3.00 ┤')).toBe(true);
    expect(lines[0]!.slice(7, 8)).toBe(PRED_GLYPH);
  });

  it('shows only the latest `width` samples, oldest on the left', () => {
    const samples: Sample[] = [...Array.from({ length: 10 }, () => ({ yRef: 1.25, yPred: 1.25 })), { yRef: -1.25, yPred: -1.25 }];
    const lines = renderChart(samples, { width: 8, height: 5 });
    expect(lines[0]!.slice(7)).toBe(BOTH_GLYPH.repeat(7) + ' ');
    expect(lines[4]!.slice(7)).toBe(' '.repeat(7) + BOTH_GLYPH);
  });

  it('adds ANSI colours only when asked', () => {
    expect(renderChart(sine(8), { width: 8, height: 4 }).join('')).not.toContain('\x1b[');
    expect(renderChart(sine(8), { width: 8, height: 4, color: true }).join('')).toContain('\x1b[32m');
  });

  it('rejects a chart too small to read, naming the option', () => {
    expect(() => renderChart([], { width: 2, height: 5 })).toThrow(/"width"/);
    expect(() => renderChart([], { width: 20, height: 1 })).toThrow(/"height"/);
  });
});

describe('LiveChart', () => {
  it('repaints in place and scrolls text lines above the chart', () => {
    const writes: string[] = [];
    const chart = new LiveChart({ out: { write: (s: string) => writes.push(s) }, width: 10, height: 4, color: false, frameIntervalMs: 0 });
    chart.add({ yRef: 0, yPred: 0 });
    expect(writes).toHaveLength(1); // first frame: 4 rows + legend
    chart.log('model sinemodel 1.1.0');
    // erase the 5 painted lines, print the text, paint again
    expect(writes.slice(1, 4)).toEqual(['\x1b[5A\r\x1b[J', 'model sinemodel 1.1.0\n', expect.stringContaining('y_pred')]);
    chart.close();
  });
});
