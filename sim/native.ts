/**
 * Loads the native engine (sim/build/libmotasim.so, a thin C layer over Unicorn) through
 * koffi, building it with `make -C sim` first when it is missing or older than its source.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { MotaError } from '../common/errors.ts';

export const SIM_DIR = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = join(SIM_DIR, 'build');

/** Unicorn memory permissions (unicorn.h uc_prot). */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const PROT_ALL = 7;

/** `kind` argument of the io callback (motasim.c). */
export const IO_READ = 0;
export const IO_WRITE = 1;
export const IO_FLASH_STORE = 2;

/** Layout of the shared control block (msim_ctl_t, all doubles). */
export const Ctl = {
  icount: 0,
  budget: 1,
  fastReads: 2,
  ioCalls: 3,
  faultAddr: 4,
  faultKind: 5,
  lastBlock: 6,
  skipUntil: 7,
  skipped: 8,
  decodeErrors: 9,
  intno: 10,
  fastGen: 11,
  setAddr: 12,
  setValue: 13,
  setUntil: 14,
  setI0: 15,
  setRate: 16,
  exactStop: 17,
  blocks: 18,
  misses: 19,
} as const;

export type IoCallback = (kind: number, addr: number, size: number, value: number) => number;

export interface NativeApi {
  msim_new(): unknown;
  msim_free(s: unknown): void;
  msim_ctl(s: unknown): unknown;
  msim_ctl_size(): number;
  msim_set_io(s: unknown, cb: unknown): void;
  msim_alloc(s: unknown, size: number): unknown;
  msim_map_ptr(s: unknown, addr: number, size: number, host: unknown, perms: number, isFlash: number): number;
  msim_map_mmio(s: unknown, addr: number, size: number): number;
  msim_invalidate(s: unknown, addr: number, len: number): number;
  msim_fast_set(s: unknown, addr: number, value: number, validUntil: number): number;
  msim_fast_clear(s: unknown): void;
  msim_reg(s: unknown, index: number): number;
  msim_set_reg(s: unknown, index: number, value: number): number;
  msim_reset_cpu(s: unknown, sp: number, pc: number): number;
  msim_run(s: unknown): number;
  msim_run_count(s: unknown, count: number): number;
  msim_strerror(err: number): string;
}

let api: { fns: NativeApi; ioProto: koffi.IKoffiCType } | undefined;

function newerThan(a: string, b: string): boolean {
  return existsSync(a) && statSync(a).mtimeMs >= statSync(b).mtimeMs;
}

/** Runs `make -C sim <target>` when `output` is missing or older than `source`. */
export function ensureBuilt(output: string, source: string, target: string): void {
  if (newerThan(output, source)) return;
  try {
    execFileSync('make', ['-s', '-C', SIM_DIR, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new MotaError(
      'SIM_BUILD_FAILED',
      `building ${target} failed: ${err.stderr?.toString().trim() || err.message}`,
      'run `npm run bootstrap` (it installs libunicorn-dev, gcc and gcc-arm-none-eabi), then `make -C sim`',
    );
  }
}

export function loadNative(): { fns: NativeApi; ioProto: koffi.IKoffiCType } {
  if (api) return api;
  const so = join(BUILD_DIR, 'libmotasim.so');
  ensureBuilt(so, join(SIM_DIR, 'native', 'motasim.c'), 'build/libmotasim.so');
  let lib: koffi.IKoffiLib;
  try {
    lib = koffi.load(so);
  } catch (e) {
    throw new MotaError('SIM_NATIVE_LOAD', `cannot load ${so}: ${(e as Error).message}`, 'is libunicorn2 installed? run `npm run bootstrap`');
  }
  const ioProto = koffi.proto('uint32_t MotaIoCb(uint32_t kind, uint32_t addr, uint32_t size, uint32_t value)');
  const f = (sig: string) => lib.func(sig);
  const fns: NativeApi = {
    msim_new: f('void *msim_new(void)'),
    msim_free: f('void msim_free(void *s)'),
    msim_ctl: f('void *msim_ctl(void *s)'),
    msim_ctl_size: f('uint32_t msim_ctl_size(void)'),
    msim_set_io: f('void msim_set_io(void *s, MotaIoCb *cb)'),
    msim_alloc: f('void *msim_alloc(void *s, uint32_t size)'),
    msim_map_ptr: f('int msim_map_ptr(void *s, uint32_t addr, uint32_t size, void *host, uint32_t perms, int is_flash)'),
    msim_map_mmio: f('int msim_map_mmio(void *s, uint32_t addr, uint32_t size)'),
    msim_invalidate: f('int msim_invalidate(void *s, uint32_t addr, uint32_t len)'),
    msim_fast_set: f('int msim_fast_set(void *s, uint32_t addr, uint32_t value, double valid_until)'),
    msim_fast_clear: f('void msim_fast_clear(void *s)'),
    msim_reg: f('uint32_t msim_reg(void *s, uint32_t index)'),
    msim_set_reg: f('int msim_set_reg(void *s, uint32_t index, uint32_t value)'),
    msim_reset_cpu: f('int msim_reset_cpu(void *s, uint32_t sp, uint32_t pc)'),
    msim_run: f('int msim_run(void *s)'),
    msim_run_count: f('int msim_run_count(void *s, uint32_t count)'),
    msim_strerror: f('const char *msim_strerror(int err)'),
  } as unknown as NativeApi;
  api = { fns, ioProto };
  return api;
}

/** One Unicorn engine with its shared control block and host-memory mappings. */
export class NativeCpu {
  readonly fns: NativeApi;
  readonly handle: unknown;
  /** Shared control block: icount, budget, statistics (see Ctl). A plain copy after close(). */
  ctl: Float64Array;
  private closed = false;
  private readonly callback: unknown;

  constructor(io: IoCallback) {
    const { fns, ioProto } = loadNative();
    this.fns = fns;
    const handle = fns.msim_new();
    if (!handle) throw new MotaError('SIM_NATIVE_LOAD', 'Unicorn refused to create a Cortex-M3 engine', 'check that libunicorn2 ≥ 2.0 is installed');
    this.handle = handle;
    this.ctl = new Float64Array(koffi.view(fns.msim_ctl(handle), fns.msim_ctl_size() * 8) as ArrayBuffer);
    this.callback = koffi.register(io, koffi.pointer(ioProto));
    fns.msim_set_io(handle, this.callback);
  }

  /** Allocates page-aligned host memory and maps it at `addr`; returns a live view of it. */
  mapMemory(addr: number, size: number, perms: number, isFlash: boolean, host?: unknown): { bytes: Uint8Array; ptr: unknown } {
    const ptr = host ?? this.fns.msim_alloc(this.handle, size);
    if (!ptr) throw new MotaError('SIM_NATIVE_LOAD', `out of memory mapping ${size} bytes`);
    const err = this.fns.msim_map_ptr(this.handle, addr, size, ptr, perms, isFlash ? 1 : 0);
    if (err !== 0) throw new MotaError('SIM_MAP', `mapping 0x${addr.toString(16)} failed: ${this.fns.msim_strerror(err)}`);
    return { bytes: new Uint8Array(koffi.view(ptr, size) as ArrayBuffer), ptr };
  }

  mapMmio(addr: number, size: number): void {
    const err = this.fns.msim_map_mmio(this.handle, addr, size);
    if (err !== 0) throw new MotaError('SIM_MAP', `mapping MMIO 0x${addr.toString(16)} failed: ${this.fns.msim_strerror(err)}`);
  }

  invalidate(addr: number, len: number): void {
    this.fns.msim_invalidate(this.handle, addr, len);
  }

  reg(index: number): number {
    return this.fns.msim_reg(this.handle, index);
  }

  setReg(index: number, value: number): void {
    this.fns.msim_set_reg(this.handle, index, value >>> 0);
  }

  resetCore(sp: number, pc: number): void {
    this.fns.msim_reset_cpu(this.handle, sp >>> 0, pc >>> 0);
  }

  run(): number {
    return this.fns.msim_run(this.handle);
  }

  /** Runs exactly `count` instructions (Unicorn count mode; costs a translation flush). */
  runCount(count: number): number {
    return this.fns.msim_run_count(this.handle, count);
  }

  strerror(err: number): string {
    return this.fns.msim_strerror(err);
  }

  fastSet(addr: number, value: number, validUntil: number): boolean {
    return this.fns.msim_fast_set(this.handle, addr, value >>> 0, validUntil) === 0;
  }

  fastClear(): void {
    this.fns.msim_fast_clear(this.handle);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctl = new Float64Array(this.ctl);
    this.fns.msim_free(this.handle);
    koffi.unregister(this.callback as koffi.IKoffiRegisteredCallback);
  }
}
