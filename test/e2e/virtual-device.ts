/**
 * A virtual STM32F103RC (or C8) hosted in the test process: the real ARM bootloader and app, its
 * USART1 behind a pseudo-terminal that the `mota` child processes open with serialport,
 * running in the background at wall-clock pace. Power can be cut and restored; the UART's
 * text and the board's events are kept for assertions and failure messages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { layouts } from '../../protocol/index.ts';
import { Board } from '../../sim/index.ts';
import { ROOT } from './cli.ts';

type Chip = 'rc' | 'c8';
const bootloaderElf = (chip: Chip) => path.join(ROOT, `bootloader/build/${chip}/bootloader.elf`);
const appElf = (chip: Chip) => path.join(ROOT, `firmware/build/${chip}/app.elf`);
export const SLOT_A = layouts.rc.slotA;
export const SLOT_B = layouts.rc.slotB;

/** Builds the bootloader and the app for `chip` when their ELF files are missing. */
export function ensureFirmware(chip: Chip = 'rc'): void {
  for (const [dir, elf] of [['bootloader', bootloaderElf(chip)], ['firmware', appElf(chip)]] as const) {
    if (!existsSync(elf)) execFileSync('make', ['-s', '-C', path.join(ROOT, dir), `BOARD=${chip}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

export interface VirtualDeviceOptions {
  /** STM32F103RC (default) or STM32F103C8. */
  chip?: Chip;
  flashFile: string;
  uid: string;
  seed?: number;
  /** A package written into slot A before the first boot (a factory image the bootloader adopts). */
  factoryPackage?: Uint8Array;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class VirtualDevice {
  readonly board: Board;
  port = '';
  /** Everything the device printed as text (bytes that are not text are left out). */
  private text = '';
  /** Resets, power changes, with their virtual time. */
  readonly events: string[] = [];
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private failure: unknown;
  private powerCutWaiters: (() => void)[] = [];

  private constructor(options: VirtualDeviceOptions) {
    const chip = options.chip ?? 'rc';
    this.board = Board.create({ chip, flashFile: options.flashFile, uid: options.uid, seed: options.seed ?? 1 });
    this.board.loadElf(bootloaderElf(chip));
    this.board.loadElf(appElf(chip));
    if (options.factoryPackage) this.board.loadBin(options.factoryPackage, layouts[chip].slotA.addr);
    const at = () => `[${(this.board.virtualTimeUs / 1e6).toFixed(3)} s]`;
    this.board.on('reset', (r) => this.events.push(`${at()} reset (${r.cause})`));
    this.board.on('power', (p) => {
      this.events.push(`${at()} power ${p.on ? 'on' : `cut${p.op ? ` during a ${p.op.kind}` : ''}`}`);
      if (!p.on) for (const w of this.powerCutWaiters.splice(0)) w();
    });
    this.board.uart.on('data', (bytes: Buffer) => this.takeText(bytes));
  }

  /** SPEC §3 in brief: keeps text lines, skips plot frames (11 bytes) and protocol frames (9 + L bytes). */
  private skip = 0;
  private frameHeader: number[] = [];
  private takeText(bytes: Buffer): void {
    for (const b of bytes) {
      if (this.skip > 0) {
        this.skip--;
      } else if (this.frameHeader.length > 0) {
        this.frameHeader.push(b);
        if (this.frameHeader.length === 5) {
          this.skip = this.frameHeader[3]! + 256 * this.frameHeader[4]! + 4;
          this.frameHeader = [];
        }
      } else if (b === 0x7e) {
        this.skip = 10;
      } else if (b === 0xa5) {
        this.frameHeader = [b];
      } else if (b === 0x0a || (b >= 0x20 && b <= 0x7d)) {
        this.text += String.fromCharCode(b);
      }
    }
    if (this.text.length > 1 << 20) this.text = this.text.slice(-(1 << 19));
  }

  /** Creates the board, opens its pty and starts running it in the background. */
  static async start(options: VirtualDeviceOptions): Promise<VirtualDevice> {
    const d = new VirtualDevice(options);
    d.port = await d.board.openPty();
    d.loop = d.runInBackground();
    return d;
  }

  private async runInBackground(): Promise<void> {
    while (!this.stopping) {
      if (!this.board.isPowered) {
        await sleep(10); // off until powerOn()
        continue;
      }
      try {
        const r = await this.board.run({ pace: 'realtime' });
        if (r.reason === 'halt') throw new Error(`the virtual board halted (BKPT) at ${r.timeUs} µs`);
      } catch (e) {
        this.failure = e;
        this.events.push(`simulation stopped: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
  }

  /** Throws when the simulation itself failed (a CPU fault, an unmodelled register). */
  assertHealthy(): void {
    if (this.failure) throw new Error(`the virtual board failed: ${String(this.failure)}\n${this.describe()}`);
  }

  /** Text printed from now on, until the next call. */
  textMark(): number {
    return this.text.length;
  }

  textSince(mark: number): string {
    return this.text.slice(mark);
  }

  /** Waits until the device prints text matching `re` after `mark`; returns that text. */
  async waitForText(re: RegExp, mark: number, timeoutMs = 20_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (!re.test(this.text.slice(mark))) {
      this.assertHealthy();
      if (performance.now() > deadline) throw new Error(`the device printed no ${re} within ${timeoutMs} ms\n${this.describe()}\n--- text since ---\n${this.text.slice(mark)}`);
      await sleep(20);
    }
    return this.text.slice(mark);
  }

  /** Resolves at the next power cut (armed with board.cutPower). */
  nextPowerCut(): Promise<void> {
    return new Promise((r) => this.powerCutWaiters.push(r));
  }

  powerOn(): void {
    this.board.powerOn();
  }

  /** Recent events and text, for a failure message. */
  describe(): string {
    return `--- device events ---\n${this.events.slice(-30).join('\n')}\n--- device text (last 2000 chars) ---\n${this.text.slice(-2000)}`;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.board.stop();
    await this.loop;
    await this.board.close();
  }
}
