/**
 * What the device commands share: the --port/--baud/--json options, opening and closing
 * the link, the trusted keys, and how a device's INFO reads on a terminal.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { readPublicKeyFile, type TrustedKey } from '../../protocol/index.ts';
import { DEFAULT_BAUD, Link, MODE_APP, runningModel, slotView, Timing, type DeviceOptions, type InfoPayload } from '../../protocol/link/index.ts';

export interface LinkCliOptions {
  port?: string;
  baud: number;
  json?: boolean;
}

function baudRate(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1200 || n > 4_500_000) throw new InvalidArgumentError('--baud must be an integer from 1200 to 4500000');
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds --port, --baud and, for read commands, --json. */
export function linkOptions(cmd: Command, withJson = true): Command {
  cmd
    .option('-p, --port <path>', 'serial port of the device, e.g. /dev/ttyUSB0 or the virtual board\'s pty (default: $MOTA_PORT)')
    .option('-b, --baud <rate>', `baud rate (default ${DEFAULT_BAUD})`, baudRate, DEFAULT_BAUD);
  if (withJson) cmd.option('--json', 'print one JSON document instead of text');
  return cmd;
}

export function portOf(opts: LinkCliOptions): string {
  const port = opts.port ?? process.env['MOTA_PORT'];
  if (!port) {
    throw new MotaError('USAGE_NO_PORT', 'no serial port given', 'pass --port PATH (or set MOTA_PORT); `mota devices` lists the ports of this machine');
  }
  return port;
}

/** Opens the link, runs `fn`, closes the link whatever happens. */
export async function withLink<T>(opts: LinkCliOptions, fn: (link: Link) => Promise<T>): Promise<T> {
  const link = await Link.open(portOf(opts), { baudRate: opts.baud });
  try {
    return await fn(link);
  } finally {
    await link.close();
  }
}

const REPO_KEYS = fileURLToPath(new URL('../../keys/', import.meta.url));

/** The keys given with --pub, else every keys/*.pub of this repository (those the bootloader embeds). */
export function trustedKeys(pubs: string[] | undefined): TrustedKey[] {
  if (pubs && pubs.length > 0) return pubs.map(readPublicKeyFile);
  let files: string[] = [];
  try {
    files = readdirSync(REPO_KEYS).filter((f) => f.endsWith('.pub')).sort();
  } catch {
    // no keys directory
  }
  if (files.length === 0) {
    throw new MotaError('USAGE_NO_TRUSTED_KEYS', 'no trusted public keys: pass --pub KEY.pub', 'use the .pub file of the key your bootloader trusts');
  }
  return files.map((f) => readPublicKeyFile(join(REPO_KEYS, f)));
}

/**
 * Options every device command passes to the library: MOTA_TIMEOUT_SCALE=N stretches the
 * SPEC §5.10 host timeouts (a simulator slower than real time), MOTA_DEBUG=1 logs frames.
 */
export function deviceOptions(onText?: (line: string) => void): DeviceOptions {
  const raw = process.env['MOTA_TIMEOUT_SCALE'];
  const scale = raw ? Number(raw) : 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) {
    throw new MotaError('USAGE_BAD_TIMEOUT_SCALE', `MOTA_TIMEOUT_SCALE="${raw}" is not a positive number`, 'unset it, or set it to e.g. 4 for a slow simulator');
  }
  const timing = Object.fromEntries(Object.entries(Timing).map(([k, v]) => [k, v * scale]));
  return { timing, bootTimeoutMs: 10_000 * scale, log: debugLog(), onText };
}

/** With MOTA_DEBUG=1, the link's diagnostics (retransmissions, go-backs) on stderr. */
export function debugLog(): ((message: string) => void) | undefined {
  if (!process.env['MOTA_DEBUG']) return undefined;
  const t0 = performance.now();
  return (m) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(3)}] ${m}\n`);
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line the device printed, set off from mota's own output. */
export function echoText(text: string): void {
  process.stdout.write(`  | ${text}\n`);
}

function kib(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`;
}

/** The INFO of one device as JSON (stable field names for scripts). */
export function infoJson(port: string, i: InfoPayload): Record<string, unknown> {
  const slots = [0, 1].map((s) => {
    const v = slotView(i, s)!;
    const r = i.slots[s as 0 | 1];
    return {
      slot: v.slot, state: v.state, name: v.state === 'EMPTY' ? null : v.name, version: v.state === 'EMPTY' ? null : v.version,
      imageSize: r.imageSize, keyId: r.keyId.toString(16).padStart(8, '0'), active: i.activeSlot === s, running: i.mode === MODE_APP && i.runningSlot === s,
    };
  });
  const bl = i.bootloaderVersion;
  return {
    port, uid: i.uid, board: i.board, mode: i.mode === MODE_APP ? 'app' : 'bootloader', bootloaderVersion: `${bl.major}.${bl.minor}.${bl.patch}`,
    protocol: i.protocol, flashSize: i.flashSize, pageSize: i.pageSize, slotSize: i.slotSize, resetCount: i.resetCount,
    downgradeGuard: (i.flags & 1) !== 0, uploadSessionOpen: (i.flags & 2) !== 0, running: runningModel(i) ?? null, slots,
  };
}

/** The INFO of one device as lines for a person. */
export function infoLines(port: string, i: InfoPayload): string[] {
  const bl = i.bootloaderVersion;
  const now = runningModel(i);
  const lines = [
    `${port}: ${i.board}, unique ID ${i.uid}, bootloader ${bl.major}.${bl.minor}.${bl.patch}`,
    i.mode === MODE_APP
      ? `  running: ${now ? `${now.name} ${now.version} from slot ${now.slot} (${now.state})` : 'the app, slot unknown'}`
      : `  running: the bootloader${now ? ` (active model: ${now.name} ${now.version}, slot ${now.slot})` : ' (no bootable model)'}`,
  ];
  for (const s of [0, 1]) {
    const v = slotView(i, s)!;
    const tags = [i.activeSlot === s ? 'active' : '', i.mode === MODE_APP && i.runningSlot === s ? 'running' : ''].filter(Boolean).join(', ');
    const model = v.state === 'EMPTY' ? '-' : `${v.name} ${v.version}`;
    lines.push(`  slot ${v.slot}  ${v.state.padEnd(9)}  ${model}${tags ? `  (${tags})` : ''}`);
  }
  lines.push(`  slots of ${kib(i.slotSize)}, flash pages of ${kib(i.pageSize)}, ${i.resetCount} resets since power-on${i.flags & 1 ? ', downgrade guard on' : ''}`);
  return lines;
}
