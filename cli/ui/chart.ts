/**
 * A live terminal chart of two curves (y_ref and y_pred) with plain ANSI escapes.
 * `renderChart` is a pure function from samples to lines; `LiveChart` keeps a rolling
 * window, repaints in place at a bounded rate, and lets text lines scroll above it.
 */

export interface ChartOptions {
  width: number;
  height: number;
  /** ANSI colours; off for plain text (tests, dumb terminals). */
  color?: boolean;
  /** Fixed y range; by default [-1.25, 1.25], widened to fit the samples. */
  yMin?: number;
  yMax?: number;
}

export interface Sample {
  yRef: number;
  yPred: number;
}

export const REF_GLYPH = '•';
export const PRED_GLYPH = '×';
export const BOTH_GLYPH = '◆';

const GREEN = '\x1b[32m';
const MAGENTA = '\x1b[35m';
const YELLOW = '\x1b[33m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

const LABEL_WIDTH = 7;

/** Lines of a chart of the last `width` samples (oldest left), plus a legend line. */
export function renderChart(samples: readonly Sample[], options: ChartOptions): string[] {
  const { width, height, color = false } = options;
  if (!Number.isInteger(width) || width < 8) throw new TypeError(`"width" must be an integer ≥ 8, got ${String(width)}`);
  if (!Number.isInteger(height) || height < 3) throw new TypeError(`"height" must be an integer ≥ 3, got ${String(height)}`);
  const shown = samples.slice(-width);
  let yMin = options.yMin ?? -1.25;
  let yMax = options.yMax ?? 1.25;
  if (options.yMin === undefined || options.yMax === undefined) {
    for (const s of shown) {
      for (const v of [s.yRef, s.yPred]) {
        if (!Number.isFinite(v)) continue;
        if (options.yMin === undefined && v < yMin) yMin = v;
        if (options.yMax === undefined && v > yMax) yMax = v;
      }
    }
  }
  const rowOf = (v: number): number => {
    const r = Math.round(((yMax - v) / (yMax - yMin)) * (height - 1));
    return Math.max(0, Math.min(height - 1, r));
  };
  // grid[row][col]: 0 empty, 1 ref, 2 pred, 3 both
  const grid = Array.from({ length: height }, () => new Uint8Array(width));
  shown.forEach((s, col) => {
    if (Number.isFinite(s.yRef)) grid[rowOf(s.yRef)]![col]! |= 1;
    if (Number.isFinite(s.yPred)) grid[rowOf(s.yPred)]![col]! |= 2;
  });
  const zeroRow = yMin < 0 && yMax > 0 ? rowOf(0) : -1;
  const paint = (text: string, code: string) => (color ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    const label = r === 0 ? yMax : r === height - 1 ? yMin : r === zeroRow ? 0 : undefined;
    const axis = label === undefined ? ' '.repeat(LABEL_WIDTH - 1) + '│' : `${label.toFixed(Math.abs(label) >= 10 ? 0 : 2).padStart(LABEL_WIDTH - 2)} ┤`;
    let row = '';
    for (let c = 0; c < width; c++) {
      const cell = grid[r]![c]!;
      if (cell === 1) row += paint(REF_GLYPH, GREEN);
      else if (cell === 2) row += paint(PRED_GLYPH, MAGENTA);
      else if (cell === 3) row += paint(BOTH_GLYPH, YELLOW);
      else row += r === zeroRow ? paint('┄', DIM) : ' ';
    }
    lines.push(axis + row);
  }
  const last = shown.at(-1);
  const now = last ? `  y_ref ${fmt(last.yRef)}  y_pred ${fmt(last.yPred)}` : '';
  lines.push(`${' '.repeat(LABEL_WIDTH)}${paint(REF_GLYPH, GREEN)} y_ref  ${paint(PRED_GLYPH, MAGENTA)} y_pred  ${paint(BOTH_GLYPH, YELLOW)} both${now}`);
  return lines;
}

function fmt(v: number): string {
  return (v < 0 ? '' : ' ') + v.toFixed(3);
}

export interface LiveChartOptions {
  out: { write(s: string): unknown; columns?: number; rows?: number };
  width?: number;
  height?: number;
  color?: boolean;
  /** Least time between repaints. */
  frameIntervalMs?: number;
  now?: () => number;
}

export class LiveChart {
  private readonly samples: Sample[] = [];
  private readonly width: number;
  private readonly height: number;
  private readonly color: boolean;
  private readonly frameIntervalMs: number;
  private readonly now: () => number;
  private paintedLines = 0;
  private lastPaint = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveChartOptions) {
    const columns = options.out.columns ?? 80;
    const rows = options.out.rows ?? 24;
    this.width = options.width ?? Math.max(8, Math.min(200, columns - LABEL_WIDTH - 1));
    this.height = options.height ?? Math.max(3, Math.min(20, rows - 8));
    this.color = options.color ?? true;
    this.frameIntervalMs = options.frameIntervalMs ?? 50;
    this.now = options.now ?? (() => performance.now());
  }

  add(sample: Sample): void {
    this.samples.push(sample);
    if (this.samples.length > this.width * 4) this.samples.splice(0, this.samples.length - this.width);
    this.schedule();
  }

  /** Prints a text line above the chart (which is redrawn below it). */
  log(line: string): void {
    this.erase();
    this.options.out.write(`${line}\n`);
    this.paint();
  }

  /** Paints the last frame and leaves it on screen. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.paint();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastPaint + this.frameIntervalMs - this.now();
    if (wait <= 0) {
      this.paint();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.paint();
    }, wait);
  }

  private erase(): void {
    if (this.paintedLines > 0) this.options.out.write(`\x1b[${this.paintedLines}A\r\x1b[J`);
    this.paintedLines = 0;
  }

  private paint(): void {
    const lines = renderChart(this.samples, { width: this.width, height: this.height, color: this.color });
    this.erase();
    this.options.out.write(`${lines.join('\n')}\n`);
    this.paintedLines = lines.length;
    this.lastPaint = this.now();
  }
}
