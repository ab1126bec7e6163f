/**
 * Ed25519 signing keys (SPEC §1.3): private keys as PKCS#8 PEM (`.key`, mode 0600), public
 * keys as SPKI PEM (`.pub`), and the 4-byte key id the header carries.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { MotaError } from '../../common/errors.ts';
import { writeFileAtomic } from '../../common/files.ts';
import { toHex } from './format.ts';

/** A public key the verifier trusts, with what the header refers to it by. */
export interface TrustedKey {
  publicKey: KeyObject;
  /** The 32-byte raw Ed25519 public key. */
  raw: Uint8Array;
  /** First 4 bytes of SHA-256(raw). */
  keyId: Uint8Array;
  keyIdHex: string;
  /** Where the key came from (file path), for messages. */
  source: string;
}

/** key_id = first 4 bytes of SHA-256 of the raw 32-byte public key. */
export function keyId(rawPublicKey: Uint8Array): Uint8Array {
  if (rawPublicKey.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${rawPublicKey.length}`);
  return new Uint8Array(createHash('sha256').update(rawPublicKey).digest().subarray(0, 4));
}

/** The raw 32-byte public key of an Ed25519 public or private KeyObject. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new MotaError('KEY_NOT_ED25519', 'the key is not an Ed25519 key', 'create a key pair with `mota keygen`');
  }
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

export function trustedKeyFrom(publicKey: KeyObject, source: string): TrustedKey {
  const raw = rawPublicKey(publicKey);
  const id = keyId(raw);
  return { publicKey, raw, keyId: id, keyIdHex: toHex(id), source };
}

/** A trusted key from its 32 raw bytes (as the bootloader embeds them). */
export function publicKeyFromRaw(raw: Uint8Array, source = 'raw key'): TrustedKey {
  if (raw.length !== 32) throw new MotaError('KEY_BAD_FORMAT', `${source}: an Ed25519 public key is 32 bytes, got ${raw.length}`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  return trustedKeyFrom(publicKey, source);
}

function requireEd25519(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new MotaError(
      'KEY_NOT_ED25519',
      `${source} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; mota signs with Ed25519 only`,
      'create a key pair with `mota keygen --out PREFIX`',
    );
  }
}

/** Loads a PKCS#8 PEM Ed25519 private key. */
export function loadPrivateKey(pem: string | Uint8Array, source = 'private key'): KeyObject {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  if (text.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new MotaError('KEY_NOT_PRIVATE', `${source} is a public key; signing needs the private key`, 'pass the .key file made by `mota keygen`, not the .pub');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (e) {
    throw new MotaError(
      'KEY_BAD_FORMAT',
      `${source} is not a PEM private key (${(e as Error).message})`,
      'pass the .key file made by `mota keygen` (PKCS#8 PEM)',
    );
  }
  requireEd25519(key, source);
  return key;
}

/** Loads an SPKI PEM Ed25519 public key; a PKCS#8 private key is accepted too (its public half is used). */
export function loadPublicKey(pem: string | Uint8Array, source = 'public key'): TrustedKey {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (e) {
    throw new MotaError(
      'KEY_BAD_FORMAT',
      `${source} is not a PEM public key (${(e as Error).message})`,
      'pass the .pub file made by `mota keygen` (SPKI PEM)',
    );
  }
  requireEd25519(key, source);
  return trustedKeyFrom(key, source);
}

function readKeyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new MotaError('KEY_NOT_FOUND', `cannot read key file ${path}: ${(e as Error).message}`, 'check the path; `mota keygen --out PREFIX` makes PREFIX.key and PREFIX.pub');
  }
}

export function readPrivateKeyFile(path: string): KeyObject {
  return loadPrivateKey(readKeyFile(path), path);
}

export function readPublicKeyFile(path: string): TrustedKey {
  return loadPublicKey(readKeyFile(path), path);
}

export interface GeneratedKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  trusted: TrustedKey;
}

export function generateSigningKey(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    trusted: trustedKeyFrom(publicKey, 'generated key'),
  };
}

/** Writes PREFIX.key (mode 0600) and PREFIX.pub; refuses to overwrite either. */
export function writeKeyPair(prefix: string, pair: GeneratedKeyPair = generateSigningKey()): { keyPath: string; pubPath: string; pair: GeneratedKeyPair } {
  const keyPath = `${prefix}.key`;
  const pubPath = `${prefix}.pub`;
  for (const p of [keyPath, pubPath]) {
    if (existsSync(p)) {
      throw new MotaError('KEY_EXISTS', `${p} already exists; refusing to overwrite a key`, 'choose another --out prefix or move the old key pair away first');
    }
  }
  writeFileAtomic(keyPath, pair.privateKeyPem, { mode: 0o600, overwrite: false });
  try {
    writeFileAtomic(pubPath, pair.publicKeyPem, { mode: 0o644, overwrite: false });
  } catch (e) {
    // Never leave half a key pair behind.
    try {
      unlinkSync(keyPath);
    } catch {
      // nothing to undo
    }
    throw e;
  }
  return { keyPath, pubPath, pair };
}
