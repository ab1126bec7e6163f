/** ELF32 little-endian ARM images: the PT_LOAD segments, placed at their physical address. */
import { MotaError } from '../common/errors.ts';

export interface Segment {
  paddr: number;
  data: Uint8Array;
}

export function parseElf(bytes: Uint8Array, name = 'image'): { entry: number; segments: Segment[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) =>
    new MotaError('SIM_BAD_ELF', `${name} is not a loadable ARM ELF32 file: ${why}`, 'pass the .elf produced by arm-none-eabi-gcc');
  if (bytes.length < 52 || dv.getUint32(0, false) !== 0x7f454c46) throw bad('missing ELF magic');
  if (bytes[4] !== 1 || bytes[5] !== 1) throw bad('not 32-bit little-endian');
  if (dv.getUint16(18, true) !== 40) throw bad('machine is not ARM');
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (p + 32 > bytes.length) throw bad('program header table truncated');
    const type = dv.getUint32(p, true);
    const offset = dv.getUint32(p + 4, true);
    const paddr = dv.getUint32(p + 12, true);
    const filesz = dv.getUint32(p + 16, true);
    if (type !== 1 || filesz === 0) continue; // PT_LOAD with file contents only
    if (offset + filesz > bytes.length) throw bad(`segment ${i} extends past the end of the file`);
    segments.push({ paddr, data: bytes.subarray(offset, offset + filesz) });
  }
  if (segments.length === 0) throw bad('no PT_LOAD segment with contents');
  return { entry, segments };
}
