/**
 * Integrity and authenticity, SPEC §1.6 checks 13–16, after the structural ones of parse.ts.
 */
import { createHash, verify as ed25519Verify } from 'node:crypto';
import { crc32WordOrder } from './crc.ts';
import { packageError, toHex } from './format.ts';
import type { TrustedKey } from './keys.ts';
import { parsePackage, type ParsedPackage, type ParseOptions } from './parse.ts';
import { MotaError } from '../../common/errors.ts';

export type SignatureStatus = 'valid' | 'invalid' | 'unknown-key' | 'unchecked';

export interface VerifyOptions extends ParseOptions {
  /** Keys the verifier trusts; with none, verification stops after check 14 (signature "unchecked"). */
  trustedKeys?: readonly TrustedKey[];
}

export interface VerifiedPackage extends ParsedPackage {
  signatureStatus: 'valid' | 'unchecked';
  /** The key that signed it, when checked. */
  signer: TrustedKey | undefined;
}

/** Checks 13 (body_crc32) and 14 (body_sha256). */
export function checkIntegrity(pkg: ParsedPackage): void {
  const crc = crc32WordOrder(pkg.body);
  if (crc !== pkg.header.bodyCrc32) {
    throw packageError(
      'PKG_BODY_CRC',
      `package body is damaged: body_crc32 is 0x${pkg.header.bodyCrc32.toString(16).padStart(8, '0')} but the body gives 0x${crc.toString(16).padStart(8, '0')}`,
      'the file was corrupted; copy or download it again',
    );
  }
  const sha = createHash('sha256').update(pkg.body).digest();
  if (!sha.equals(pkg.header.bodySha256)) {
    throw packageError(
      'PKG_HASH_MISMATCH',
      `package body does not match its header: SHA-256 is ${sha.toString('hex')}, the header says ${toHex(pkg.header.bodySha256)}`,
      'the package was altered after signing; do not install it',
    );
  }
}

/** Checks 15 (key_id trusted) and 16 (Ed25519 over the header); returns the signer. */
export function checkSignature(pkg: ParsedPackage, trustedKeys: readonly TrustedKey[]): TrustedKey {
  const id = toHex(pkg.header.keyId);
  const signer = trustedKeys.find((k) => k.keyIdHex === id);
  if (!signer) {
    const known = trustedKeys.map((k) => k.keyIdHex).join(', ') || 'none';
    throw packageError('PKG_UNKNOWN_KEY', `package is signed by key ${id}, which is not trusted (trusted: ${known})`, 'pass the signer\'s public key with --pub, or re-sign the package with a trusted key');
  }
  if (!ed25519Verify(null, pkg.headerBytes, signer.publicKey, pkg.signature)) {
    throw packageError('PKG_SIG_INVALID', `signature does not verify with key ${id} (${signer.source}): the header or signature was altered`, 'do not install it; repackage the model from its source');
  }
  return signer;
}

/** Runs all of §1.6 and throws the first failure. With no trusted keys, stops after check 14. */
export function verifyPackage(bytes: Uint8Array, options: VerifyOptions = {}): VerifiedPackage {
  const pkg = parsePackage(bytes, options);
  checkIntegrity(pkg);
  const keys = options.trustedKeys ?? [];
  if (keys.length === 0) return { ...pkg, signatureStatus: 'unchecked', signer: undefined };
  const signer = checkSignature(pkg, keys);
  return { ...pkg, signatureStatus: 'valid', signer };
}

export interface InspectedPackage extends ParsedPackage {
  signatureStatus: SignatureStatus;
  signer: TrustedKey | undefined;
  /** Why the signature is invalid or the key unknown. */
  signatureError: MotaError | undefined;
}

/**
 * Like verifyPackage, but a signature problem becomes a status instead of an error (for
 * `mota inspect`); structural and integrity failures still throw.
 */
export function inspectPackage(bytes: Uint8Array, options: VerifyOptions = {}): InspectedPackage {
  const pkg = parsePackage(bytes, options);
  checkIntegrity(pkg);
  const keys = options.trustedKeys ?? [];
  if (keys.length === 0) return { ...pkg, signatureStatus: 'unchecked', signer: undefined, signatureError: undefined };
  try {
    const signer = checkSignature(pkg, keys);
    return { ...pkg, signatureStatus: 'valid', signer, signatureError: undefined };
  } catch (e) {
    if (e instanceof MotaError && (e.code === 'PKG_UNKNOWN_KEY' || e.code === 'PKG_SIG_INVALID')) {
      return { ...pkg, signatureStatus: e.code === 'PKG_UNKNOWN_KEY' ? 'unknown-key' : 'invalid', signer: undefined, signatureError: e };
    }
    throw e;
  }
}
