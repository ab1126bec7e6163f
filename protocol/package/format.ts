/**
 * Constants of the model package format (protocol/SPEC.md §1) and its error codes (§1.6).
 */
import { MotaError } from '../../common/errors.ts';

export const HEADER_SIZE = 128;
export const SIGNATURE_SIZE = 64;
export const FORMAT_VERSION = 1;
export const MAGIC = Uint8Array.of(0x4d, 0x4f, 0x54, 0x41); // "MOTA"
export const NAME_FIELD_SIZE = 32;
export const NAME_MAX_LENGTH = 31;
export const MIN_PAYLOAD_SIZE = 8;
/** Bit 0 of `flags`; bits 1..15 are reserved and must be zero. */
export const FLAG_HAS_SELFTEST = 0x0001;
/** The capacity a package file is checked against when no board is named (§1.6 check 8). */
export const FILE_CAPACITY = 1024 * 1024;
/** Packages, payload and self-test sections are padded to this unit (§1). */
export const ALIGNMENT = 8;

/** Header field offsets (§1.1). */
export const OFF = {
  magic: 0,
  formatVersion: 4,
  headerSize: 6,
  name: 8,
  versionMajor: 40,
  versionMinor: 42,
  versionPatch: 44,
  flags: 46,
  payloadSize: 48,
  selftestSize: 52,
  imageSize: 56,
  keyId: 60,
  bodySha256: 64,
  bodyCrc32: 96,
  created: 100,
  reserved: 104,
  headerCrc32: 124,
} as const;
export const RESERVED_SIZE = 20;

/** Error codes of §1.6 with their stable numbers (the C side uses the numbers). */
export const PKG_ERROR_NUMBERS = {
  PKG_TRUNCATED: 1,
  PKG_BAD_MAGIC: 2,
  PKG_UNSUPPORTED_FORMAT: 3,
  PKG_HEADER_CRC: 4,
  PKG_BAD_NAME: 5,
  PKG_BAD_FLAGS: 6,
  PKG_BAD_SIZES: 7,
  PKG_TOO_LARGE: 8,
  PKG_BAD_PADDING: 9,
  PKG_BODY_CRC: 10,
  PKG_HASH_MISMATCH: 11,
  PKG_UNKNOWN_KEY: 12,
  PKG_SIG_INVALID: 13,
  PKG_BAD_SELFTEST: 14,
  PKG_NOT_TFLITE: 15,
} as const;
export type PackageErrorCode = keyof typeof PKG_ERROR_NUMBERS;

export function isPackageErrorCode(code: string): code is PackageErrorCode {
  return Object.hasOwn(PKG_ERROR_NUMBERS, code);
}

/** Throws the §1.6 error `code` with a message naming the problem. */
export function packageError(code: PackageErrorCode, message: string, hint?: string): MotaError {
  return new MotaError(code, message, hint);
}

export function alignUp(n: number, unit = ALIGNMENT): number {
  return Math.ceil(n / unit) * unit;
}

/** `S` of §1: 128 + P' + T' + 64. */
export function imageSizeFor(payloadSize: number, selftestSize: number): number {
  return HEADER_SIZE + alignUp(payloadSize) + alignUp(selftestSize) + SIGNATURE_SIZE;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
