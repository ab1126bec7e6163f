/**
 * Exact inclusive instruction counts of named functions on the virtual board: the board is
 * run one translation block at a time (`run({ instructions: 1 })` stops at the next block
 * boundary, and a function's entry is always a block start); a call starts when the PC is a
 * traced entry (LR and SP noted), and ends when the PC is back at that LR with that SP.
 * Callees are included; tail calls and recursion are handled by the call stack.
 */
import { execFileSync } from 'node:child_process';
import type { Board } from '../../sim/index.ts';

/** Function name → address (Thumb bit clear), from arm-none-eabi-nm. */
export function symbols(elf: string): Map<string, number> {
  const out = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' });
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [addr, kind, name] = line.trim().split(/\s+/);
    if (addr && name && /^[tT]$/.test(kind ?? '')) m.set(name, parseInt(addr, 16) & ~1);
  }
  return m;
}

/** Any symbol's value (e.g. _ebss, _estack). */
export function symbolValue(elf: string, name: string): number {
  const out = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.trim().split(/\s+/)[2] === name);
  if (!line) throw new Error(`${name} not in ${elf}`);
  return parseInt(line.trim().split(/\s+/)[0]!, 16);
}

const PAINT = 0xcd;
/** Fills RAM between `lo` and `hi` (absolute addresses) with a pattern, before the firmware runs. */
export function paintStack(b: Board, lo: number, hi: number): void {
  b.ram.fill(PAINT, lo - 0x20000000, hi - 0x20000000);
}
/** Deepest stack use since paintStack: bytes from `hi` down to the lowest word that changed. */
export function stackUsed(b: Board, lo: number, hi: number): number {
  for (let a = lo - 0x20000000; a < hi - 0x20000000; a += 4) {
    if (b.ram[a] !== PAINT || b.ram[a + 1] !== PAINT || b.ram[a + 2] !== PAINT || b.ram[a + 3] !== PAINT) return hi - 0x20000000 - a;
  }
  return 0;
}

export interface Counted {
  calls: number;
  /** Inclusive instructions of every completed call. */
  each: number[];
}

export class Tracer {
  private readonly entries = new Map<number, string>();
  private readonly stack: { name: string; lr: number; sp: number; i0: number }[] = [];
  readonly counts = new Map<string, Counted>();
  steps = 0;

  constructor(readonly board: Board, functions: Map<string, number>) {
    for (const [name, addr] of functions) {
      this.entries.set(addr, name);
      this.counts.set(name, { calls: 0, each: [] });
    }
  }

  get depth(): number {
    return this.stack.length;
  }

  private observe(): void {
    const b = this.board;
    const pc = b.reg(15) & ~1;
    const sp = b.reg(13);
    for (let top = this.stack.at(-1); top && pc === top.lr && sp === top.sp; top = this.stack.at(-1)) {
      this.stack.pop();
      const c = this.counts.get(top.name)!;
      c.calls++;
      c.each.push(b.instructions - top.i0);
    }
    const name = this.entries.get(pc);
    if (name !== undefined) this.stack.push({ name, lr: b.reg(14) & ~1, sp, i0: b.instructions });
  }

  /** Steps block by block until `done()` holds (checked after each block) or maxSteps. */
  async stepUntil(done: () => boolean, maxSteps: number): Promise<void> {
    this.observe();
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return;
      const r = await this.board.run({ instructions: 1 });
      if (r.reason === 'halt' || r.reason === 'power-cut') throw new Error(`board stopped while tracing: ${r.reason}`);
      this.steps++;
      this.observe();
    }
    throw new Error(`tracing did not finish within ${maxSteps} blocks`);
  }
}
