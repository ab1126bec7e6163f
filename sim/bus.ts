/**
 * The peripheral bus: a map from base address to peripheral, turning 8/16/32-bit accesses
 * into the word accesses the peripheral classes implement. STM32F1 APB registers are
 * accessed as words or halfwords (RM0008 §2.2, §3.1); a narrower access at the register's
 * own address is a zero-extended write, and a write into the upper half is refused loudly
 * unless the register is a set/reset register (GPIO BSRR), where the halves are independent.
 */
import { MotaError } from '../common/errors.ts';
import { hex, type Peripheral } from './peripheral.ts';

export interface Mapped {
  base: number;
  periph: Peripheral;
  /** Clock gate checked before each access; returns an error message when gated. */
  gate?: () => string | undefined;
  /** Offsets where an upper-half write is meaningful (BSRR). */
  splitHalves?: number[];
}

export class Bus {
  private readonly regions: Mapped[] = [];
  private last: Mapped | undefined;

  add(m: Mapped): void {
    this.regions.push(m);
  }

  find(addr: number): Mapped {
    const l = this.last;
    if (l && addr >= l.base && addr < l.base + l.periph.size) return l;
    for (const m of this.regions) {
      if (addr >= m.base && addr < m.base + m.periph.size) {
        this.last = m;
        return m;
      }
    }
    throw new MotaError(
      'SIM_UNMODELLED_PERIPHERAL',
      `access to ${hex(addr)}: no peripheral the virtual STM32F103 models lives there (RM0008 §3.3 memory map)`,
      'model it in sim/peripherals/, or check the address',
    );
  }

  private check(m: Mapped): void {
    const why = m.gate?.();
    if (why) throw new MotaError('SIM_CLOCK_DISABLED', why, 'enable the peripheral clock in RCC first (RM0008 §7.3.6–7.3.8)');
  }

  read(addr: number, size: number): number {
    const m = this.find(addr);
    this.check(m);
    const off = addr - m.base;
    const word = m.periph.readUint32(off & ~3) >>> 0;
    if (size === 4) return word;
    const shift = (off & 3) * 8;
    return (word >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(addr: number, size: number, value: number): void {
    const m = this.find(addr);
    this.check(m);
    const off = addr - m.base;
    if (size === 4 || (off & 3) === 0) {
      m.periph.writeUint32(off, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
      return;
    }
    const aligned = off & ~3;
    if (size === 2 && (off & 3) === 2 && m.splitHalves?.includes(aligned)) {
      m.periph.writeUint32(aligned, ((value & 0xffff) << 16) >>> 0);
      return;
    }
    throw new MotaError(
      'SIM_UNALIGNED_REGISTER_WRITE',
      `${size * 8}-bit write to ${m.periph.name} at ${hex(addr)}, inside a register: not modelled`,
      'write the whole register (32-bit) instead',
    );
  }

  countingAt(addr: number): { base: number; originNs: number; perNs: number } | undefined {
    const m = this.find(addr);
    return m.periph.countingAt?.(addr - m.base);
  }

  /** Until when (virtual ns) a value just read at `addr` may be served from the native cache. */
  stableUntilNs(addr: number): number {
    const m = this.find(addr);
    const off = addr - m.base;
    if (m.periph.stableUntilNs) return m.periph.stableUntilNs(off);
    return m.periph.isStable?.(off) ? Infinity : -Infinity;
  }
}
