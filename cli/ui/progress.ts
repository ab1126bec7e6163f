/**
 * A transfer progress bar: bytes, rate, ETA. On a terminal it redraws one line in place;
 * when stdout is a file or a pipe (CI logs) it prints a plain line every few seconds.
 */
import { formatBytes, formatDuration, formatRate } from './format.ts';

export interface ProgressOutput {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  /** Bytes already done when the bar starts (a resumed upload): not counted in the rate. */
  initial?: number;
  label?: string;
  out?: ProgressOutput;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
  /** Least time between two plain lines when the output is not a terminal. */
  lineIntervalMs?: number;
  /** Least time between two redraws on a terminal. */
  redrawIntervalMs?: number;
}

export interface ProgressState {
  done: number;
  total: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left at that rate; Infinity while unknown. */
  etaSeconds: number;
  elapsedMs: number;
}

const RATE_WINDOW_MS = 3000;

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly out: ProgressOutput;
  private readonly now: () => number;
  private readonly lineIntervalMs: number;
  private readonly redrawIntervalMs: number;
  private readonly started: number;
  private samples: { t: number; done: number }[] = [];
  private done = 0;
  private readonly initial: number;
  private lastPaint = -Infinity;
  private finished = false;

  constructor(options: ProgressOptions) {
    if (!Number.isInteger(options.total) || options.total < 0) {
      throw new TypeError(`"total" must be a non-negative integer, got ${String(options.total)}`);
    }
    this.total = options.total;
    this.label = options.label ?? 'upload';
    this.out = options.out ?? process.stdout;
    this.now = options.now ?? (() => performance.now());
    this.lineIntervalMs = options.lineIntervalMs ?? 2000;
    this.redrawIntervalMs = options.redrawIntervalMs ?? 100;
    this.started = this.now();
    this.initial = Math.max(0, Math.min(this.total, options.initial ?? 0));
    this.done = this.initial;
    this.samples.push({ t: this.started, done: this.initial });
  }

  /** Records that `done` bytes are acknowledged (it may go back after a resume). */
  update(done: number): void {
    if (this.finished) return;
    this.done = Math.max(0, Math.min(this.total, done));
    const t = this.now();
    this.samples.push({ t, done: this.done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > RATE_WINDOW_MS) this.samples.shift();
    const interval = this.out.isTTY ? this.redrawIntervalMs : this.lineIntervalMs;
    if (t - this.lastPaint >= interval) this.paint(t);
  }

  /** Draws the final state and ends the line. */
  finish(message?: string): void {
    if (this.finished) return;
    const t = this.now();
    this.paint(t, true);
    this.finished = true;
    if (this.out.isTTY) this.out.write('\n');
    if (message) this.out.write(`${message}\n`);
  }

  state(t = this.now()): ProgressState {
    const first = this.samples[0]!;
    const span = t - first.t;
    const rate = span > 0 ? ((this.done - first.done) * 1000) / span : 0;
    const left = this.total - this.done;
    return {
      done: this.done,
      total: this.total,
      rate: Math.max(0, rate),
      etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : Infinity,
      elapsedMs: t - this.started,
    };
  }

  /** The text of one progress line, without cursor control. */
  render(t = this.now(), final = false): string {
    const s = this.state(t);
    const pct = s.total === 0 ? 100 : Math.floor((s.done * 100) / s.total);
    const tail = final
      ? `${formatBytes(s.done - this.initial)} in ${formatDuration(s.elapsedMs / 1000)}, ${formatRate(((s.done - this.initial) * 1000) / Math.max(1, s.elapsedMs))}`
      : `${formatBytes(s.done)}/${formatBytes(s.total)}  ${formatRate(s.rate)}  ETA ${formatDuration(s.etaSeconds)}`;
    if (!this.out.isTTY) return `${this.label} ${String(pct).padStart(3)}%  ${tail}`;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - this.label.length - tail.length - 10));
    const filled = s.total === 0 ? width : Math.floor((s.done * width) / s.total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${this.label} ${bar} ${String(pct).padStart(3)}%  ${tail}`;
  }

  private paint(t: number, final = false): void {
    this.lastPaint = t;
    const line = this.render(t, final);
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }
}
