/**
 * The app's boot report (SPEC §4.1): `key: value` lines from `mota-app` to `ready`, parsed
 * into a typed object. Unknown keys are kept but never relied on.
 */

export interface SlotLine {
  slot: 'A' | 'B';
  state: 'CONFIRMED' | 'TRIAL' | 'UNMANAGED';
  address: number;
}

export interface BootReport {
  appVersion: string;
  board?: string;
  clock?: string;
  uid?: string;
  reset?: string;
  /** Bootloader version, undefined when the app found no hand-off. */
  bootloader?: string;
  /** The slot the app runs from; undefined with `slot: none (...)`. */
  slot?: SlotLine;
  /** `slot: none (A: error <n>, B: error <n>)`: the §1.6 error number of each slot (0 passed, −1 not checked). */
  slotProblems?: { A: number; B: number };
  /** Model name and version; undefined for `model: none`. */
  model?: { name: string; version: string };
  modelSize?: { bytes: number; address: number };
  modelError?: string;
  operators?: { count: number; runs: { op: string; count: number }[] };
  tensors?: number;
  arena?: { used: number; size: number; headroom: number };
  inferenceUs?: number;
  selftest?: { result: 'pass' | 'FAIL' | 'none' | 'skipped'; passed?: number; total?: number; text: string };
  /** `trial: rejected: …`: the trial model failed; the app resets and the device reverts. */
  trialRejected?: string;
  ready?: { text: string; periodUs?: number; steps?: number };
  /** Every key and value as received, in order (unknown keys included). */
  lines: { key: string; value: string }[];
}

const LINE = /^([a-z0-9_-]+): (.*)$/;

export function parseReportLine(text: string): { key: string; value: string } | undefined {
  const m = LINE.exec(text);
  return m ? { key: m[1]!, value: m[2]! } : undefined;
}

/** Applies one `key: value` to the report; malformed values of known keys are left undefined. */
function apply(r: BootReport, key: string, value: string): void {
  let m: RegExpExecArray | null;
  switch (key) {
    case 'board': r.board = value; break;
    case 'clock': r.clock = value; break;
    case 'uid': r.uid = value; break;
    case 'reset': r.reset = value; break;
    case 'bootloader': r.bootloader = /^\d+\.\d+\.\d+$/.test(value) ? value : undefined; break;
    case 'slot':
      if ((m = /^([AB]) (CONFIRMED|TRIAL|UNMANAGED) at 0x([0-9A-Fa-f]{8})$/.exec(value))) {
        r.slot = { slot: m[1] as 'A' | 'B', state: m[2] as SlotLine['state'], address: parseInt(m[3]!, 16) };
      } else if ((m = /^none \(A: error (-?\d+), B: error (-?\d+)\)$/.exec(value))) {
        r.slotProblems = { A: Number(m[1]), B: Number(m[2]) };
      }
      break;
    case 'model':
      if ((m = /^([a-z0-9][a-z0-9._-]*) (\d+\.\d+\.\d+)$/.exec(value))) r.model = { name: m[1]!, version: m[2]! };
      break;
    case 'model_size':
      if ((m = /^(\d+) B in flash at 0x([0-9A-Fa-f]{8})$/.exec(value))) r.modelSize = { bytes: Number(m[1]), address: parseInt(m[2]!, 16) };
      break;
    case 'model_error': r.modelError = value; break;
    case 'operators':
      if ((m = /^(\d+) \((.*)\)$/.exec(value))) {
        const runs = m[2]!.split(', ').map((s) => /^([A-Z0-9_]+) x(\d+)$/.exec(s)).filter((x): x is RegExpExecArray => x !== null);
        r.operators = { count: Number(m[1]), runs: runs.map((x) => ({ op: x[1]!, count: Number(x[2]) })) };
      } else if (/^\d+$/.test(value)) r.operators = { count: Number(value), runs: [] };
      break;
    case 'tensors': if (/^\d+$/.test(value)) r.tensors = Number(value); break;
    case 'arena':
      if ((m = /^(\d+) \/ (\d+) B, headroom (-?\d+) B$/.exec(value))) r.arena = { used: Number(m[1]), size: Number(m[2]), headroom: Number(m[3]) };
      break;
    case 'inference_us': if (/^\d+(\.\d+)?$/.test(value)) r.inferenceUs = Number(value); break;
    case 'selftest':
      if ((m = /^(pass|FAIL) (\d+)\/(\d+)/.exec(value))) r.selftest = { result: m[1] as 'pass' | 'FAIL', passed: Number(m[2]), total: Number(m[3]), text: value };
      else if (value === 'none') r.selftest = { result: 'none', text: value };
      else if (value.startsWith('skipped')) r.selftest = { result: 'skipped', text: value };
      break;
    case 'trial': if (value.startsWith('rejected')) r.trialRejected = value; break;
    case 'ready': {
      m = /^sine (\d+) steps, frame every (\d+) us$/.exec(value);
      r.ready = m ? { text: value, steps: Number(m[1]), periodUs: Number(m[2]) } : { text: value };
      break;
    }
    default: break;
  }
}

/** Parses a whole report (lines from `mota-app` on). */
export function parseReport(lines: readonly string[]): BootReport | undefined {
  const c = new ReportCollector();
  let last: BootReport | undefined;
  for (const l of lines) last = c.push(l) ?? last;
  return last ?? c.partial();
}

/**
 * Feeds text lines as they arrive; `push` returns a report when its `ready` line came (or
 * when a new `mota-app` line cuts the previous boot short: the device reset mid-report).
 */
export class ReportCollector {
  private current: BootReport | undefined;

  push(text: string): BootReport | undefined {
    const kv = parseReportLine(text);
    if (!kv) return undefined;
    if (kv.key === 'mota-app') {
      const cut = this.current;
      this.current = { appVersion: kv.value, lines: [kv] };
      return cut;
    }
    const r = this.current;
    if (!r) return undefined;
    r.lines.push(kv);
    apply(r, kv.key, kv.value);
    if (kv.key === 'ready') {
      this.current = undefined;
      return r;
    }
    return undefined;
  }

  /** The report being received, if a `mota-app` line started one. */
  partial(): BootReport | undefined {
    return this.current;
  }
}

/** One line for a person: "sinemodel 1.1.0 from slot B (TRIAL), 3 ops, 10 tensors, arena 32/512 B, 40 µs/inference, self-test pass 8/8". */
export function summarizeReport(r: BootReport): string {
  const parts: string[] = [];
  parts.push(r.model ? `${r.model.name} ${r.model.version}` : 'no model');
  if (r.slot) parts[0] += ` from slot ${r.slot.slot} (${r.slot.state})`;
  if (r.modelError) parts.push(`refused: ${r.modelError}`);
  if (r.operators) parts.push(`${r.operators.count} operators`);
  if (r.tensors !== undefined) parts.push(`${r.tensors} tensors`);
  if (r.arena) parts.push(`arena ${r.arena.used}/${r.arena.size} B`);
  if (r.inferenceUs !== undefined) parts.push(`${r.inferenceUs} µs/inference`);
  if (r.selftest) parts.push(`self-test ${r.selftest.text}`);
  if (r.trialRejected) parts.push(`trial ${r.trialRejected}`);
  return parts.join(', ');
}
