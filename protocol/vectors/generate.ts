/**
 * Generates the golden package vectors of SPEC §1.7, deterministically: fixed keys
 * (keys/), fixed payload (payloads/), fixed `created`; Ed25519 signatures are
 * deterministic. Run `npx tsx protocol/vectors/generate.ts` to rewrite packages/;
 * vectors.test.ts regenerates them in memory and checks the committed bytes are equal.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readTflite, ReferenceInterpreter } from '../../models/index.ts';
import { assemblePackage, sealBody, signImage } from '../package/build.ts';
import { decodeHeader, headerToJson, sealHeader, type SemVer } from '../package/header.ts';
import { FILE_CAPACITY, OFF, PKG_ERROR_NUMBERS, toHex, type PackageErrorCode } from '../package/format.ts';
import { loadPrivateKey, loadPublicKey, type TrustedKey } from '../package/keys.ts';
import { deriveSelfTest, encodeSelfTest, type SelfTest } from '../package/selftest.ts';
import { layouts } from '../layout.ts';
import { writeFileAtomic } from '../../common/files.ts';
import { crc32WordOrder } from '../package/crc.ts';
import type { KeyObject } from 'node:crypto';

export const VECTORS_DIR = fileURLToPath(new URL('.', import.meta.url));
export const PACKAGES_DIR = fileURLToPath(new URL('./packages/', import.meta.url));

/** 2026-01-01T00:00:00Z: every vector's `created`. */
export const VECTOR_CREATED = 1767225600;
const NAME = 'helloworld';
const VERSION: SemVer = { major: 1, minor: 0, patch: 0 };
const KEY_NAMES = ['signer', 'other-signer'] as const;
type KeyName = (typeof KEY_NAMES)[number];

export type Expectation = 'ok' | { code: PackageErrorCode; num: number };

export interface ManifestEntry {
  file: string;
  description: string;
  /** Names of the keys (manifest.keys) the verifier trusts. */
  trusted: KeyName[];
  /** Largest accepted image_size (§1.6 check 8). */
  capacity: number;
  expect: Expectation;
  /** For valid packages: the decoded header (spec field names). */
  header?: Record<string, string | number>;
  /** For valid packages with a self-test: its decoded section header. */
  selftest?: { count: number; input_bytes: number; output_bytes: number; rounding: number; tolerance: number };
}

export interface Manifest {
  spec: string;
  notes: string[];
  keys: Record<KeyName, { pub: string; raw: string; key_id: string }>;
  capacities: { file: number; rc: number; c8: number };
  vectors: ManifestEntry[];
}

export interface VectorSet {
  files: Map<string, Uint8Array>;
  manifest: Manifest;
}

function fail(code: PackageErrorCode): Expectation {
  return { code, num: PKG_ERROR_NUMBERS[code] };
}

export function generateVectors(): VectorSet {
  const priv = {} as Record<KeyName, KeyObject>;
  const pub = {} as Record<KeyName, TrustedKey>;
  for (const k of KEY_NAMES) {
    priv[k] = loadPrivateKey(readFileSync(new URL(`./keys/${k}.key`, import.meta.url)), `${k}.key`);
    pub[k] = loadPublicKey(readFileSync(new URL(`./keys/${k}.pub`, import.meta.url)), `${k}.pub`);
  }
  const model = new Uint8Array(readFileSync(new URL('./payloads/hello_world_2488.tflite', import.meta.url)));
  const interpreter = new ReferenceInterpreter(readTflite(model), { rounding: 'double' });
  const selftest = (count: number): SelfTest => deriveSelfTest(interpreter, { count, rounding: 'double' });

  const rc = layouts.rc.slotSize;
  const c8 = layouts.c8.slotSize;
  const files = new Map<string, Uint8Array>();
  const vectors: ManifestEntry[] = [];

  const make = (parts: { name?: string; version?: SemVer; payload?: Uint8Array; selftestBytes?: Uint8Array; key?: KeyName; flags?: number; keyId?: Uint8Array }): Uint8Array =>
    assemblePackage({
      name: parts.name ?? NAME,
      version: parts.version ?? VERSION,
      payload: parts.payload ?? model,
      selftestBytes: parts.selftestBytes,
      created: VECTOR_CREATED,
      privateKey: priv[parts.key ?? 'signer'],
      ...(parts.flags === undefined ? {} : { flags: parts.flags }),
      ...(parts.keyId === undefined ? {} : { keyId: parts.keyId }),
    });
  /** A copy of `image` with `edit` applied to it, then made consistent again (CRCs, hash, signature). */
  const edited = (image: Uint8Array, edit: (img: Uint8Array, dv: DataView) => void, key: KeyName = 'signer'): Uint8Array => {
    const img = image.slice();
    edit(img, new DataView(img.buffer));
    sealBody(img);
    signImage(img, priv[key]);
    return img;
  };
  const add = (file: string, bytes: Uint8Array, description: string, expect: Expectation, opts: { capacity?: number; trusted?: KeyName[] } = {}): void => {
    const previous = files.get(file);
    if (previous && Buffer.compare(previous, bytes) !== 0) throw new Error(`vector ${file} generated twice with different bytes`);
    files.set(file, bytes);
    const entry: ManifestEntry = { file, description, trusted: opts.trusted ?? ['signer'], capacity: opts.capacity ?? rc, expect };
    if (expect === 'ok') {
      const h = decodeHeader(bytes);
      entry.header = headerToJson(h);
      if (h.selftestSize > 0) {
        const at = 128 + Math.ceil(h.payloadSize / 8) * 8;
        const dv = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
        entry.selftest = { count: dv.getUint16(0, true), input_bytes: dv.getUint16(2, true), output_bytes: dv.getUint16(4, true), rounding: dv.getUint8(6), tolerance: dv.getUint8(7) };
      }
    }
    vectors.push(entry);
  };

  // --- valid packages
  const validSelftest = make({ selftestBytes: encodeSelfTest(selftest(8)) });
  add('valid_selftest.mota', validSelftest, 'hello_world model with an 8-vector self-test (double rounding), signed by signer', 'ok');
  add('valid_selftest.mota', validSelftest, 'the same package fits the 13 KiB C8 slot', 'ok', { capacity: c8 });
  add('valid_selftest.mota', validSelftest, 'the same package as a file (1 MiB capacity), both keys trusted', 'ok', { capacity: FILE_CAPACITY, trusted: ['other-signer', 'signer'] });
  const validPlain = make({});
  add('valid_no_selftest.mota', validPlain, 'hello_world model without a self-test section', 'ok');
  const paddedPayload = new Uint8Array(model.length + 3);
  paddedPayload.set(model);
  const validPadded = make({ payload: paddedPayload, selftestBytes: encodeSelfTest(selftest(3)) });
  add('valid_padded.mota', validPadded, 'payload of 2491 bytes (5 padding bytes) and a 3-vector self-test of 14 bytes (2 padding bytes)', 'ok');
  const bigPayload = new Uint8Array(14000);
  bigPayload.set(model);
  const large = make({ payload: bigPayload });
  add('large_14000.mota', large, 'a 14000-byte payload: fits the RC slot', 'ok');
  add('large_14000.mota', large, 'a 14000-byte payload: larger than the 13 KiB C8 slot', fail('PKG_TOO_LARGE'), { capacity: c8 });

  // --- damage and tampering
  const flipped = validSelftest.slice();
  flipped[128 + 1000]! ^= 0x10;
  add('payload_bit_flipped.mota', flipped, 'one payload bit flipped (offset 1128, bit 4)', fail('PKG_BODY_CRC'));
  const flippedResealed = flipped.slice();
  {
    const dv = new DataView(flippedResealed.buffer);
    const body = flippedResealed.subarray(128, flippedResealed.length - 64);
    dv.setUint32(OFF.bodyCrc32, crc32WordOrder(body), true);
    sealHeader(flippedResealed.subarray(0, 128));
  }
  add('payload_bit_flipped_crcs_recomputed.mota', flippedResealed, 'one payload bit flipped, body and header CRCs recomputed (SHA-256 and signature left)', fail('PKG_HASH_MISMATCH'));
  const headerFlipped = validSelftest.slice();
  headerFlipped[OFF.versionMajor]! ^= 0x01;
  add('header_byte_flipped.mota', headerFlipped, 'version_major byte flipped 0x01 -> 0x00 without recomputing the header CRC', fail('PKG_HEADER_CRC'));
  const fieldChanged = validSelftest.slice();
  new DataView(fieldChanged.buffer).setUint16(OFF.versionPatch, 1, true);
  sealHeader(fieldChanged.subarray(0, 128));
  add('header_version_changed_crc_recomputed.mota', fieldChanged, 'version changed to 1.0.1 and header CRC recomputed, signature left', fail('PKG_SIG_INVALID'));
  const sigFlipped = validSelftest.slice();
  sigFlipped[sigFlipped.length - 10]! ^= 0x80;
  add('signature_bit_flipped.mota', sigFlipped, 'one signature bit flipped', fail('PKG_SIG_INVALID'));

  // --- truncated and oversized
  for (const [file, len, what] of [
    ['truncated_0.mota', 0, 'empty file'],
    ['truncated_64.mota', 64, 'half a header'],
    ['truncated_127.mota', 127, 'one byte short of a header'],
    ['truncated_header_only.mota', 128, 'the header alone'],
    ['truncated_no_signature.mota', validSelftest.length - 64, 'everything but the signature'],
    ['truncated_1_short.mota', validSelftest.length - 1, 'one byte short'],
  ] as const) {
    add(file, validSelftest.slice(0, len), `valid_selftest.mota cut to ${len} bytes: ${what}`, fail('PKG_TRUNCATED'));
  }
  const trailing = new Uint8Array(validSelftest.length + 8);
  trailing.set(validSelftest);
  add('trailing_bytes.mota', trailing, 'valid_selftest.mota followed by 8 zero bytes (a file must be exactly image_size)', fail('PKG_BAD_SIZES'));
  const claims2MiB = edited(validPlain, (_img, dv) => {
    const p = 2 * 1024 * 1024;
    dv.setUint32(OFF.payloadSize, p, true);
    dv.setUint32(OFF.imageSize, 128 + p + 64, true);
  });
  add('header_claims_2mib.mota', claims2MiB, 'header claims a 2 MiB payload (image_size consistent, CRC recomputed); the file is short', fail('PKG_TOO_LARGE'), { capacity: FILE_CAPACITY });

  // --- keys
  const byOther = make({ selftestBytes: encodeSelfTest(selftest(8)), key: 'other-signer' });
  add('signed_by_other_signer.mota', byOther, 'signed by other-signer, only signer trusted', fail('PKG_UNKNOWN_KEY'));
  add('signed_by_other_signer.mota', byOther, 'signed by other-signer, both keys trusted', 'ok', { trusted: ['signer', 'other-signer'] });
  const wrongSig = make({ selftestBytes: encodeSelfTest(selftest(8)), key: 'other-signer', keyId: pub.signer.keyId });
  add('signer_key_id_other_signature.mota', wrongSig, "carries signer's key_id but is signed by other-signer", fail('PKG_SIG_INVALID'));

  // --- malformed headers, each otherwise consistent (CRCs, hash and signature recomputed)
  add('bad_magic.mota', edited(validPlain, (img) => img.set([0x4d, 0x4f, 0x54, 0x42], 0)), 'magic "MOTB"', fail('PKG_BAD_MAGIC'));
  add('unsupported_format_version_2.mota', edited(validPlain, (_i, dv) => dv.setUint16(OFF.formatVersion, 2, true)), 'format_version 2', fail('PKG_UNSUPPORTED_FORMAT'));
  add('unsupported_header_size_256.mota', edited(validPlain, (_i, dv) => dv.setUint16(OFF.headerSize, 256, true)), 'header_size 256', fail('PKG_UNSUPPORTED_FORMAT'));
  for (const [file, name, what] of [
    ['bad_name_uppercase.mota', 'HelloWorld', 'uppercase letters'],
    ['bad_name_empty.mota', '', 'empty name'],
    ['bad_name_no_nul.mota', 'a'.repeat(32), '32 characters, no NUL terminator'],
    ['bad_name_leading_dot.mota', '.helloworld', 'starts with a dot'],
    ['bad_name_space.mota', 'hello world', 'contains a space'],
    ['bad_name_junk_after_nul.mota', 'hello\0x', 'a nonzero byte after the NUL terminator'],
  ] as const) {
    add(file, make({ name }), `name field: ${what}`, fail('PKG_BAD_NAME'));
  }
  add('bad_flags_reserved_bit.mota', make({ flags: 0x0002 }), 'reserved flag bit 1 set', fail('PKG_BAD_FLAGS'));
  add('bad_flags_selftest_flag_without_section.mota', make({ flags: 0x0001 }), 'HAS_SELFTEST set, selftest_size 0', fail('PKG_BAD_FLAGS'));
  add('bad_flags_section_without_selftest_flag.mota', make({ selftestBytes: encodeSelfTest(selftest(8)), flags: 0 }), 'selftest_size 24, HAS_SELFTEST clear', fail('PKG_BAD_FLAGS'));
  add('bad_sizes_payload_4_bytes.mota', make({ payload: Uint8Array.of(0x1c, 0, 0, 0) }), 'payload_size 4 (< 8)', fail('PKG_BAD_SIZES'));
  add('bad_sizes_image_size.mota', edited(validPlain, (_i, dv) => dv.setUint32(OFF.imageSize, validPlain.length + 8, true)), 'image_size 8 more than payload and self-test make', fail('PKG_BAD_SIZES'));
  // Sizes whose 32-bit sum wraps around: a reader must not compute image_size in 32 bits unchecked.
  const wrapPayload = edited(validPlain, (_i, dv) => {
    dv.setUint32(OFF.payloadSize, 0xfffffff8, true);
    dv.setUint32(OFF.imageSize, (128 + 0xfffffff8 + 64) % 2 ** 32, true);
  });
  // 184 bytes cannot hold header and signature apart: the file is the header and the first 56 payload bytes.
  add('bad_sizes_payload_size_wraps.mota', wrapPayload.slice(0, 184), 'payload_size 0xFFFFFFF8 with image_size 184 (the 32-bit wrapped sum) and a 184-byte file', fail('PKG_BAD_SIZES'));
  const wrapSelftest = edited(validPlain, (_i, dv) => {
    dv.setUint16(OFF.flags, 1, true);
    dv.setUint32(OFF.selftestSize, 0xfffffff8, true);
    dv.setUint32(OFF.imageSize, (128 + 2488 + 0xfffffff8 + 64) % 2 ** 32, true);
  });
  const wrapSelftestFile = wrapSelftest.slice(0, 2672);
  signImage(wrapSelftestFile, priv.signer);
  add('bad_sizes_selftest_size_wraps.mota', wrapSelftestFile, 'selftest_size 0xFFFFFFF8 with image_size 2672 (the 32-bit wrapped sum) and a 2672-byte file', fail('PKG_BAD_SIZES'));
  add('nonzero_reserved.mota', edited(validPlain, (img) => { img[OFF.reserved + 7] = 0x01; }), 'reserved header byte 111 is 0x01', fail('PKG_BAD_PADDING'));
  add('nonzero_payload_padding.mota', edited(validPadded, (img) => { img[128 + paddedPayload.length + 2] = 0xff; }), 'payload padding byte (offset 2621) is 0xff', fail('PKG_BAD_PADDING'));
  add('nonzero_selftest_padding.mota', edited(validPadded, (img) => { img[img.length - 64 - 1] = 0x01; }), 'last self-test padding byte is 0x01', fail('PKG_BAD_PADDING'));
  const notTflite = model.slice();
  notTflite.set([0x54, 0x46, 0x4c, 0x32], 4);
  add('not_tflite.mota', make({ payload: notTflite }), 'payload bytes 4..7 are "TFL2"', fail('PKG_NOT_TFLITE'));

  // --- malformed self-test sections
  const good = encodeSelfTest(selftest(8));
  const withSection = (edit: (s: Uint8Array, dv: DataView) => Uint8Array | void): Uint8Array => {
    const s = good.slice();
    const out = edit(s, new DataView(s.buffer)) ?? s;
    return make({ selftestBytes: out });
  };
  add('bad_selftest_count_0.mota', make({ selftestBytes: Uint8Array.of(0, 0, 1, 0, 1, 0, 0, 0) }), 'self-test count 0 (8-byte section)', fail('PKG_BAD_SELFTEST'));
  const count65 = new Uint8Array(8 + 65 * 2);
  count65.set([65, 0, 1, 0, 1, 0, 0, 0]);
  add('bad_selftest_count_65.mota', make({ selftestBytes: count65 }), 'self-test count 65 (> 64), size consistent', fail('PKG_BAD_SELFTEST'));
  add('bad_selftest_rounding_2.mota', withSection((s) => { s[6] = 2; }), 'self-test rounding 2', fail('PKG_BAD_SELFTEST'));
  add('bad_selftest_input_bytes_0.mota', make({ selftestBytes: Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 5, 6) }), 'self-test input_bytes 0 (output_bytes 2, size consistent)', fail('PKG_BAD_SELFTEST'));
  add('bad_selftest_output_bytes_0.mota', make({ selftestBytes: Uint8Array.of(1, 0, 2, 0, 0, 0, 0, 0, 5, 6) }), 'self-test output_bytes 0 (input_bytes 2, size consistent)', fail('PKG_BAD_SELFTEST'));
  add('bad_selftest_size_mismatch.mota', withSection((s) => { const t = new Uint8Array(s.length + 2); t.set(s); return t; }), 'selftest_size 26 where 8 vectors of 1+1 bytes need 24', fail('PKG_BAD_SELFTEST'));
  add('bad_selftest_shorter_than_header.mota', make({ selftestBytes: Uint8Array.of(1, 0, 1, 0) }), 'selftest_size 4, shorter than the section header', fail('PKG_BAD_SELFTEST'));

  const manifest: Manifest = {
    spec: 'protocol/SPEC.md §1.7',
    notes: [
      'Every vector is a whole file: its length must equal image_size exactly (check 9; longer is PKG_BAD_SIZES).',
      'trusted: names in `keys`; raw is the 32-byte Ed25519 public key in hex, key_id its header id in hex (byte order as stored).',
      'capacity: the largest image_size accepted (check 8): a slot size from layout.h or 1 MiB for a file.',
      'A file may appear in several entries with different capacities or trusted keys.',
      'Regenerate with `npx tsx protocol/vectors/generate.ts`; protocol/vectors/vectors.test.ts checks the committed bytes.',
    ],
    keys: Object.fromEntries(KEY_NAMES.map((k) => [k, { pub: `../keys/${k}.pub`, raw: toHex(pub[k].raw), key_id: pub[k].keyIdHex }])) as Manifest['keys'],
    capacities: { file: FILE_CAPACITY, rc, c8 },
    vectors,
  };
  return { files, manifest };
}

export function manifestJson(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Writes packages/*.mota and packages/manifest.json. */
export function writeVectors(set: VectorSet, dir = PACKAGES_DIR): void {
  for (const [file, bytes] of set.files) writeFileAtomic(`${dir}/${file}`, bytes);
  writeFileAtomic(`${dir}/manifest.json`, manifestJson(set.manifest));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const set = generateVectors();
  writeVectors(set);
  process.stdout.write(`wrote ${set.files.size} packages and ${set.manifest.vectors.length} manifest entries to ${PACKAGES_DIR}\n`);
}
