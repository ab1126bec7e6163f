/**
 * The virtual STM32F103: memory map (RM0008 §3.3), the native CPU, the peripherals, virtual
 * time, resets, power cuts, host-side UART access and flash persistence.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { MotaError } from '../common/errors.ts';
import { Bus } from './bus.ts';
import { VirtualClock } from './clock.ts';
import { parseElf } from './elf.ts';
import { Ctl, IO_FLASH_STORE, IO_READ, NativeCpu, PROT_ALL, PROT_EXEC, PROT_READ } from './native.ts';
import { hex } from './peripheral.ts';
import type { BoardContext, ResetCause } from './peripherals/context.ts';
import { Crc } from './peripherals/crc.ts';
import { Dma } from './peripherals/dma.ts';
import { Dwt, Scb, SysTick } from './peripherals/core.ts';
import { DEFAULT_FLASH_TIMING, FLASH_MEM_BASE, FlashController, type FlashOp, type FlashTiming } from './peripherals/flash.ts';
import { Afio, Gpio, type PinChange, type PortName } from './peripherals/gpio.ts';
import { Iwdg } from './peripherals/iwdg.ts';
import { EN, Rcc } from './peripherals/rcc.ts';
import { Timer2 } from './peripherals/tim.ts';
import { Usart } from './peripherals/usart.ts';
import { Random } from './random.ts';
import { PtyBridge } from './pty.ts';

export type ChipName = 'rc' | 'c8';

export interface Chip {
  name: string;
  flashSize: number;
  pageSize: number;
  ramSize: number;
}

export const CHIPS: Record<ChipName, Chip> = {
  rc: { name: 'STM32F103RC', flashSize: 256 * 1024, pageSize: 2048, ramSize: 48 * 1024 },
  c8: { name: 'STM32F103C8', flashSize: 64 * 1024, pageSize: 1024, ramSize: 20 * 1024 },
};

export const RAM_BASE = 0x20000000;
export const SYSMEM_BASE = 0x1ffff000;
const FLASH_SIZE_REG = 0x1ffff7e0;
const UID_REG = 0x1ffff7e8;
const PERIPH_BASE = 0x40000000;
const PERIPH_SIZE = 0x24000;
const PPB_BASE = 0xe0000000;
const PPB_SIZE = 0x100000;

export interface BoardOptions {
  chip?: ChipName;
  /** Flash image file: loaded at creation when it exists, saved after flash writes and on close. */
  flashFile?: string;
  /** 96-bit unique ID as 24 hex digits (default derived from the seed). */
  uid?: string;
  /** Seed for RAM contents and power-cut damage (default 1). */
  seed?: number;
  /** Cycles per instruction (default 1). */
  cpi?: number;
  /** External crystal frequency (default 8 MHz). */
  hseHz?: number;
  /** Fast-forward busy-wait loops on unchanging status registers (exact counts; default true). */
  skipPolling?: boolean;
  flashTiming?: FlashTiming;
  /** FLASH_WRPR option bytes (a 0 bit write-protects its pages; default none protected). */
  wrpr?: number;
}

export interface RunOptions {
  /** Virtual milliseconds / microseconds to run. */
  ms?: number;
  us?: number;
  /** Instructions to run (stops at the first block boundary at or after the count). */
  instructions?: number;
  /** Stop when this returns true (checked at every event and block-budget boundary). */
  until?: (board: Board) => boolean;
  /** 'fast' (default): as fast as possible; 'realtime': virtual time never runs ahead of wall time. */
  pace?: 'fast' | 'realtime';
}

export type StopReason = 'time' | 'instructions' | 'until' | 'halt' | 'power-cut' | 'stopped';

export interface RunResult {
  reason: StopReason;
  instructions: number;
  timeUs: number;
}

export interface CutOptions {
  /** Cut during the k-th flash operation (program or erase) counted since creation (1-based). */
  atFlashOp?: number;
  /** Cut after exactly this many instructions have retired since creation. */
  atInstruction?: number;
  /** Cut at this virtual time (µs since creation). */
  atTimeUs?: number;
}

export interface BoardEvents {
  reset: [{ cause: ResetCause }];
  led: [{ on: boolean; level: 0 | 1 }];
  gpio: [PinChange];
  halt: [{ code: number; pc: number }];
  power: [{ on: boolean; op?: FlashOp }];
  flash: [{ n: number; op: FlashOp }];
}

export class Board extends EventEmitter<BoardEvents> {
  readonly chip: Chip;
  /** Live view of main flash (0x08000000). */
  readonly flash: Uint8Array;
  /** Live view of SRAM (0x20000000). */
  readonly ram: Uint8Array;
  readonly clock: VirtualClock;
  readonly rcc: Rcc;
  readonly fpec: FlashController;
  readonly usart1: Usart;
  readonly dma1: Dma;
  readonly gpio: Record<PortName, Gpio>;
  readonly afio: Afio;
  readonly tim2: Timer2;
  readonly iwdg: Iwdg;
  readonly crc: Crc;
  readonly scb: Scb;
  readonly systick: SysTick;
  readonly dwt: Dwt;
  /** In-process byte stream to USART1: write() sends to the board, 'data' carries what it transmits. */
  readonly uart: Duplex;

  private readonly cpu: NativeCpu;
  private readonly sysmem: Uint8Array;
  private readonly bus = new Bus();
  private readonly rng: Random;
  private readonly flashFile: string | undefined;
  private readonly skipPolling: boolean;
  private pendingError: unknown;
  private pendingReset: ResetCause | undefined;
  private coreResetNeeded = true;
  private powered = true;
  private halted = false;
  private stopRequested = false;
  private running = false;
  private closed = false;
  private runPromise: Promise<unknown> | undefined;
  private cut: CutOptions = {};
  private flashDirty = false;
  private lastSaveWall = 0;
  private lastFlashOpNs = 0;
  private txLog: number[] = [];
  private staleCode: [number, number][] = [];
  private txPending: number[] = [];
  private pty: PtyBridge | undefined;
  private readonly ctx: BoardContext;

  static create(opts: BoardOptions = {}): Board {
    return new Board(opts);
  }

  private constructor(opts: BoardOptions) {
    super();
    const chipName = opts.chip ?? 'rc';
    const chip = CHIPS[chipName];
    if (!chip) throw new MotaError('SIM_BAD_OPTION', `chip must be 'rc' or 'c8', got '${String(chipName)}'`);
    this.chip = chip;
    this.rng = new Random(opts.seed ?? 1);
    this.flashFile = opts.flashFile;
    this.skipPolling = opts.skipPolling ?? true;

    this.cpu = new NativeCpu(this.io);
    this.clock = new VirtualClock(this.cpu, opts.cpi ?? 1);
    const flash = this.cpu.mapMemory(FLASH_MEM_BASE, chip.flashSize, PROT_READ | PROT_EXEC, true);
    this.cpu.mapMemory(0, chip.flashSize, PROT_READ | PROT_EXEC, false, flash.ptr); // boot alias (BOOT0 = 0)
    this.flash = flash.bytes;
    this.flash.fill(0xff);
    this.ram = this.cpu.mapMemory(RAM_BASE, chip.ramSize, PROT_ALL, false).bytes;
    this.sysmem = this.cpu.mapMemory(SYSMEM_BASE, 0x1000, PROT_READ, false).bytes;
    this.cpu.mapMmio(PERIPH_BASE, PERIPH_SIZE);
    this.cpu.mapMmio(PPB_BASE, PPB_SIZE);
    try {
      this.initSysmem(opts.uid);
    } catch (e) {
      this.cpu.close();
      throw e;
    }

    const ctx: BoardContext = {
      clock: this.clock,
      requestStop: () => this.requestStop(),
      requestReset: (cause) => {
        this.pendingReset = cause;
        this.requestStop();
      },
      busRead: (addr, size) => this.busRead(addr, size),
      busWrite: (addr, size, value) => this.busWrite(addr, size, value),
    };
    this.ctx = ctx;
    this.rcc = new Rcc(ctx, opts.hseHz ?? 8_000_000, 0);
    this.fpec = new FlashController(ctx, this.flash, chip.pageSize, opts.flashTiming ?? DEFAULT_FLASH_TIMING, opts.wrpr ?? 0xffffffff);
    this.usart1 = new Usart(ctx, this.rcc);
    this.dma1 = new Dma(ctx);
    this.usart1.dma = this.dma1;
    this.dma1.onEnable = (n) => {
      if (n === 4) this.usart1.pullDma();
    };
    this.gpio = { A: new Gpio('A'), B: new Gpio('B'), C: new Gpio('C'), D: new Gpio('D') };
    this.afio = new Afio();
    this.tim2 = new Timer2(ctx, this.rcc);
    this.iwdg = new Iwdg(ctx);
    this.crc = new Crc();
    this.scb = new Scb(ctx);
    this.systick = new SysTick(ctx);
    this.dwt = new Dwt(ctx, this.scb);

    this.rcc.onClockChange = (hz) => this.clock.setHz(hz);
    this.rcc.checkFlashLatency = (sys) => this.fpec.checkLatency(sys);
    this.fpec.getSysclk = () => this.rcc.sysclk;
    this.iwdg.onStart = () => this.rcc.forceLsi();
    this.fpec.onContentChange = (addr, len) => {
      // Translation caches are dropped after the CPU stops (never from inside a hook).
      this.staleCode.push([addr, len]);
      this.flashDirty = true;
      this.requestStop();
    };
    this.fpec.onOperation = (n, op) => {
      this.lastFlashOpNs = this.clock.nowNs();
      this.emit('flash', { n, op });
      if (this.cut.atFlashOp === n) {
        const dur = this.fpec.busyUntil - this.clock.nowNs();
        this.clock.schedule(dur * (0.1 + 0.8 * (this.rng.u32() / 2 ** 32)), () => this.powerCutNow(), 'power cut');
      }
    };
    this.usart1.onTransmit = (b) => {
      this.txPending.push(b);
      this.txLog.push(b);
      if (this.txLog.length > 1 << 20) this.txLog.splice(0, this.txLog.length - (1 << 19));
    };
    for (const g of Object.values(this.gpio)) {
      g.onChange = (c) => {
        this.emit('gpio', c);
        if (c.port === 'C' && c.pin === 13) this.emit('led', { on: c.level === 0, level: c.level });
      };
    }
    this.wireBus();

    const board = this;
    this.uart = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        board.fromHost(chunk);
        cb();
      },
      read() {},
    });

    if (this.flashFile && existsSync(this.flashFile)) {
      const data = readFileSync(this.flashFile);
      if (data.length !== chip.flashSize) {
        this.cpu.close();
        throw new MotaError('SIM_FLASH_FILE', `${this.flashFile} holds ${data.length} bytes, the ${chip.name} has ${chip.flashSize} bytes of flash`, 'use the file with the board it was made for, or delete it to start erased');
      }
      this.flash.set(data);
    }
    this.powerOn();
  }

  private wireBus(): void {
    const gate = (name: string, bus: 'AHB' | 'APB1' | 'APB2', bit: number, reg: string) => () =>
      this.rcc.enabled(bus, bit) ? undefined : `${name} accessed while its clock is off (RCC_${reg} bit ${bit} is 0): the real chip ignores the access`;
    const b = this.bus;
    b.add({ base: this.tim2.base, periph: this.tim2, gate: gate('TIM2', 'APB1', EN.TIM2EN, 'APB1ENR') });
    b.add({ base: this.iwdg.base, periph: this.iwdg });
    b.add({ base: this.afio.base, periph: this.afio, gate: gate('AFIO', 'APB2', EN.AFIOEN, 'APB2ENR') });
    const ioBits: Record<PortName, number> = { A: EN.IOPAEN, B: EN.IOPBEN, C: EN.IOPCEN, D: EN.IOPDEN };
    for (const [port, g] of Object.entries(this.gpio) as [PortName, Gpio][]) {
      b.add({ base: g.base, periph: g, gate: gate(g.name, 'APB2', ioBits[port], 'APB2ENR'), splitHalves: [0x10] });
    }
    b.add({ base: this.usart1.base, periph: this.usart1, gate: gate('USART1', 'APB2', EN.USART1EN, 'APB2ENR') });
    b.add({ base: this.dma1.base, periph: this.dma1, gate: gate('DMA1', 'AHB', EN.DMA1EN, 'AHBENR') });
    b.add({ base: this.rcc.base, periph: this.rcc });
    b.add({ base: this.fpec.base, periph: this.fpec });
    b.add({ base: this.crc.base, periph: this.crc, gate: gate('CRC', 'AHB', EN.CRCEN, 'AHBENR') });
    b.add({ base: this.systick.base, periph: this.systick });
    b.add({ base: this.scb.base, periph: this.scb });
    b.add({ base: this.dwt.base, periph: this.dwt });
    this.rcc.onPeripheralReset = (bus, bit) => {
      if (bus === 'APB2' && bit === EN.USART1EN) this.usart1.reset();
      if (bus === 'APB1' && bit === EN.TIM2EN) this.tim2.reset();
      if (bus === 'APB2') for (const [port, g] of Object.entries(this.gpio)) if (bit === ioBits[port as PortName]) g.reset();
    };
  }

  private initSysmem(uid: string | undefined): void {
    const dv = new DataView(this.sysmem.buffer, this.sysmem.byteOffset, this.sysmem.byteLength);
    dv.setUint16(FLASH_SIZE_REG - SYSMEM_BASE, this.chip.flashSize / 1024, true);
    let id: Uint8Array;
    if (uid !== undefined) {
      if (!/^[0-9a-fA-F]{24}$/.test(uid)) throw new MotaError('SIM_BAD_OPTION', `uid must be 24 hex digits (96 bits), got '${uid}'`, 'e.g. --uid 0123456789abcdef01234567');
      id = Uint8Array.from(Buffer.from(uid, 'hex'));
    } else {
      id = new Uint8Array(12);
      new Random((this.rng.u32() ^ 0x55aa) >>> 0).fill(id);
    }
    this.sysmem.set(id, UID_REG - SYSMEM_BASE);
    // Option bytes (RM0008 §3.3.4 / PM0075 §2.5): RDP = 0xA5 unprotected, the rest erased with complements.
    const ob = 0x800;
    for (let i = 0; i < 16; i += 2) {
      this.sysmem[ob + i] = i === 0 ? 0xa5 : 0xff;
      this.sysmem[ob + i + 1] = i === 0 ? 0x5a : 0x00;
    }
  }

  /** 96-bit unique ID as 24 hex digits (as the bytes appear at 0x1FFFF7E8). */
  get uid(): string {
    return Buffer.from(this.sysmem.subarray(UID_REG - SYSMEM_BASE, UID_REG - SYSMEM_BASE + 12)).toString('hex');
  }

  get instructions(): number {
    return this.clock.instructions;
  }

  get virtualTimeUs(): number {
    return this.clock.nowNs() / 1000;
  }

  /** Flash program + erase operations since creation (the counter `cutPower({atFlashOp})` uses). */
  get flashOps(): number {
    return this.fpec.ops;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  /** Native statistics: MMIO reads served by the status cache, calls into JS, skipped polling instructions. */
  get stats(): { fastReads: number; ioCalls: number; skipped: number; blocks: number; decoded: number } {
    const c = this.cpu.ctl;
    return { fastReads: c[Ctl.fastReads]!, ioCalls: c[Ctl.ioCalls]!, skipped: c[Ctl.skipped]!, blocks: c[Ctl.blocks]!, decoded: c[Ctl.misses]! };
  }

  /** CPU register: 0..12 R0..R12, 13 SP, 14 LR, 15 PC, 16 xPSR. */
  reg(index: number): number {
    return this.cpu.reg(index);
  }

  // ---- images -------------------------------------------------------------------------

  /** Loads raw bytes at a flash address (either alias) or a RAM address. */
  loadBin(bytes: Uint8Array, addr: number): void {
    const a = addr >>> 0;
    const flashOff = a >= FLASH_MEM_BASE ? a - FLASH_MEM_BASE : a;
    if ((a >= FLASH_MEM_BASE || a < this.chip.flashSize) && flashOff + bytes.length <= this.chip.flashSize && flashOff >= 0) {
      this.flash.set(bytes, flashOff);
      this.cpu.invalidate(FLASH_MEM_BASE + flashOff, bytes.length);
      this.cpu.invalidate(flashOff, bytes.length);
      this.flashDirty = true;
      return;
    }
    if (a >= RAM_BASE && a - RAM_BASE + bytes.length <= this.chip.ramSize) {
      this.ram.set(bytes, a - RAM_BASE);
      return;
    }
    throw new MotaError('SIM_LOAD_RANGE', `cannot load ${bytes.length} bytes at ${hex(a)}: outside the ${this.chip.name}'s flash and RAM`, 'check the linker script for this chip');
  }

  /** Loads an ELF file's PT_LOAD segments at their physical (load) addresses. */
  loadElf(pathOrBytes: string | Uint8Array): void {
    const name = typeof pathOrBytes === 'string' ? pathOrBytes : 'ELF image';
    let bytes: Uint8Array;
    try {
      bytes = typeof pathOrBytes === 'string' ? readFileSync(pathOrBytes) : pathOrBytes;
    } catch (e) {
      throw new MotaError('SIM_BAD_ELF', `cannot read ${name}: ${(e as Error).message}`, 'build it first');
    }
    for (const s of parseElf(bytes, name).segments) this.loadBin(s.data, s.paddr);
    this.coreResetNeeded = true;
  }

  // ---- memory access for tests and DMA -------------------------------------------------

  readU32(addr: number): number {
    return this.busRead(addr, 4);
  }

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.busRead(addr + i, 1);
    return out;
  }

  private memView(addr: number, size: number): [Uint8Array, number] | undefined {
    if (addr >= RAM_BASE && addr + size <= RAM_BASE + this.chip.ramSize) return [this.ram, addr - RAM_BASE];
    if (addr >= FLASH_MEM_BASE && addr + size <= FLASH_MEM_BASE + this.chip.flashSize) return [this.flash, addr - FLASH_MEM_BASE];
    if (addr + size <= this.chip.flashSize) return [this.flash, addr];
    if (addr >= SYSMEM_BASE && addr + size <= SYSMEM_BASE + 0x1000) return [this.sysmem, addr - SYSMEM_BASE];
    return undefined;
  }

  private busRead(addr: number, size: number): number {
    const m = this.memView(addr, size);
    if (m) {
      const [mem, off] = m;
      let v = 0;
      for (let i = size - 1; i >= 0; i--) v = (v << 8) | mem[off + i]!;
      return v >>> 0;
    }
    return this.bus.read(addr, size);
  }

  private busWrite(addr: number, size: number, value: number): void {
    if (addr >= RAM_BASE && addr + size <= RAM_BASE + this.chip.ramSize) {
      for (let i = 0; i < size; i++) this.ram[addr - RAM_BASE + i] = (value >>> (8 * i)) & 0xff;
      return;
    }
    if (this.memView(addr, size)) throw new MotaError('SIM_BUS_FAULT', `write to read-only memory at ${hex(addr)}`);
    this.bus.write(addr, size, value);
  }

  // ---- the io callback from native code ------------------------------------------------

  private readonly io = (kind: number, addr: number, size: number, value: number): number => {
    try {
      const ctl = this.cpu.ctl;
      if (kind === IO_FLASH_STORE) {
        ctl[Ctl.fastGen]!++;
        const inFlash = addr < this.chip.flashSize || (addr >= FLASH_MEM_BASE && addr < FLASH_MEM_BASE + this.chip.flashSize);
        return inFlash ? this.fpec.store(addr, size, value) : 0; // system memory: read-only
      }
      if (kind === IO_READ) {
        const v = this.bus.read(addr, size);
        const until = size === 4 ? this.bus.stableUntilNs(addr) : -Infinity;
        if (until > -Infinity && (until === Infinity || until > this.clock.nowNs())) {
          // cached natively (applied when this callback returns): later polls stay in C
          ctl[Ctl.setAddr] = addr;
          ctl[Ctl.setValue] = v;
          ctl[Ctl.setUntil] = until === Infinity ? ctl[Ctl.budget]! : Math.min(ctl[Ctl.budget]!, this.clock.icountAt(until));
          const counting = this.bus.countingAt(addr);
          if (counting) {
            // linear in instructions while this native run lasts (no stalls inside a run)
            const nsPerInstr = (this.clock.cpi * 1e9) / this.clock.hz;
            ctl[Ctl.setValue] = counting.base >>> 0;
            ctl[Ctl.setI0] = this.clock.instructions - (this.clock.nowNs() - counting.originNs) / nsPerInstr;
            ctl[Ctl.setRate] = counting.perNs * nsPerInstr;
          } else {
            ctl[Ctl.setRate] = 0;
          }
        } else {
          ctl[Ctl.fastGen]!++;
        }
        return v;
      }
      ctl[Ctl.fastGen]!++;
      this.bus.write(addr, size, value);
      return 0;
    } catch (e) {
      this.pendingError ??= e;
      this.requestStop();
      return 0;
    }
  };

  private requestStop(): void {
    this.cpu.ctl[Ctl.budget] = 0;
  }

  // ---- resets and power ----------------------------------------------------------------

  private resetPeripherals(): void {
    this.clock.clearEvents();
    const at = this.cut.atTimeUs;
    if (at !== undefined) this.clock.scheduleAt(at * 1000, () => this.powerCutNow(), 'power cut'); // an armed cut survives resets
    this.fpec.reset();
    this.usart1.reset();
    this.dma1.reset();
    for (const g of Object.values(this.gpio)) g.reset();
    this.afio.reset();
    this.tim2.reset();
    this.iwdg.reset();
    this.crc.reset();
    this.scb.reset();
    this.systick.reset();
    this.dwt.reset();
    this.clock.setHz(8_000_000);
    this.cpu.ctl[Ctl.fastGen]!++;
    this.usart1.hostSend(new Uint8Array(0)); // the wire keeps delivering what the host sent
  }

  /** System reset (RM0008 §7.1.2): flash and RAM kept, peripherals and core reset. */
  systemReset(cause: ResetCause = 'software'): void {
    this.rcc.reset(Rcc.flagsFor(cause));
    this.resetPeripherals();
    this.coreResetNeeded = true;
    this.halted = false;
    this.emit('reset', { cause });
  }

  /** Power on: RAM holds seeded garbage, every register at its power-on value. */
  powerOn(): void {
    this.rng.fill(this.ram);
    this.rcc.reset(0);
    this.rcc.writeUint32(0x24, 1 << 24); // RMVF: flags clear at power-on ...
    this.rcc.reset(Rcc.flagsFor('power')); // ... then POR sets PORRSTF/PINRSTF
    this.resetPeripherals();
    this.powered = true;
    this.halted = false;
    this.coreResetNeeded = true;
    this.emit('power', { on: true });
    this.emit('reset', { cause: 'power' });
  }

  /**
   * Cuts the power now (no argument) or arms a cut: during the k-th flash operation, at an
   * instruction count or at a virtual time. The board stays off until `powerOn()`.
   */
  cutPower(at?: CutOptions): void {
    if (!at || (at.atFlashOp === undefined && at.atInstruction === undefined && at.atTimeUs === undefined)) {
      this.powerCutNow();
      return;
    }
    this.cut = { ...at };
    if (at.atTimeUs !== undefined) this.clock.scheduleAt(at.atTimeUs * 1000, () => this.powerCutNow(), 'power cut');
    if (at.atFlashOp !== undefined && at.atFlashOp <= this.fpec.ops) {
      throw new MotaError('SIM_BAD_OPTION', `flash operation ${at.atFlashOp} already happened (${this.fpec.ops} so far)`, 'arm the cut before running');
    }
  }

  private powerCutNow(): void {
    if (!this.powered) return;
    const op = this.fpec.cut(this.rng);
    this.powered = false;
    this.cut = {};
    this.clock.clearEvents();
    this.usart1.dropLine(); // characters on their way to an unpowered receiver are lost
    this.requestStop();
    this.saveFlashIfDirty(true);
    this.emit('power', { on: false, ...(op ? { op } : {}) });
  }

  private resetCore(): void {
    const dv = new DataView(this.flash.buffer, this.flash.byteOffset, 8);
    this.cpu.resetCore(dv.getUint32(0, true), dv.getUint32(4, true));
    this.coreResetNeeded = false;
  }

  // ---- running ------------------------------------------------------------------------

  /** Stops a running `run()` at its next slice boundary. */
  stop(): void {
    this.stopRequested = true;
    this.requestStop();
  }

  /** Runs the board; resolves when the first stop condition is met. Yields to the event loop between slices. */
  run(opts: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new MotaError('SIM_CLOSED', 'run() on a closed board', 'create a new Board');
    if (this.running) throw new MotaError('SIM_BUSY', 'run() called while the board is already running', 'await the previous run()');
    const p = this.runLoop(opts);
    this.runPromise = p.catch(() => undefined);
    return p;
  }

  private async runLoop(opts: RunOptions): Promise<RunResult> {
    this.running = true;
    this.stopRequested = false;
    try {
      const startNs = this.clock.nowNs();
      const endNs = opts.ms !== undefined ? startNs + opts.ms * 1e6 : opts.us !== undefined ? startNs + opts.us * 1e3 : Infinity;
      const endInstr = opts.instructions !== undefined ? this.instructions + opts.instructions : Infinity;
      // with no limit at all the board runs until stop(), a halt or a power cut
      const realtime = opts.pace === 'realtime';
      const wallStart = performance.now();
      const virtStart = startNs;
      // Slices of virtual time; after each one the Node event loop gets a turn. Slices end at
      // fixed virtual times, so asynchronous host code sees the same device time on every run.
      const sliceNs = realtime ? 2e6 : 20e6;
      for (;;) {
        const sliceEnd = Math.min(endNs, this.clock.nowNs() + sliceNs);
        const r = this.runSlice(sliceEnd, endInstr, opts.until);
        this.flushUart();
        this.saveFlashIfDirty(false);
        if (r) return this.result(r);
        if (this.clock.nowNs() >= endNs) return this.result('time');
        if (this.stopRequested) return this.result('stopped');
        if (realtime) {
          const ahead = (this.clock.nowNs() - virtStart) / 1e6 - (performance.now() - wallStart);
          if (ahead > 1) await new Promise((res) => setTimeout(res, Math.min(ahead, 50)));
          else await new Promise((res) => setImmediate(res));
        } else {
          await new Promise((res) => setImmediate(res));
        }
        if (this.stopRequested) return this.result('stopped');
      }
    } finally {
      this.running = false;
      this.flushUart();
      if (!this.closed) this.saveFlashIfDirty(true); // a run that ends is a stop: the file is current
    }
  }

  private result(reason: StopReason): RunResult {
    return { reason, instructions: this.instructions, timeUs: this.virtualTimeUs };
  }

  /** Runs until `endNs`; returns a stop reason when one other than time occurs. */
  private runSlice(endNs: number, endInstr: number, until?: (b: Board) => boolean): StopReason | undefined {
    const ctl = this.cpu.ctl;
    for (;;) {
      if (!this.powered) return 'power-cut';
      if (this.pendingReset) {
        const cause = this.pendingReset;
        this.pendingReset = undefined;
        this.systemReset(cause);
      }
      if (this.halted) return 'halt';
      if (this.coreResetNeeded) this.resetCore();
      this.clock.fireDue();
      if (!this.powered) return 'power-cut';
      if (this.pendingReset) continue;
      if (until?.(this)) return 'until';
      if (this.instructions >= endInstr) return 'instructions';
      if (this.cut.atInstruction !== undefined && this.instructions >= this.cut.atInstruction) {
        this.powerCutNow();
        return 'power-cut';
      }
      const now = this.clock.nowNs();
      if (now >= endNs) return undefined;
      if (this.stopRequested) return 'stopped';

      // CPU fetching from flash while the FPEC is busy: it stalls until the operation ends.
      if (this.fpec.busy && this.pcInFlash()) {
        const t = Math.min(this.fpec.busyUntil, this.clock.nextEventNs(), endNs);
        this.clock.idleUntil(t);
        continue;
      }

      const nextNs = Math.min(this.clock.nextEventNs(), endNs);
      let budget = Math.min(this.clock.icountAt(nextNs), endInstr);
      const exact = this.cut.atInstruction;
      if (exact !== undefined) budget = Math.min(budget, exact);
      if (budget <= this.instructions) budget = this.instructions + 1;
      ctl[Ctl.budget] = budget;
      ctl[Ctl.skipUntil] = this.skipPolling && exact === undefined ? budget : 0;
      ctl[Ctl.exactStop] = exact ?? 0;
      ctl[Ctl.fastGen]!++;
      let err = this.cpu.run();
      ctl[Ctl.skipUntil] = 0;
      if (exact !== undefined && ctl[Ctl.exactStop]! < 0 && this.pendingError === undefined) {
        // the next block would cross the cut: run the remaining instructions one by one
        ctl[Ctl.exactStop] = 0;
        err = this.cpu.runCount(exact - this.instructions);
        if (err === 0 && ctl[Ctl.intno]! < 0 && this.pendingError === undefined) {
          this.dropStaleCode();
          this.powerCutNow();
          return 'power-cut';
        }
      }
      ctl[Ctl.exactStop] = 0;
      this.dropStaleCode();
      this.flushUart(); // synchronous 'data' listeners see bytes at the virtual time they were sent
      if (this.pendingError !== undefined) {
        const e = this.pendingError;
        this.pendingError = undefined;
        this.halted = true;
        throw e;
      }
      this.checkCpu(err);
      if (this.halted) return 'halt';
    }
  }

  private dropStaleCode(): void {
    for (const [addr, len] of this.staleCode) {
      this.cpu.invalidate(addr, len);
      this.cpu.invalidate(addr - FLASH_MEM_BASE, len);
    }
    this.staleCode = [];
  }

  private pcInFlash(): boolean {
    const pc = this.cpu.reg(15);
    return (pc >= FLASH_MEM_BASE && pc < FLASH_MEM_BASE + this.chip.flashSize) || pc < this.chip.flashSize;
  }

  private checkCpu(err: number): void {
    const ctl = this.cpu.ctl;
    const pc = this.cpu.reg(15);
    const intno = ctl[Ctl.intno]!;
    if (intno === 7) {
      this.halted = true;
      const code = this.cpu.reg(0);
      this.emit('halt', { code, pc });
      return;
    }
    const where = `near PC ${hex(pc)} (block ${hex(ctl[Ctl.lastBlock]!)})`;
    if (intno >= 0) {
      this.halted = true;
      const what = intno === 1 ? 'undefined instruction' : intno === 2 ? 'SVC (no handler on a polling-only board)' : `CPU exception ${intno}`;
      throw new MotaError('SIM_CPU_FAULT', `${what} ${where}`, 'the real chip would enter HardFault; check the code at that address (arm-none-eabi-objdump -d)');
    }
    if (err === 0) return;
    this.halted = true;
    const kind = ctl[Ctl.faultKind]!;
    const addr = hex(ctl[Ctl.faultAddr]!);
    if (kind === 4) {
      const a = ctl[Ctl.faultAddr]!;
      if (a >= SYSMEM_BASE && a < SYSMEM_BASE + 0x1000) {
        throw new MotaError('SIM_BUS_FAULT', `store to system memory at ${addr} ${where}: it is read-only (RM0008 §3.3.1)`, 'check the pointer');
      }
      throw new MotaError('SIM_BUS_FAULT', `store to flash at ${addr} ${where} without FLASH_CR.PG: the FPEC refuses plain stores (bus fault, PM0075 §2.3.3)`, 'unlock the FPEC, set FLASH_CR.PG, then write halfwords');
    }
    if (kind === 5) {
      throw new MotaError('SIM_BUS_FAULT', `instruction fetch from non-executable memory at ${addr} ${where}`, 'check the jump target (system memory holds no code in the virtual board)');
    }
    if (kind >= 1 && kind <= 3) {
      const what = kind === 1 ? 'read of' : kind === 2 ? 'write to' : 'instruction fetch from';
      throw new MotaError('SIM_BUS_FAULT', `${what} unmapped address ${addr} ${where} (RM0008 §3.3 memory map)`, 'check the pointer; the real chip would enter HardFault');
    }
    if (err === 10) {
      throw new MotaError('SIM_CPU_FAULT', `undefined instruction ${where}`, 'the real chip would enter HardFault (UsageFault UNDEFINSTR); check the code at that address (arm-none-eabi-objdump -d)');
    }
    throw new MotaError('SIM_CPU_FAULT', `CPU stopped: ${this.cpu.strerror(err)} ${where}`, 'check the code at that address (arm-none-eabi-objdump -d)');
  }

  // ---- host side ------------------------------------------------------------------------

  private flushUart(): void {
    if (this.txPending.length === 0) return;
    const chunk = Buffer.from(this.txPending);
    this.txPending = [];
    // Only a consumed stream buffers: with nobody reading `uart` (e.g. behind the pty), drop.
    if (this.uart.readableFlowing !== null || this.uart.listenerCount('readable') > 0) this.uart.push(chunk);
    this.pty?.write(chunk);
  }

  /** Sends bytes to USART1's RX line (same as `uart.write`, synchronous). */
  sendToUart(data: Uint8Array | string): void {
    this.fromHost(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Bytes from the host onto USART1's RX line; an unpowered board's receiver takes nothing, as on a real wire. */
  private fromHost(bytes: Uint8Array): void {
    if (!this.powered) return;
    this.usart1.hostSend(bytes);
    this.requestStop();
  }

  /** Everything USART1 transmitted since the last call. */
  takeUartOutput(): Buffer {
    const b = Buffer.from(this.txLog);
    this.txLog = [];
    return b;
  }

  /** Drives a GPIO input pin from outside (a button, a jumper). */
  setPin(port: PortName, pin: number, level: 0 | 1): void {
    this.gpio[port].setInput(pin, level);
    this.cpu.ctl[Ctl.fastGen]!++;
  }

  /** Opens a pseudo-terminal bridged to USART1; resolves to its path (e.g. /dev/pts/5). */
  async openPty(): Promise<string> {
    if (this.pty) return this.pty.path;
    this.pty = await PtyBridge.open((bytes) => this.fromHost(bytes));
    return this.pty.path;
  }

  get ptyPath(): string | undefined {
    return this.pty?.path;
  }

  // ---- persistence ----------------------------------------------------------------------

  /** Saves after a burst of flash operations (50 ms of virtual quiet), or once a second during one. */
  private saveFlashIfDirty(force: boolean): void {
    if (!this.flashFile || !this.flashDirty) return;
    const burstOver = this.clock.nowNs() - this.lastFlashOpNs > 50e6;
    if (!force && !burstOver && performance.now() - this.lastSaveWall < 1000) return;
    this.saveFlash();
  }

  /** Writes the flash image to the flash file (atomically). */
  saveFlash(): void {
    if (!this.flashFile) return;
    const tmp = `${this.flashFile}.${process.pid}.tmp`;
    writeFileSync(tmp, this.flash);
    renameSync(tmp, this.flashFile);
    this.flashDirty = false;
    this.lastSaveWall = performance.now();
  }

  /** Saves the flash file, closes the pty and frees the engine. The board is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    await this.runPromise;
    this.closed = true;
    if (this.flashDirty) this.saveFlash();
    await this.pty?.close();
    this.pty = undefined;
    this.uart.push(null);
    this.cpu.close();
  }
}
