/**
 * CRC-32/MPEG-2 in word order (SPEC §1.4): what the STM32F1 CRC unit computes when the
 * device feeds it little-endian words loaded from flash.
 */
// The subpath's default export resolves the same under ESM and CJS loaders (tsx may load either).
import crc32mpeg2 from 'crc/crc32mpeg2';

/** Plain byte-wise CRC-32/MPEG-2 (poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no xorout). */
export function crc32Mpeg2(bytes: Uint8Array): number {
  return crc32mpeg2(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) >>> 0;
}

/** CRC-32/MPEG-2 over `bytes` taken as little-endian 32-bit words; the length must be a multiple of 4. */
export function crc32WordOrder(bytes: Uint8Array): number {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`crc32WordOrder needs a multiple of 4 bytes, got ${bytes.length}`);
  }
  const swapped = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    swapped[i] = bytes[i + 3]!;
    swapped[i + 1] = bytes[i + 2]!;
    swapped[i + 2] = bytes[i + 1]!;
    swapped[i + 3] = bytes[i]!;
  }
  return crc32mpeg2(swapped) >>> 0;
}
