/**
 * FLASH: the embedded flash memory interface (FPEC), RM0008 §3.3.3 and the STM32F10xxx
 * flash programming manual PM0075 §2.3–2.4. Halfword programming only, into erased
 * (0xFFFF) locations unless the value is 0x0000, else PGERR; page and mass erase;
 * LOCK/KEYR unlock sequence; BSY for the datasheet's typical times (DS5792 table 26).
 * Contents change at the start of an operation; a power cut during one leaves the
 * halfword or page in a seeded undefined state (see `cut`).
 */
import { MotaError } from '../../common/errors.ts';
import { hex, PeripheralBase } from '../peripheral.ts';
import type { Random } from '../random.ts';
import type { BoardContext } from './context.ts';

export const FLASH_BASE_REG = 0x40022000;
export const FLASH_MEM_BASE = 0x08000000;

const FLASH_ACR = 0x00;
const FLASH_KEYR = 0x04;
const FLASH_OPTKEYR = 0x08;
const FLASH_SR = 0x0c;
const FLASH_CR = 0x10;
const FLASH_AR = 0x14;
const FLASH_OBR = 0x1c;
const FLASH_WRPR = 0x20;

export const SR_BSY = 1 << 0;
export const SR_PGERR = 1 << 2;
export const SR_WRPRTERR = 1 << 4;
export const SR_EOP = 1 << 5;
export const CR_PG = 1 << 0;
export const CR_PER = 1 << 1;
export const CR_MER = 1 << 2;
const CR_OPTPG = 1 << 4;
const CR_OPTER = 1 << 5;
export const CR_STRT = 1 << 6;
export const CR_LOCK = 1 << 7;
const CR_RW_MASK = CR_PG | CR_PER | CR_MER | (1 << 10) | (1 << 12); // + ERRIE, EOPIE
export const KEY1 = 0x45670123;
export const KEY2 = 0xcdef89ab;

export interface FlashTiming {
  /** Halfword program time, µs (DS5792 tPROG typ 52.5). */
  programUs: number;
  /** Page erase time, ms (DS5792 tERASE 20–40; no typical given). */
  pageEraseMs: number;
  /** Mass erase time, ms (DS5792 tME 20–40). */
  massEraseMs: number;
}
export const DEFAULT_FLASH_TIMING: FlashTiming = { programUs: 52.5, pageEraseMs: 20, massEraseMs: 20 };

export type FlashOp =
  | { kind: 'program'; addr: number; value: number; old: number }
  | { kind: 'page-erase'; addr: number; old: Uint8Array }
  | { kind: 'mass-erase'; old: Uint8Array };

export class FlashController extends PeripheralBase {
  readonly name = 'FLASH';
  private acr = 0x30;
  private sr = 0;
  private cr = CR_LOCK;
  private ar = 0;
  private keyStep = 0;
  /** End of the operation in progress (virtual ns), 0 when idle. */
  busyUntil = 0;
  /** Operation in progress, for power-cut damage. */
  current: FlashOp | undefined;
  /** Program + erase operations started since the board was created. */
  ops = 0;
  /** Called when an operation starts, with its 1-based number. */
  onOperation: (n: number, op: FlashOp) => void = () => {};
  /** Called after flash bytes change (for translation-cache invalidation and persistence). */
  onContentChange: (addr: number, len: number) => void = () => {};
  getSysclk: () => number = () => 8e6;

  constructor(
    private readonly ctx: BoardContext,
    readonly mem: Uint8Array,
    readonly pageSize: number,
    readonly timing: FlashTiming = DEFAULT_FLASH_TIMING,
    /** FLASH_WRPR as loaded from the option bytes: a 0 bit write-protects its pages. */
    readonly wrpr = 0xffffffff,
  ) {
    super(FLASH_BASE_REG);
  }

  /**
   * Write protection (PM0075 §2.5 option bytes, RM0008 §3.3.3): on 1 KB-page parts one WRPR
   * bit covers 4 pages; on 2 KB-page (high-density) parts bits 0–30 cover 2 pages each and
   * bit 31 covers page 62 to the end.
   */
  isProtected(page: number): boolean {
    const bit = this.pageSize === 1024 ? Math.floor(page / 4) : Math.min(Math.floor(page / 2), 31);
    return bit < 32 && (this.wrpr & (1 << bit)) === 0;
  }

  /** System reset: registers to reset values; an operation in progress completes. */
  reset(): void {
    this.acr = 0x30;
    this.sr = 0;
    this.cr = CR_LOCK;
    this.ar = 0;
    this.keyStep = 0;
    this.busyUntil = 0;
    this.current = undefined;
  }

  get busy(): boolean {
    return this.busyUntil > this.ctx.clock.nowNs();
  }

  override isStable(offset: number): boolean {
    return offset === FLASH_SR || offset === FLASH_CR;
  }

  /** RM0008 §3.3.3: wait states for SYSCLK (0 ≤ 24 MHz < 1 ≤ 48 MHz < 2). */
  checkLatency(sysclk: number): void {
    const latency = this.acr & 7;
    const need = sysclk <= 24e6 ? 0 : sysclk <= 48e6 ? 1 : 2;
    if (latency < need) {
      throw new MotaError(
        'SIM_FLASH_LATENCY',
        `SYSCLK ${sysclk / 1e6} MHz needs FLASH_ACR.LATENCY=${need}, it is ${latency}: the real chip would read flash wrongly`,
        'set FLASH_ACR.LATENCY before switching to the faster clock (RM0008 §3.3.3)',
      );
    }
  }

  readUint32(offset: number): number {
    switch (offset) {
      case FLASH_ACR: return (this.acr & ~0x20) | (this.acr & 0x10 ? 0x20 : 0);
      case FLASH_KEYR:
      case FLASH_OPTKEYR: return 0;
      case FLASH_SR: return (this.sr | (this.busy ? SR_BSY : 0)) >>> 0;
      case FLASH_CR: return this.cr >>> 0;
      case FLASH_AR: return this.ar >>> 0;
      case FLASH_OBR: return 0x03fffffc;
      case FLASH_WRPR: return this.wrpr >>> 0;
      default: return this.bad(offset, false);
    }
  }

  writeUint32(offset: number, value: number): void {
    value >>>= 0;
    switch (offset) {
      case FLASH_ACR:
        this.acr = value & 0x1f;
        this.checkLatency(this.getSysclk());
        return;
      case FLASH_KEYR: return this.writeKey(value);
      case FLASH_OPTKEYR:
        throw new MotaError('SIM_UNMODELLED_FEATURE', 'FLASH_OPTKEYR: option byte programming is not modelled', 'mota never changes option bytes');
      case FLASH_SR:
        this.sr &= ~(value & (SR_PGERR | SR_WRPRTERR | SR_EOP)); // rc_w1
        return;
      case FLASH_CR: return this.writeCr(value);
      case FLASH_AR:
        if (!this.busy) this.ar = value; // blocked while BSY (RM0008 §3.4.5)
        return;
      case FLASH_OBR:
      case FLASH_WRPR: return; // read-only
      default: return this.bad(offset, true);
    }
  }

  /** PM0075 §2.3.1: KEY1 then KEY2 unlocks; any other sequence is a bus error and locks the FPEC until reset. */
  private writeKey(value: number): void {
    if (!(this.cr & CR_LOCK)) return;
    if (this.keyStep === 0 && value === KEY1) {
      this.keyStep = 1;
      return;
    }
    if (this.keyStep === 1 && value === KEY2) {
      this.keyStep = 0;
      this.cr &= ~CR_LOCK;
      return;
    }
    this.keyStep = 2;
    throw new MotaError(
      'SIM_BUS_FAULT',
      `wrong FLASH_KEYR unlock sequence (wrote ${hex(value)}): the FPEC raises a bus error and stays locked until reset (PM0075 §2.3.1)`,
      'write 0x45670123 then 0xCDEF89AB to FLASH_KEYR',
    );
  }

  private writeCr(value: number): void {
    if (this.cr & CR_LOCK) return; // FLASH_CR is write-protected while LOCK (PM0075 §2.3.1)
    if (value & (CR_OPTPG | CR_OPTER)) {
      throw new MotaError('SIM_UNMODELLED_FEATURE', 'FLASH_CR OPTPG/OPTER: option byte programming is not modelled', 'mota never changes option bytes');
    }
    this.cr = (value & CR_RW_MASK) | (value & CR_LOCK);
    if (value & CR_LOCK) {
      this.cr = CR_LOCK | (this.cr & ~CR_RW_MASK);
      return;
    }
    if (value & CR_STRT) {
      if (this.cr & CR_MER) this.massErase();
      else if (this.cr & CR_PER) this.pageErase();
    }
  }

  private startOp(op: FlashOp, durationNs: number, changedAddr: number, changedLen: number): void {
    const start = Math.max(this.ctx.clock.nowNs(), this.busyUntil);
    this.busyUntil = start + durationNs;
    this.current = op;
    this.ops++;
    this.onContentChange(changedAddr, changedLen);
    const end = this.busyUntil;
    this.ctx.clock.scheduleAt(end, () => {
      if (this.busyUntil === end) {
        this.current = undefined;
        this.sr |= SR_EOP;
      }
    }, 'FLASH EOP');
    this.ctx.requestStop(); // the CPU stalls on its next flash fetch while BSY
    this.onOperation(this.ops, op);
  }

  private pageErase(): void {
    const off = this.ar - FLASH_MEM_BASE;
    if (off < 0 || off >= this.mem.length) {
      throw new MotaError('SIM_FLASH_ADDRESS', `page erase of ${hex(this.ar)}: FLASH_AR is outside main flash`, 'set FLASH_AR to an address inside the page to erase');
    }
    const pageOff = off - (off % this.pageSize);
    if (this.isProtected(pageOff / this.pageSize)) {
      this.sr |= SR_WRPRTERR;
      return;
    }
    const old = this.mem.slice(pageOff, pageOff + this.pageSize);
    this.mem.fill(0xff, pageOff, pageOff + this.pageSize);
    this.startOp({ kind: 'page-erase', addr: FLASH_MEM_BASE + pageOff, old }, this.timing.pageEraseMs * 1e6, FLASH_MEM_BASE + pageOff, this.pageSize);
  }

  private massErase(): void {
    if (this.wrpr !== 0xffffffff) {
      this.sr |= SR_WRPRTERR; // mass erase refuses while any page is protected
      return;
    }
    const old = this.mem.slice();
    this.mem.fill(0xff);
    this.startOp({ kind: 'mass-erase', old }, this.timing.massEraseMs * 1e6, FLASH_MEM_BASE, this.mem.length);
  }

  /**
   * A CPU store into flash (either alias). Returns 0 for a bus fault (PG not set), 1 when
   * the stored value is what flash now holds, 2 when the contents must stay as they were.
   * PM0075 §2.3.3: halfwords only; an unerased location (≠ 0xFFFF) is not programmed and
   * sets PGERR unless the value is 0x0000.
   */
  store(addr: number, size: number, value: number): 0 | 1 | 2 {
    if (!(this.cr & CR_PG)) return 0;
    const off = (addr >= FLASH_MEM_BASE ? addr - FLASH_MEM_BASE : addr) >>> 0;
    if (size !== 2) {
      throw new MotaError('SIM_FLASH_WIDTH', `${size * 8}-bit store to flash at ${hex(addr)}: the FPEC programs halfwords only (PM0075 §2.3.3)`, 'write flash with 16-bit stores (uint16_t)');
    }
    if (off & 1) throw new MotaError('SIM_FLASH_ADDRESS', `unaligned halfword store to flash at ${hex(addr)}`, 'program halfword-aligned addresses');
    value &= 0xffff;
    const old = this.mem[off]! | (this.mem[off + 1]! << 8);
    if (this.isProtected(Math.floor(off / this.pageSize))) {
      this.sr |= SR_WRPRTERR;
      return 2;
    }
    if (old !== 0xffff && value !== 0) {
      this.sr |= SR_PGERR;
      return 2;
    }
    this.mem[off] = value & 0xff;
    this.mem[off + 1] = value >>> 8;
    this.startOp({ kind: 'program', addr: FLASH_MEM_BASE + off, value, old }, this.timing.programUs * 1e3, FLASH_MEM_BASE + off, 2);
    return 1;
  }

  /**
   * Power lost during the operation in progress: a halfword being programmed keeps some
   * bits unprogrammed; a page being erased ends up with some words erased, some old and
   * some random — neither old nor erased. Seeded, so a campaign is reproducible.
   */
  cut(rng: Random): FlashOp | undefined {
    const op = this.busy ? this.current : undefined;
    if (op) {
      if (op.kind === 'program') {
        const off = op.addr - FLASH_MEM_BASE;
        let v = op.old & (op.value | (rng.u32() & 0xffff));
        if (v === op.value && op.value !== op.old) v = op.old & (op.value | (1 << rng.below(16))); // really half-done
        this.mem[off] = v & 0xff;
        this.mem[off + 1] = v >>> 8;
        this.onContentChange(op.addr, 2);
      } else {
        const base = op.kind === 'page-erase' ? op.addr - FLASH_MEM_BASE : 0;
        damage(this.mem, base, op.old, rng);
        this.onContentChange(FLASH_MEM_BASE + base, op.old.length);
      }
    }
    this.reset();
    return op;
  }
}

function damage(mem: Uint8Array, base: number, old: Uint8Array, rng: Random): void {
  const words = old.length / 4;
  // Every outcome appears at least once (three distinct words chosen by the seed), the rest is seeded chance.
  const forced = new Map<number, number>();
  const rotate = rng.below(3);
  while (forced.size < 3) {
    const w = rng.below(words);
    if (!forced.has(w)) forced.set(w, (forced.size + rotate) % 3);
  }
  for (let w = 0; w < words; w++) {
    const choice = forced.get(w) ?? rng.below(3);
    for (let b = 0; b < 4; b++) {
      const i = w * 4 + b;
      if (choice === 0) mem[base + i] = 0xff;
      else if (choice === 1) mem[base + i] = old[i]!;
      else mem[base + i] = rng.below(256);
    }
  }
}
