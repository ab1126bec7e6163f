import { ByteBuffer } from 'flatbuffers';
import { MotaError } from '../../common/errors.ts';

/**
 * Bounds-checked access to a flatbuffer on top of the npm `flatbuffers` ByteBuffer, whose own
 * readers do not check bounds (a hostile offset would read `undefined` as 0 or throw RangeError).
 * Every read goes through `need()`, so a truncated or corrupt file becomes MODEL_MALFORMED
 * naming what was being read.
 */
export class CheckedFlatbuffer {
  readonly bb: ByteBuffer;
  readonly size: number;

  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  malformed(what: string, detail: string): MotaError {
    return new MotaError(
      'MODEL_MALFORMED',
      `model file is truncated or corrupt: ${what} ${detail} (file is ${this.size} bytes)`,
      'use the .tflite file exactly as the TensorFlow Lite converter wrote it (re-copy or re-export it)',
    );
  }

  need(pos: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || len < 0 || pos + len > this.size) {
      throw this.malformed(what, `lies at bytes ${pos}..${pos + len}, outside the file`);
    }
  }

  u8(pos: number, what: string): number { this.need(pos, 1, what); return this.bb.readUint8(pos); }
  i8(pos: number, what: string): number { this.need(pos, 1, what); return this.bb.readInt8(pos); }
  u16(pos: number, what: string): number { this.need(pos, 2, what); return this.bb.readUint16(pos); }
  i16(pos: number, what: string): number { this.need(pos, 2, what); return this.bb.readInt16(pos); }
  i32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readInt32(pos); }
  u32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readUint32(pos); }
  f32(pos: number, what: string): number { this.need(pos, 4, what); return this.bb.readFloat32(pos); }
  i64(pos: number, what: string): bigint { this.need(pos, 8, what); return this.bb.readInt64(pos); }
  u64(pos: number, what: string): bigint { this.need(pos, 8, what); return this.bb.readUint64(pos); }

  /** Follows a uoffset stored at `pos` (always forward, so walks cannot loop). */
  indirect(pos: number, what: string): number {
    const target = pos + this.u32(pos, what);
    this.need(target, 1, what);
    return target;
  }

  /** The root table: uoffset at byte 0. */
  root(): Table {
    if (this.size < 8) throw this.malformed('the header', 'needs 8 bytes');
    return this.table(this.indirect(0, 'root table offset'), 'root table (Model)');
  }

  table(pos: number, what: string): Table {
    const vtable = pos - this.i32(pos, `${what} vtable offset`);
    const vtableBytes = this.u16(vtable, `${what} vtable`);
    const objectBytes = this.u16(vtable + 2, `${what} vtable`);
    if (vtableBytes < 4 || vtableBytes % 2 !== 0) throw this.malformed(`${what} vtable`, `has an invalid size ${vtableBytes}`);
    this.need(vtable, vtableBytes, `${what} vtable`);
    this.need(pos, Math.max(objectBytes, 4), what);
    return new Table(this, pos, vtable, vtableBytes, objectBytes, what);
  }
}

/** One table: field presence and scalar defaults come from its (possibly shared) vtable. */
export class Table {
  constructor(
    readonly fb: CheckedFlatbuffer,
    readonly pos: number,
    readonly vtable: number,
    private readonly vtableBytes: number,
    private readonly objectBytes: number,
    readonly what: string,
  ) {}

  /** Absolute position of field `id`, or 0 when absent (vtable too short or slot 0). */
  field(id: number, size: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableBytes) return 0;
    const rel = this.fb.u16(this.vtable + slot, `${this.what}.${name}`);
    if (rel === 0) return 0;
    if (rel + size > this.objectBytes) throw this.fb.malformed(`${this.what}.${name}`, `lies outside its table (field at +${rel}, table is ${this.objectBytes} bytes)`);
    return this.pos + rel;
  }

  has(id: number): boolean {
    const slot = 4 + 2 * id;
    return slot + 2 <= this.vtableBytes && this.fb.u16(this.vtable + slot, this.what) !== 0;
  }

  u8(id: number, name: string, dflt: number): number { const p = this.field(id, 1, name); return p ? this.fb.u8(p, `${this.what}.${name}`) : dflt; }
  i8(id: number, name: string, dflt: number): number { const p = this.field(id, 1, name); return p ? this.fb.i8(p, `${this.what}.${name}`) : dflt; }
  bool(id: number, name: string): boolean { return this.u8(id, name, 0) !== 0; }
  i32(id: number, name: string, dflt: number): number { const p = this.field(id, 4, name); return p ? this.fb.i32(p, `${this.what}.${name}`) : dflt; }
  u32(id: number, name: string, dflt: number): number { const p = this.field(id, 4, name); return p ? this.fb.u32(p, `${this.what}.${name}`) : dflt; }
  u64(id: number, name: string, dflt: bigint): bigint { const p = this.field(id, 8, name); return p ? this.fb.u64(p, `${this.what}.${name}`) : dflt; }

  /** A sub-table, or null when the field is absent. */
  table(id: number, name: string): Table | null {
    const p = this.field(id, 4, name);
    return p ? this.fb.table(this.fb.indirect(p, `${this.what}.${name}`), `${this.what}.${name}`) : null;
  }

  /** A vector's element start and length, bounds-checked for `elemSize`-byte elements; null when absent. */
  vector(id: number, elemSize: number, name: string): { start: number; length: number } | null {
    const p = this.field(id, 4, name);
    if (!p) return null;
    const what = `${this.what}.${name}`;
    const vec = this.fb.indirect(p, what);
    const length = this.fb.u32(vec, `${what} length`);
    this.fb.need(vec + 4, length * elemSize, `${what} (${length} elements)`);
    return { start: vec + 4, length };
  }

  string(id: number, name: string): string | null {
    const v = this.vector(id, 1, name);
    if (!v) return null;
    return new TextDecoder('utf-8', { fatal: false }).decode(this.fb.bytes.subarray(v.start, v.start + v.length));
  }

  int32s(id: number, name: string): number[] | null {
    const v = this.vector(id, 4, name);
    if (!v) return null;
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.fb.i32(v.start + 4 * i, `${this.what}.${name}[${i}]`));
    return out;
  }

  floats(id: number, name: string): number[] | null {
    const v = this.vector(id, 4, name);
    if (!v) return null;
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.fb.f32(v.start + 4 * i, `${this.what}.${name}[${i}]`));
    return out;
  }

  int64s(id: number, name: string): bigint[] | null {
    const v = this.vector(id, 8, name);
    if (!v) return null;
    const out: bigint[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.fb.i64(v.start + 8 * i, `${this.what}.${name}[${i}]`));
    return out;
  }

  bytes(id: number, name: string): Uint8Array | null {
    const v = this.vector(id, 1, name);
    return v ? this.fb.bytes.subarray(v.start, v.start + v.length) : null;
  }

  /** Tables of a vector of tables. */
  tables(id: number, name: string): Table[] | null {
    const v = this.vector(id, 4, name);
    if (!v) return null;
    const out: Table[] = [];
    for (let i = 0; i < v.length; i++) {
      const what = `${this.what}.${name}[${i}]`;
      out.push(this.fb.table(this.fb.indirect(v.start + 4 * i, what), what));
    }
    return out;
  }
}
