// Writes the test vectors the C tests check against Node's crypto (OpenSSL):
//   node gen_vectors.mjs OUT [COUNT]
// Lines: "sha256 MSG DIGEST", "sha512 MSG DIGEST", "valid PUB MSG SIG" (must verify),
// "forge PUB MSG SIG" (must be rejected). Hex; an empty message is "-".
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const out = process.argv[2];
const count = Number(process.argv[3] ?? 256);
if (!out || !(count > 0)) {
  console.error('usage: node gen_vectors.mjs OUT [COUNT]');
  process.exit(2);
}
const hex = (b) => (b.length ? Buffer.from(b).toString('hex') : '-');
const lines = [];

// Hashes of random messages around the block boundaries and beyond.
const hashLens = [0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 191, 255, 256, 1000];
for (let i = 0; i < 40; i++) hashLens.push(randomInt(0, 2000));
for (const n of hashLens) {
  const m = randomBytes(n);
  lines.push(`sha256 ${hex(m)} ${createHash('sha256').update(m).digest('hex')}`);
  lines.push(`sha512 ${hex(m)} ${createHash('sha512').update(m).digest('hex')}`);
}

// Signatures by random keys; every fourth message is a 128-byte package header's size.
for (let i = 0; i < count; i++) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const msg = randomBytes(i % 4 === 0 ? 128 : randomInt(0, 300));
  const sig = sign(null, msg, privateKey);
  lines.push(`valid ${hex(pub)} ${hex(msg)} ${hex(sig)}`);
}

// Forgeries against small-order public keys. With A of order n and k = H(R||A||M) a
// multiple of n, [k]A is the identity, so R = [S]B satisfies the cofactorless equation
// [S]B = R + [k]A: only the small-order check stops these. R = [a]B is a Node public key
// and S = a mod L, with a the clamped secret scalar (RFC 8032 §5.1.5).
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const le = (b) => BigInt('0x' + (Buffer.from(b).reverse().toString('hex') || '0'));
const toLe32 = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const smallOrder = [
  ['0100000000000000000000000000000000000000000000000000000000000000', 1n],
  ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 2n],
  ['0000000000000000000000000000000000000000000000000000000000000000', 4n],
  ['0000000000000000000000000000000000000000000000000000000000000080', 4n],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 8n],
  ['26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', 8n],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 8n],
  ['c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 8n],
];
for (const [pubHex, order] of smallOrder) {
  const d = randomBytes(32); // the private key (seed)
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, d]), format: 'der', type: 'pkcs8' });
  const R = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x, 'base64url');
  const h = createHash('sha512').update(d).digest();
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  const S = toLe32(le(h.subarray(0, 32)) % L);
  const A = Buffer.from(pubHex, 'hex');
  for (let n = 0; ; n++) {
    const msg = Buffer.from(`small-order forgery ${n}`);
    const k = le(createHash('sha512').update(R).update(A).update(msg).digest()) % L;
    if (k % order === 0n) {
      lines.push(`forge ${pubHex} ${hex(msg)} ${hex(Buffer.concat([R, S]))}`);
      break;
    }
  }
}

// Field and scalar arithmetic, white-box (test_field.c): "fe A B A*B A+B A-B A*A-B*B" and
// "inv A 1/A" mod p = 2^255 - 19, "modl X X mod L"; 32-byte (X: 64-byte) little-endian hex.
// Inputs below 2^255 but possibly >= p, as a point encoding's y may be; results canonical.
const P = (1n << 255n) - 19n;
const mod = (a, m) => ((a % m) + m) % m;
const powmod = (b, e, m) => {
  let r = 1n;
  for (b = mod(b, m); e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
};
const leN = (n, bytes) => Buffer.from(n.toString(16).padStart(2 * bytes, '0'), 'hex').reverse().toString('hex');
const edge = [0n, 1n, 2n, 19n, P - 1n, P, P + 1n, P + 18n, (1n << 255n) - 1n, (1n << 254n), (1n << 26n) - 1n,
  (1n << 51n), L, L - 1n];
const fieldInputs = [...edge];
for (let i = 0; i < 200; i++) fieldInputs.push(le(randomBytes(32)) & ((1n << 255n) - 1n));
for (let i = 0; i < fieldInputs.length; i++) {
  const a = fieldInputs[i], b = fieldInputs[(i * 7 + 3) % fieldInputs.length];
  lines.push(`fe ${leN(a, 32)} ${leN(b, 32)} ${leN((a * b) % P, 32)} ${leN((a + b) % P, 32)} ${leN(mod(a - b, P), 32)} ${leN(mod(a * a - b * b, P), 32)}`);
  lines.push(`inv ${leN(a, 32)} ${leN(mod(a, P) === 0n ? 0n : powmod(a, P - 2n, P), 32)}`);
}
const wide = [0n, 1n, L - 1n, L, L + 1n, 2n * L, (1n << 512n) - 1n, (1n << 511n), L * L, L * ((1n << 259n) - 1n)];
for (let i = 0; i < 200; i++) wide.push(le(randomBytes(64)));
for (const x of wide) lines.push(`modl ${leN(x, 64)} ${leN(x % L, 32)}`);

// Sanity: Node itself accepts what it signed.
for (const line of lines) {
  const [kind, pubHex, msgHex, sigHex] = line.split(' ');
  if (kind !== 'valid') continue;
  const key = { key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pubHex, 'hex').toString('base64url') }, format: 'jwk' };
  const msg = msgHex === '-' ? Buffer.alloc(0) : Buffer.from(msgHex, 'hex');
  if (!verify(null, msg, key, Buffer.from(sigHex, 'hex'))) throw new Error('node rejected its own signature');
}
writeFileSync(out, lines.join('\n') + '\n');
