// Turns the JSON golden vectors into line-oriented text the C host tests read, and builds
// the signed test packages of the scenario tests (Node's crypto signs, the C code verifies).
//   node vectors.mjs OUT_DIR
// OUT_DIR/frames.txt    good <name> <role 0=device|1=host> <type> <seq> <payload hex|-> <frame hex>
//                       bad <name> <verdict> <hex>
//                       stream <name> <hex> <count> <names...>
// OUT_DIR/packages.txt  pkg <path> <capacity> <expected num> <trusted count> <key_id pub>...
// OUT_DIR/scenario/*.mota and keys.txt (key <name> <key_id hex> <pub hex>)
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync as writeFileDirect } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = resolve(process.argv[2] ?? 'build/host');
mkdirSync(join(out, 'scenario'), { recursive: true });

const hexOr = (s) => (s.length ? s : '-');
// Atomic writes: several vitest workers or make runs may generate at once.
const writeFileSync = (path, data) => {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileDirect(tmp, data);
  renameSync(tmp, path);
};
let framesTxt;

// frames
const fv = JSON.parse(readFileSync(join(root, 'protocol/vectors/frames/frames.json'), 'utf8'));
const fl = [];
for (const f of fv.frames)
  fl.push(`good ${f.name} ${f.direction === 'request' ? 0 : 1} ${f.type} ${f.seq} ${hexOr(f.payload)} ${f.hex}`);
for (const b of fv.bad) fl.push(`bad ${b.name} ${b.verdict} ${b.hex}`);
for (const s of fv.streams) fl.push(`stream ${s.name} ${s.hex} ${s.decodes.length} ${s.decodes.join(' ')}`);
framesTxt = fl.join('\n') + '\n'; // written last: it is make's stamp

// package vectors
const pdir = join(root, 'protocol/vectors/packages');
const man = JSON.parse(readFileSync(join(pdir, 'manifest.json'), 'utf8'));
const pl = [];
for (const v of man.vectors) {
  const num = v.expect === 'ok' ? 0 : v.expect.num;
  const keys = v.trusted.map((k) => `${man.keys[k].key_id} ${man.keys[k].raw}`);
  pl.push(`pkg ${join(pdir, v.file)} ${v.capacity} ${num} ${keys.length} ${keys.join(' ')}`.trim());
}
writeFileSync(join(out, 'packages.txt'), pl.join('\n') + '\n');

// scenario packages, built here independently of protocol/package (SPEC §1)
function rawPub(keyFile) {
  const der = createPublicKey(createPrivateKey(readFileSync(keyFile))).export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}
function crcWords(buf) {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i += 4)
    for (let j = 3; j >= 0; j--) {
      crc ^= buf[i + j] << 24;
      for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
      crc >>>= 0;
    }
  return crc >>> 0;
}
const pad8 = (n) => (n + 7) & ~7;
function build({ name, version, payload, keyFile, selftest }) {
  const key = createPrivateKey(readFileSync(keyFile));
  const pub = rawPub(keyFile);
  const T = selftest ? selftest.length : 0;
  const body = Buffer.alloc(pad8(payload.length) + pad8(T));
  payload.copy(body, 0);
  if (selftest) selftest.copy(body, pad8(payload.length));
  const S = 128 + body.length + 64;
  const h = Buffer.alloc(128);
  h.write('MOTA', 0, 'ascii');
  h.writeUInt16LE(1, 4);
  h.writeUInt16LE(128, 6);
  h.write(name, 8, 'ascii');
  h.writeUInt16LE(version[0], 40);
  h.writeUInt16LE(version[1], 42);
  h.writeUInt16LE(version[2], 44);
  h.writeUInt16LE(T ? 1 : 0, 46);
  h.writeUInt32LE(payload.length, 48);
  h.writeUInt32LE(T, 52);
  h.writeUInt32LE(S, 56);
  createHash('sha256').update(pub).digest().copy(h, 60, 0, 4);
  createHash('sha256').update(body).digest().copy(h, 64);
  h.writeUInt32LE(crcWords(body), 96);
  h.writeUInt32LE(1767225600, 100);
  h.writeUInt32LE(crcWords(h.subarray(0, 124)), 124);
  return Buffer.concat([h, body, sign(null, h, key)]);
}
const dev = join(root, 'keys/mota-dev.key');
const other = join(root, 'protocol/vectors/keys/other-signer.key');
const hello = readFileSync(join(root, 'protocol/vectors/payloads/hello_world_2488.tflite'));
let seed = 12345;
const big = Buffer.alloc(9000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
big.write('TFL3', 4, 'ascii');
const big64 = Buffer.alloc(65536 - 128 - 64).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
big64.write('TFL3', 4, 'ascii');
const pkgs = {
  'sine-1.0.0': build({ name: 'sinemodel', version: [1, 0, 0], payload: hello, keyFile: dev }),
  'sine-1.1.0': build({ name: 'sinemodel', version: [1, 1, 0], payload: hello, keyFile: dev, selftest: Buffer.from([1, 0, 1, 0, 1, 0, 0, 0, 5, 7]) }),
  'sine-0.9.0': build({ name: 'sinemodel', version: [0, 9, 0], payload: hello, keyFile: dev }),
  'big-2.0.0': build({ name: 'bigmodel', version: [2, 0, 0], payload: big, keyFile: dev }),
  'big64-3.0.0': build({ name: 'bigmodel', version: [3, 0, 0], payload: big64, keyFile: dev }),
  'other-1.2.0': build({ name: 'sinemodel', version: [1, 2, 0], payload: hello, keyFile: other }),
};
const badsig = Buffer.from(pkgs['sine-1.1.0']);
badsig[badsig.length - 1] ^= 0x01;
pkgs['badsig-1.1.0'] = badsig;
for (const [n, b] of Object.entries(pkgs)) writeFileSync(join(out, 'scenario', `${n}.mota`), b);
const keyLine = (n, f) => {
  const pub = rawPub(f);
  return `key ${n} ${createHash('sha256').update(pub).digest().subarray(0, 4).toString('hex')} ${pub.toString('hex')}`;
};
writeFileSync(join(out, 'scenario', 'keys.txt'), [keyLine('dev', dev), keyLine('other', other)].join('\n') + '\n');
writeFileSync(join(out, 'frames.txt'), framesTxt);
