import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MotaError } from '../../common/errors.ts';
import { readTflite, ReferenceInterpreter } from '../../models/index.ts';
import { writeFileAtomic } from '../../common/files.ts';
import { layouts } from '../layout.ts';
import { buildPackage } from './build.ts';
import { compareVersions, decodeHeader, parseVersion } from './header.ts';
import { keyId, loadPrivateKey, loadPublicKey, readPrivateKeyFile, readPublicKeyFile, writeKeyPair } from './keys.ts';
import { parsePackage } from './parse.ts';
import { decodeSelfTest, deriveSelfTest, encodeSelfTest } from './selftest.ts';
import { inspectPackage, verifyPackage } from './verify.ts';

const VECTORS = new URL('../vectors/', import.meta.url);
const model = new Uint8Array(readFileSync(new URL('payloads/hello_world_2488.tflite', VECTORS)));
const signerKey = loadPrivateKey(readFileSync(new URL('keys/signer.key', VECTORS)), 'signer.key');
const signer = loadPublicKey(readFileSync(new URL('keys/signer.pub', VECTORS)), 'signer.pub');
const other = loadPublicKey(readFileSync(new URL('keys/other-signer.pub', VECTORS)), 'other-signer.pub');
const interpreter = new ReferenceInterpreter(readTflite(model));
const work = mkdtempSync(join(tmpdir(), 'mota-pkg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function caught(f: () => unknown): MotaError {
  try {
    f();
  } catch (e) {
    if (e instanceof MotaError) return e;
    throw e;
  }
  throw new Error('expected a MotaError');
}

const base = { name: 'sinemodel', version: '1.2.3', payload: model, privateKey: signerKey, created: 1_700_000_000 };

describe('building a package', () => {
  it('writes a header with the given name, version, sizes, key id and a body hash that verifies', () => {
    const selftest = deriveSelfTest(interpreter, { count: 8, rounding: 'double' });
    const bytes = buildPackage({ ...base, selftest });
    const pkg = verifyPackage(bytes, { trustedKeys: [signer] });
    expect(pkg.signatureStatus).toBe('valid');
    expect(pkg.header).toMatchObject({ name: 'sinemodel', version: { major: 1, minor: 2, patch: 3 }, flags: 1, payloadSize: 2488, selftestSize: 24, imageSize: 128 + 2488 + 24 + 64, created: 1_700_000_000 });
    expect(Buffer.from(pkg.header.keyId)).toEqual(createHash('sha256').update(signer.raw).digest().subarray(0, 4));
    expect(Buffer.from(pkg.header.bodySha256)).toEqual(createHash('sha256').update(bytes.subarray(128, bytes.length - 64)).digest());
    expect(Buffer.from(pkg.payload)).toEqual(Buffer.from(model));
    expect(pkg.selftest?.vectors.map((v) => v.input[0])).toEqual([-128, -92, -55, -19, 18, 54, 91, 127]);
  });

  it('is deterministic for the same inputs', () => {
    expect(Buffer.from(buildPackage(base))).toEqual(Buffer.from(buildPackage(base)));
  });

  it('refuses a name outside the allowed characters', () => {
    const e = caught(() => buildPackage({ ...base, name: 'Sine Model' }));
    expect(e.code).toBe('PKG_BAD_NAME');
    expect(e.message).toMatch(/"Sine Model" is not valid/);
  });

  it('refuses a name longer than 31 characters', () => {
    expect(caught(() => buildPackage({ ...base, name: 'a'.repeat(32) })).code).toBe('PKG_BAD_NAME');
    expect(() => buildPackage({ ...base, name: 'a'.repeat(31) })).not.toThrow();
  });

  it.each(['1.2', '1.2.3-rc1', '01.2.3', '1.65536.0', 'v1.2.3'])('refuses version %s', (version) => {
    const e = caught(() => buildPackage({ ...base, version }));
    expect(e.code).toBe('USAGE_BAD_VERSION');
    expect(e.message).toContain(version);
  });

  it('refuses a payload that is not a TFLite flatbuffer with the reader code', () => {
    const e = caught(() => buildPackage({ ...base, payload: new TextEncoder().encode('hello, not a model') }));
    expect(e.code).toBe('PKG_NOT_TFLITE');
  });

  it('refuses a package larger than the board slot', () => {
    const big = new Uint8Array(20_000);
    big.set(model);
    const e = caught(() => buildPackage({ ...base, payload: big, capacity: layouts.c8.slotSize }));
    expect(e.code).toBe('PKG_TOO_LARGE');
    expect(e.message).toMatch(/20192 bytes, more than the 13312/);
    expect(() => buildPackage({ ...base, payload: big, capacity: layouts.rc.slotSize })).not.toThrow();
  });

  it('refuses inputs of the wrong type, naming the field', () => {
    const e = caught(() => buildPackage({ ...base, payload: 'model' as unknown as Uint8Array }));
    expect(e.code).toBe('USAGE_BAD_PACKAGE_INPUT');
    expect(e.message).toMatch(/payload/);
  });

  it('refuses a self-test with more than 64 vectors', () => {
    const e = caught(() => deriveSelfTest(interpreter, { count: 65, rounding: 'double' }));
    expect(e.code).toBe('PKG_BAD_SELFTEST');
    expect(e.message).toMatch(/count is 65/);
  });
});

describe('reading a package', () => {
  const image = buildPackage(base);

  it('accepts a flash slot image followed by erased flash when the length need not be exact', () => {
    const slot = new Uint8Array(layouts.c8.slotSize).fill(0xff);
    slot.set(image);
    expect(caught(() => parsePackage(slot)).code).toBe('PKG_BAD_SIZES');
    expect(parsePackage(slot, { exactLength: false }).image.length).toBe(image.length);
  });

  it('reports the signature unchecked, valid, invalid or unknown key in inspect', () => {
    expect(inspectPackage(image).signatureStatus).toBe('unchecked');
    expect(inspectPackage(image, { trustedKeys: [signer] }).signatureStatus).toBe('valid');
    expect(inspectPackage(image, { trustedKeys: [other] }).signatureStatus).toBe('unknown-key');
    const tampered = image.slice();
    tampered[tampered.length - 1]! ^= 1;
    const r = inspectPackage(tampered, { trustedKeys: [signer] });
    expect(r.signatureStatus).toBe('invalid');
    expect(r.signatureError?.code).toBe('PKG_SIG_INVALID');
  });

  it('stops after the hash check when no key is trusted', () => {
    const tampered = image.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(verifyPackage(tampered).signatureStatus).toBe('unchecked');
    expect(caught(() => verifyPackage(tampered, { trustedKeys: [signer] })).code).toBe('PKG_SIG_INVALID');
  });

  it('orders versions as the 48-bit number of SPEC §1.2', () => {
    const h = decodeHeader(image);
    expect(h.name).toBe('sinemodel');
    expect(compareVersions(h.version, parseVersion('1.2.2'))).toBe(1);
    expect(compareVersions(h.version, parseVersion('1.10.0'))).toBe(-1);
  });
});

/** Each §1.6 code with a vector that trips it and the words its message must contain. */
const MESSAGES: [string, string, RegExp][] = [
  ['PKG_TRUNCATED', 'truncated_127.mota', /127 bytes, shorter than its 128-byte header/],
  ['PKG_TRUNCATED', 'truncated_1_short.mota', /header says 2704: 1 byte missing/],
  ['PKG_BAD_MAGIC', 'bad_magic.mota', /not a mota package.*4d4f5442/],
  ['PKG_UNSUPPORTED_FORMAT', 'unsupported_format_version_2.mota', /format version 2/],
  ['PKG_HEADER_CRC', 'header_byte_flipped.mota', /header is damaged: header_crc32/],
  ['PKG_BAD_NAME', 'bad_name_uppercase.mota', /name "HelloWorld"/],
  ['PKG_BAD_NAME', 'bad_name_no_nul.mota', /no NUL byte/],
  ['PKG_BAD_FLAGS', 'bad_flags_reserved_bit.mota', /reserved bits/],
  ['PKG_BAD_SIZES', 'bad_sizes_image_size.mota', /image_size is 2688 but/],
  ['PKG_TOO_LARGE', 'header_claims_2mib.mota', /2097344 bytes, more than the 1048576/],
  ['PKG_BAD_PADDING', 'nonzero_payload_padding.mota', /payload padding byte at offset 2621/],
  ['PKG_NOT_TFLITE', 'not_tflite.mota', /not a TFLite model.*"TFL3"/],
  ['PKG_BAD_SELFTEST', 'bad_selftest_size_mismatch.mota', /selftest_size is 26/],
  ['PKG_BODY_CRC', 'payload_bit_flipped.mota', /body is damaged: body_crc32/],
  ['PKG_HASH_MISMATCH', 'payload_bit_flipped_crcs_recomputed.mota', /does not match its header: SHA-256/],
  ['PKG_UNKNOWN_KEY', 'signed_by_other_signer.mota', /signed by key 56330767, which is not trusted/],
  ['PKG_SIG_INVALID', 'signer_key_id_other_signature.mota', /signature does not verify with key a5e7f6ed/],
];

describe('error messages name the problem', () => {
  it.each(MESSAGES)('%s for %s', (code, file, message) => {
    const bytes = new Uint8Array(readFileSync(new URL(`packages/${file}`, VECTORS)));
    const e = caught(() => verifyPackage(bytes, { trustedKeys: [signer] }));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });
});

describe('self-test section', () => {
  it('round-trips through encode and decode', () => {
    const st = deriveSelfTest(interpreter, { count: 5, rounding: 'single' });
    const back = decodeSelfTest(encodeSelfTest(st));
    expect(back.rounding).toBe('single');
    expect(back.vectors.map((v) => [...v.input, ...v.expected])).toEqual(st.vectors.map((v) => [...v.input, ...v.expected]));
  });

  it('holds the outputs the reference interpreter gives', () => {
    const st = deriveSelfTest(interpreter, { count: 3, rounding: 'double' });
    for (const v of st.vectors) expect([...v.expected]).toEqual([...interpreter.invoke(v.input)]);
  });
});

describe('signing keys', () => {
  it('writes PREFIX.key with mode 0600 and PREFIX.pub, and reads both back', () => {
    const prefix = join(work, 'k1');
    const { pair } = writeKeyPair(prefix);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    const priv = readPrivateKeyFile(`${prefix}.key`);
    const pub = readPublicKeyFile(`${prefix}.pub`);
    expect(pub.keyIdHex).toBe(pair.trusted.keyIdHex);
    expect(loadPublicKey(readFileSync(`${prefix}.key`)).keyIdHex).toBe(pub.keyIdHex);
    expect(verifyPackage(buildPackage({ ...base, privateKey: priv }), { trustedKeys: [pub] }).signer?.keyIdHex).toBe(pub.keyIdHex);
  });

  it('refuses to overwrite an existing key pair and leaves it untouched', () => {
    const prefix = join(work, 'k2');
    writeKeyPair(prefix);
    const before = readFileSync(`${prefix}.key`, 'utf8');
    expect(caught(() => writeKeyPair(prefix)).code).toBe('KEY_EXISTS');
    expect(readFileSync(`${prefix}.key`, 'utf8')).toBe(before);
  });

  it('computes the key id as the first 4 bytes of SHA-256 of the raw key', () => {
    expect(Buffer.from(keyId(signer.raw))).toEqual(createHash('sha256').update(signer.raw).digest().subarray(0, 4));
    expect(() => keyId(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('explains a public key passed where the private key is needed', () => {
    const e = caught(() => loadPrivateKey(readFileSync(new URL('keys/signer.pub', VECTORS))));
    expect(e.code).toBe('KEY_NOT_PRIVATE');
  });

  it('refuses a file that is not a PEM key', () => {
    expect(caught(() => loadPublicKey('not a key', 'x.pub')).code).toBe('KEY_BAD_FORMAT');
    expect(caught(() => loadPrivateKey('not a key', 'x.key')).code).toBe('KEY_BAD_FORMAT');
    expect(caught(() => readPublicKeyFile(join(work, 'missing.pub'))).code).toBe('KEY_NOT_FOUND');
  });

  it('refuses an RSA key, naming its type', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const e = caught(() => loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'rsa.key'));
    expect(e.code).toBe('KEY_NOT_ED25519');
    expect(e.message).toMatch(/rsa/);
  });
});

describe('atomic writes', () => {
  it('leave no temporary file and refuse to overwrite when asked', () => {
    const dir = mkdtempSync(join(work, 'aw-'));
    writeFileAtomic(join(dir, 'a.bin'), Uint8Array.of(1, 2, 3));
    writeFileAtomic(join(dir, 'a.bin'), Uint8Array.of(4));
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([4]);
    expect(caught(() => writeFileAtomic(join(dir, 'a.bin'), 'x', { overwrite: false })).code).toBe('USAGE_FILE_EXISTS');
    expect(caught(() => writeFileAtomic(join(dir, 'nodir', 'b.bin'), 'x')).code).toBe('FILE_WRITE_FAILED');
    writeFileSync(join(dir, 'c.txt'), 'keep');
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'c.txt']);
  });
});

describe('the committed development key', () => {
  it('matches the key id and raw key its README documents', () => {
    const root = new URL('../../keys/', import.meta.url);
    const pub = readPublicKeyFile(new URL('mota-dev.pub', root).pathname);
    const priv = readPrivateKeyFile(new URL('mota-dev.key', root).pathname);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme).toContain(`\`${pub.keyIdHex}\``);
    expect(readme).toContain(`\`${Buffer.from(pub.raw).toString('hex')}\``);
    expect(verifyPackage(buildPackage({ ...base, privateKey: priv }), { trustedKeys: [pub] }).signatureStatus).toBe('valid');
  });
});
