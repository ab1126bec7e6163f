/**
 * Builds a signed package (SPEC §1): header + payload + optional self-test + Ed25519
 * signature over the header. The result is verified before it is returned.
 */
import { createHash, createPublicKey, KeyObject, sign as ed25519Sign } from 'node:crypto';
import { z } from 'zod';
import { MotaError } from '../../common/errors.ts';
import { crc32WordOrder } from './crc.ts';
import { alignUp, FILE_CAPACITY, FLAG_HAS_SELFTEST, HEADER_SIZE, imageSizeFor, NAME_MAX_LENGTH, OFF, packageError, SIGNATURE_SIZE } from './format.ts';
import { encodeHeader, isValidName, parseVersion, sealHeader, type SemVer } from './header.ts';
import { keyId, rawPublicKey, trustedKeyFrom } from './keys.ts';
import { encodeSelfTest, type SelfTest } from './selftest.ts';
import { verifyPackage } from './verify.ts';

const BuildInput = z.object({
  name: z.string(),
  /** "major.minor.patch" */
  version: z.string(),
  payload: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'the .tflite bytes as a Uint8Array'),
  selftest: z.custom<SelfTest>((v) => typeof v === 'object' && v !== null && Array.isArray((v as SelfTest).vectors), 'a SelfTest object').optional(),
  privateKey: z.custom<KeyObject>((v) => v instanceof KeyObject && v.type === 'private', 'an Ed25519 private KeyObject (see loadPrivateKey)'),
  /** Unix seconds; default now. */
  created: z.number().int().min(0).max(0xffffffff).optional(),
  /** Largest package the destination holds (slot size); default 1 MiB. */
  capacity: z.number().int().positive().optional(),
});
export type BuildInput = z.input<typeof BuildInput>;

export function buildPackage(input: BuildInput): Uint8Array {
  const parsed = BuildInput.safeParse(input);
  if (!parsed.success) {
    throw new MotaError('USAGE_BAD_PACKAGE_INPUT', `cannot build a package: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  const { name, payload, selftest, privateKey, capacity = FILE_CAPACITY } = parsed.data;
  const created = parsed.data.created ?? Math.floor(Date.now() / 1000);
  if (!isValidName(name)) {
    throw packageError(
      'PKG_BAD_NAME',
      `model name ${JSON.stringify(name)} is not valid: use 1 to ${NAME_MAX_LENGTH} characters from a-z 0-9 . _ -, starting with a letter or digit`,
      'for example --name sinemodel',
    );
  }
  const version = parseVersion(parsed.data.version);
  const image = assemblePackage({
    name,
    version,
    payload,
    selftestBytes: selftest ? encodeSelfTest(selftest) : undefined,
    created,
    privateKey,
  });
  // Refuses anything a reader would refuse (too large, not TFLite, bad self-test) with the reader's code.
  verifyPackage(image, { capacity, trustedKeys: [trustedKeyFrom(createPublicKey(privateKey), 'the signing key')] });
  return image;
}

export interface AssembleInput {
  name: string;
  version: SemVer;
  payload: Uint8Array;
  /** The encoded self-test section (unpadded), if any. */
  selftestBytes?: Uint8Array | undefined;
  created: number;
  privateKey: KeyObject;
  /** Defaults to HAS_SELFTEST exactly when a self-test is given. */
  flags?: number;
  /** Defaults to the id of privateKey's public half. */
  keyId?: Uint8Array;
}

/**
 * Lays out and signs a package from its parts without checking them: build.ts validates
 * first; the golden-vector generator uses it to make deliberately malformed packages.
 */
export function assemblePackage(input: AssembleInput): Uint8Array {
  const selftest = input.selftestBytes ?? new Uint8Array(0);
  const imageSize = imageSizeFor(input.payload.length, selftest.length);
  const image = new Uint8Array(imageSize);
  image.set(input.payload, HEADER_SIZE);
  image.set(selftest, HEADER_SIZE + alignUp(input.payload.length));
  const header = encodeHeader({
    name: input.name,
    version: input.version,
    flags: input.flags ?? (selftest.length > 0 ? FLAG_HAS_SELFTEST : 0),
    payloadSize: input.payload.length,
    selftestSize: selftest.length,
    imageSize,
    keyId: input.keyId ?? keyId(rawPublicKey(input.privateKey)),
    bodySha256: new Uint8Array(32),
    bodyCrc32: 0,
    created: input.created,
  });
  image.set(header, 0);
  sealBody(image);
  signImage(image, input.privateKey);
  return image;
}

/**
 * Recomputes body_sha256, body_crc32 and header_crc32 in place for the body range
 * [128, length-64) of `image` (used after a deliberate change).
 */
export function sealBody(image: Uint8Array): void {
  const body = image.subarray(HEADER_SIZE, image.length - SIGNATURE_SIZE);
  image.set(createHash('sha256').update(body).digest(), OFF.bodySha256);
  new DataView(image.buffer, image.byteOffset, image.byteLength).setUint32(OFF.bodyCrc32, crc32WordOrder(body), true);
  sealHeader(image.subarray(0, HEADER_SIZE));
}

/** Writes the Ed25519 signature over the header [0, 128) into the last 64 bytes. */
export function signImage(image: Uint8Array, privateKey: KeyObject): void {
  const signature = ed25519Sign(null, image.subarray(0, HEADER_SIZE), privateKey);
  image.set(signature, image.length - SIGNATURE_SIZE);
}
