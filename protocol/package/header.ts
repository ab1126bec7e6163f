/**
 * The 128-byte package header (SPEC §1.1): encode and decode, no policy. The checks of
 * §1.6 live in parse.ts.
 */
import { MotaError } from '../../common/errors.ts';
import { crc32WordOrder } from './crc.ts';
import { FORMAT_VERSION, HEADER_SIZE, MAGIC, NAME_FIELD_SIZE, NAME_MAX_LENGTH, OFF, RESERVED_SIZE, toHex } from './format.ts';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

export interface PackageHeader {
  magic: Uint8Array;
  formatVersion: number;
  headerSize: number;
  /** The name field up to its first NUL byte, as Latin-1 (so invalid bytes stay visible). */
  name: string;
  /** All 32 bytes of the name field. */
  nameField: Uint8Array;
  version: SemVer;
  flags: number;
  payloadSize: number;
  selftestSize: number;
  imageSize: number;
  keyId: Uint8Array;
  bodySha256: Uint8Array;
  bodyCrc32: number;
  created: number;
  reserved: Uint8Array;
  headerCrc32: number;
}

/** Fields a writer chooses; magic, format version, header size and reserved are fixed. */
export type HeaderFields = Pick<
  PackageHeader,
  'name' | 'version' | 'flags' | 'payloadSize' | 'selftestSize' | 'imageSize' | 'keyId' | 'bodySha256' | 'bodyCrc32' | 'created'
>;

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,30}$/;

/** Whether `name` is a valid model name (SPEC §1.2). */
export function isValidName(name: string): boolean {
  return name.length <= NAME_MAX_LENGTH && NAME_PATTERN.test(name);
}

const VERSION_PATTERN = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/** Parses "major.minor.patch", each 0..65535; no pre-release or build suffix (SPEC §1.2). */
export function parseVersion(text: string): SemVer {
  const m = VERSION_PATTERN.exec(text);
  const parts = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || parts.some((p) => p > 0xffff)) {
    throw new MotaError(
      'USAGE_BAD_VERSION',
      `version "${text}" is not of the form major.minor.patch with each number 0..65535`,
      'write it like 1.2.0 (no leading zeros, no suffix such as -rc1)',
    );
  }
  return { major: parts[0]!, minor: parts[1]!, patch: parts[2]! };
}

export function formatVersion(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** The 48-bit number major·2^32 + minor·2^16 + patch that orders versions (exact in a double). */
export function versionNumber(v: SemVer): number {
  return v.major * 2 ** 32 + v.minor * 2 ** 16 + v.patch;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return Math.sign(versionNumber(a) - versionNumber(b));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes the first 128 bytes as a header, without checking anything. */
export function decodeHeader(bytes: Uint8Array): PackageHeader {
  if (bytes.length < HEADER_SIZE) throw new RangeError(`a header is ${HEADER_SIZE} bytes, got ${bytes.length}`);
  const dv = view(bytes);
  const nameField = bytes.slice(OFF.name, OFF.name + NAME_FIELD_SIZE);
  const nul = nameField.indexOf(0);
  return {
    magic: bytes.slice(OFF.magic, OFF.magic + 4),
    formatVersion: dv.getUint16(OFF.formatVersion, true),
    headerSize: dv.getUint16(OFF.headerSize, true),
    name: Buffer.from(nameField.subarray(0, nul === -1 ? NAME_FIELD_SIZE : nul)).toString('latin1'),
    nameField,
    version: {
      major: dv.getUint16(OFF.versionMajor, true),
      minor: dv.getUint16(OFF.versionMinor, true),
      patch: dv.getUint16(OFF.versionPatch, true),
    },
    flags: dv.getUint16(OFF.flags, true),
    payloadSize: dv.getUint32(OFF.payloadSize, true),
    selftestSize: dv.getUint32(OFF.selftestSize, true),
    imageSize: dv.getUint32(OFF.imageSize, true),
    keyId: bytes.slice(OFF.keyId, OFF.keyId + 4),
    bodySha256: bytes.slice(OFF.bodySha256, OFF.bodySha256 + 32),
    bodyCrc32: dv.getUint32(OFF.bodyCrc32, true),
    created: dv.getUint32(OFF.created, true),
    reserved: bytes.slice(OFF.reserved, OFF.reserved + RESERVED_SIZE),
    headerCrc32: dv.getUint32(OFF.headerCrc32, true),
  };
}

/**
 * Encodes a header with its `header_crc32`. Writes exactly what it is given (the name as
 * ASCII bytes, truncated to 32), so tests can make malformed headers; build.ts validates.
 */
export function encodeHeader(fields: HeaderFields): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const dv = view(bytes);
  bytes.set(MAGIC, OFF.magic);
  dv.setUint16(OFF.formatVersion, FORMAT_VERSION, true);
  dv.setUint16(OFF.headerSize, HEADER_SIZE, true);
  bytes.set(Buffer.from(fields.name, 'latin1').subarray(0, NAME_FIELD_SIZE), OFF.name);
  dv.setUint16(OFF.versionMajor, fields.version.major, true);
  dv.setUint16(OFF.versionMinor, fields.version.minor, true);
  dv.setUint16(OFF.versionPatch, fields.version.patch, true);
  dv.setUint16(OFF.flags, fields.flags, true);
  dv.setUint32(OFF.payloadSize, fields.payloadSize, true);
  dv.setUint32(OFF.selftestSize, fields.selftestSize, true);
  dv.setUint32(OFF.imageSize, fields.imageSize, true);
  if (fields.keyId.length !== 4) throw new RangeError('key_id is 4 bytes');
  bytes.set(fields.keyId, OFF.keyId);
  if (fields.bodySha256.length !== 32) throw new RangeError('body_sha256 is 32 bytes');
  bytes.set(fields.bodySha256, OFF.bodySha256);
  dv.setUint32(OFF.bodyCrc32, fields.bodyCrc32 >>> 0, true);
  dv.setUint32(OFF.created, fields.created >>> 0, true);
  sealHeader(bytes);
  return bytes;
}

/** The CRC a header's bytes [0, 124) call for. */
export function headerCrc(header: Uint8Array): number {
  return crc32WordOrder(header.subarray(0, OFF.headerCrc32));
}

/** Recomputes `header_crc32` in place (after a field was changed). */
export function sealHeader(header: Uint8Array): void {
  view(header).setUint32(OFF.headerCrc32, headerCrc(header), true);
}

/** The header as plain JSON-friendly fields with the spec's names (used by manifest and inspect). */
export function headerToJson(h: PackageHeader): Record<string, string | number> {
  return {
    magic: Buffer.from(h.magic).toString('latin1'),
    format_version: h.formatVersion,
    header_size: h.headerSize,
    name: h.name,
    version: formatVersion(h.version),
    version_major: h.version.major,
    version_minor: h.version.minor,
    version_patch: h.version.patch,
    flags: h.flags,
    payload_size: h.payloadSize,
    selftest_size: h.selftestSize,
    image_size: h.imageSize,
    key_id: toHex(h.keyId),
    body_sha256: toHex(h.bodySha256),
    body_crc32: h.bodyCrc32,
    created: h.created,
    header_crc32: h.headerCrc32,
  };
}
