/**
 * The contract every modelled peripheral follows (rp2040js style): word access by offset,
 * registers named as in RM0008, and a loud error for anything not modelled.
 */
import { MotaError } from '../common/errors.ts';

export interface Peripheral {
  readonly name: string;
  /** Bytes of address space decoded for this peripheral. */
  readonly size: number;
  readUint32(offset: number): number;
  writeUint32(offset: number, value: number): void;
  /** True when reading `offset` has no side effect and its value changes only on an event or a write. */
  isStable?(offset: number): boolean;
  /**
   * For registers that change with time (a timer's counter): virtual time (ns) until which
   * the value just read stays the same, or -Infinity when it must not be cached. Overrides isStable.
   */
  stableUntilNs?(offset: number): number;
  /**
   * For a counting register (a timer's CNT): its value is `base + floor((t - originNs) · perNs)`
   * (mod 2^32) until stableUntilNs, so the native layer can answer reads without JavaScript.
   */
  countingAt?(offset: number): { base: number; originNs: number; perNs: number } | undefined;
}

export function hex(n: number, digits = 8): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(digits, '0');
}

export function unmodelled(p: { name: string; base: number }, offset: number, write: boolean): MotaError {
  return new MotaError(
    'SIM_UNMODELLED_REGISTER',
    `${write ? 'write to' : 'read of'} ${p.name} register at ${hex(p.base + offset)} (offset ${hex(offset, 2)}) which the virtual STM32F103 does not model`,
    `model it in sim/peripherals/ (citing RM0008), or avoid it in the firmware`,
  );
}

/** Base class: keeps the base address for messages and offers the unmodelled-register error. */
export abstract class PeripheralBase implements Peripheral {
  abstract readonly name: string;
  readonly size: number = 0x400;
  constructor(readonly base: number) {}
  abstract readUint32(offset: number): number;
  abstract writeUint32(offset: number, value: number): void;
  isStable(_offset: number): boolean {
    return false;
  }
  protected bad(offset: number, write: boolean): never {
    throw unmodelled(this, offset, write);
  }
}
