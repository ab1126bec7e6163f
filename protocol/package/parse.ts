/**
 * Structural checks of a package, SPEC §1.6 checks 1–12, in exactly that order: the first
 * failure is reported, so every implementation gives the same code for the same bytes.
 */
import { decodeHeader, headerCrc, isValidName, type PackageHeader } from './header.ts';
import {
  alignUp,
  FILE_CAPACITY,
  FLAG_HAS_SELFTEST,
  FORMAT_VERSION,
  HEADER_SIZE,
  imageSizeFor,
  MAGIC,
  MIN_PAYLOAD_SIZE,
  NAME_FIELD_SIZE,
  packageError,
  SIGNATURE_SIZE,
  toHex,
} from './format.ts';
import { decodeSelfTest, type SelfTest } from './selftest.ts';

export interface ParseOptions {
  /** Largest accepted image_size: the slot size of the destination board; default 1 MiB (a file). */
  capacity?: number;
  /**
   * The input must be exactly image_size bytes (a file; default). When false (a flash
   * slot), bytes after the image are ignored.
   */
  exactLength?: boolean;
}

export interface ParsedPackage {
  /** The image, exactly image_size bytes. */
  image: Uint8Array;
  header: PackageHeader;
  /** Bytes [0, 128): what the signature covers. */
  headerBytes: Uint8Array;
  /** Bytes [128, S-64): what body_sha256 and body_crc32 cover. */
  body: Uint8Array;
  /** The .tflite payload, payload_size bytes. */
  payload: Uint8Array;
  /** The self-test section without padding, when present. */
  selftestBytes: Uint8Array | undefined;
  selftest: SelfTest | undefined;
  signature: Uint8Array;
}

const TFL3 = [0x54, 0x46, 0x4c, 0x33];

const bytes = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

function describeName(field: Uint8Array): string | undefined {
  const nul = field.indexOf(0);
  if (nul === -1) return `the name field has no NUL byte: a name is at most 31 characters`;
  if (nul === 0) return 'the name is empty';
  for (let i = nul; i < NAME_FIELD_SIZE; i++) {
    if (field[i] !== 0) return `the name field has a nonzero byte 0x${field[i]!.toString(16).padStart(2, '0')} after its NUL terminator (offset ${8 + i})`;
  }
  const name = Buffer.from(field.subarray(0, nul)).toString('latin1');
  if (!isValidName(name)) {
    return `the name ${JSON.stringify(name)} has characters outside a-z 0-9 . _ - or does not start with a letter or digit`;
  }
  return undefined;
}

export function parsePackage(input: Uint8Array, options: ParseOptions = {}): ParsedPackage {
  const { capacity = FILE_CAPACITY, exactLength = true } = options;

  // 1. at least a header
  if (input.length < HEADER_SIZE) {
    throw packageError('PKG_TRUNCATED', `package is ${input.length} bytes, shorter than its ${HEADER_SIZE}-byte header`, 'the file was cut short; copy or download it again');
  }
  const h = decodeHeader(input);

  // 2. magic
  if (!MAGIC.every((b, i) => h.magic[i] === b)) {
    throw packageError('PKG_BAD_MAGIC', `not a mota package: it starts with ${toHex(h.magic)}, not 4d4f5441 ("MOTA")`, 'pass a .mota file made by `mota package`');
  }

  // 3. format version and header size
  if (h.formatVersion !== FORMAT_VERSION || h.headerSize !== HEADER_SIZE) {
    throw packageError(
      'PKG_UNSUPPORTED_FORMAT',
      `package format version ${h.formatVersion} with a ${h.headerSize}-byte header is not supported; this mota reads version ${FORMAT_VERSION} with a ${HEADER_SIZE}-byte header`,
      'use a mota release that reads this format, or repackage the model with this one',
    );
  }

  // 4. header CRC
  const crc = headerCrc(input);
  if (crc !== h.headerCrc32) {
    throw packageError(
      'PKG_HEADER_CRC',
      `header is damaged: header_crc32 is 0x${h.headerCrc32.toString(16).padStart(8, '0')} but the header bytes give 0x${crc.toString(16).padStart(8, '0')}`,
      'the file was corrupted; copy or download it again',
    );
  }

  // 5. name
  const nameProblem = describeName(h.nameField);
  if (nameProblem) throw packageError('PKG_BAD_NAME', `bad model name: ${nameProblem}`);

  // 6. flags
  if ((h.flags & ~FLAG_HAS_SELFTEST) !== 0) {
    throw packageError('PKG_BAD_FLAGS', `flags 0x${h.flags.toString(16).padStart(4, '0')} set reserved bits (only bit 0, HAS_SELFTEST, is defined)`);
  }
  const hasSelftest = (h.flags & FLAG_HAS_SELFTEST) !== 0;
  if (hasSelftest !== h.selftestSize > 0) {
    throw packageError(
      'PKG_BAD_FLAGS',
      hasSelftest ? 'flag HAS_SELFTEST is set but selftest_size is 0' : `flag HAS_SELFTEST is clear but selftest_size is ${h.selftestSize}`,
    );
  }

  // 7. sizes
  if (h.payloadSize < MIN_PAYLOAD_SIZE) {
    throw packageError('PKG_BAD_SIZES', `payload_size is ${h.payloadSize}; a payload is at least ${MIN_PAYLOAD_SIZE} bytes`);
  }
  const expectedImage = imageSizeFor(h.payloadSize, h.selftestSize);
  if (h.imageSize !== expectedImage) {
    throw packageError(
      'PKG_BAD_SIZES',
      `image_size is ${h.imageSize} but payload_size ${h.payloadSize} and selftest_size ${h.selftestSize} make 128 + ${alignUp(h.payloadSize)} + ${alignUp(h.selftestSize)} + 64 = ${expectedImage}`,
    );
  }

  // 8. capacity
  if (h.imageSize > capacity) {
    throw packageError(
      'PKG_TOO_LARGE',
      `package is ${h.imageSize} bytes, more than the ${capacity} bytes the destination holds`,
      'use a smaller model, or a board with larger model slots (--board rc)',
    );
  }

  // 9. length
  if (input.length < h.imageSize) {
    throw packageError('PKG_TRUNCATED', `package is ${input.length} bytes but its header says ${h.imageSize}: ${bytes(h.imageSize - input.length)} missing`, 'the file was cut short; copy or download it again');
  }
  if (exactLength && input.length > h.imageSize) {
    throw packageError('PKG_BAD_SIZES', `package file is ${input.length} bytes but its header says ${h.imageSize}: ${bytes(input.length - h.imageSize)} too many`);
  }
  const image = input.subarray(0, h.imageSize);

  // 10. padding and reserved bytes
  const payloadEnd = HEADER_SIZE + h.payloadSize;
  const selftestStart = HEADER_SIZE + alignUp(h.payloadSize);
  const selftestEnd = selftestStart + h.selftestSize;
  const bodyEnd = h.imageSize - SIGNATURE_SIZE;
  const nonzero = (from: number, to: number): number => {
    for (let i = from; i < to; i++) if (image[i] !== 0) return i;
    return -1;
  };
  const reservedAt = nonzero(104, 124);
  if (reservedAt !== -1) throw packageError('PKG_BAD_PADDING', `reserved header byte at offset ${reservedAt} is 0x${image[reservedAt]!.toString(16).padStart(2, '0')}, not zero`);
  const payloadPadAt = nonzero(payloadEnd, selftestStart);
  if (payloadPadAt !== -1) throw packageError('PKG_BAD_PADDING', `payload padding byte at offset ${payloadPadAt} is 0x${image[payloadPadAt]!.toString(16).padStart(2, '0')}, not zero`);
  const selftestPadAt = nonzero(selftestEnd, bodyEnd);
  if (selftestPadAt !== -1) throw packageError('PKG_BAD_PADDING', `self-test padding byte at offset ${selftestPadAt} is 0x${image[selftestPadAt]!.toString(16).padStart(2, '0')}, not zero`);

  // 11. the payload is a TFLite flatbuffer
  const payload = image.subarray(HEADER_SIZE, payloadEnd);
  if (!TFL3.every((b, i) => payload[4 + i] === b)) {
    throw packageError('PKG_NOT_TFLITE', `payload is not a TFLite model: bytes 4..7 are ${toHex(payload.subarray(4, 8))}, not "TFL3"`, 'package a .tflite file written by the TensorFlow Lite converter or `mota model train-sine`');
  }

  // 12. self-test section
  const selftestBytes = h.selftestSize > 0 ? image.subarray(selftestStart, selftestEnd) : undefined;
  const selftest = selftestBytes ? decodeSelfTest(selftestBytes) : undefined;

  return {
    image,
    header: h,
    headerBytes: image.subarray(0, HEADER_SIZE),
    body: image.subarray(HEADER_SIZE, bodyEnd),
    payload,
    selftestBytes,
    selftest,
    signature: image.subarray(bodyEnd),
  };
}
