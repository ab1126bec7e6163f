import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOTA = join(ROOT, 'cli/bin/mota.js');
const MODEL = join(ROOT, 'protocol/vectors/payloads/hello_world_2488.tflite');
const DEV_KEY = join(ROOT, 'keys/mota-dev.key');
const DEV_PUB = join(ROOT, 'keys/mota-dev.pub');
const VECTORS = join(ROOT, 'protocol/vectors/packages');
const OTHER_PUB = join(ROOT, 'protocol/vectors/keys/other-signer.pub');

const work = mkdtempSync(join(tmpdir(), 'mota-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real CLI in a child process (async, so the scenarios below run concurrently). */
function mota(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MOTA, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function freshDir(name: string): string {
  const d = join(work, name);
  rmSync(d, { recursive: true, force: true });
  return mkdtempSync(`${d}-`);
}

describe.concurrent('mota keygen', () => {
  it('writes PREFIX.key (mode 0600) and PREFIX.pub and prints the key id', async () => {
    const dir = freshDir('keygen');
    const r = await mota(['keygen', '--out', join(dir, 'release')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/key id [0-9a-f]{8}/);
    expect(statSync(join(dir, 'release.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'release.pub'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
  });

  it('refuses to overwrite an existing key and leaves it as it was', async () => {
    const dir = freshDir('keygen2');
    expect((await mota(['keygen', '--out', join(dir, 'k')])).code).toBe(0);
    const before = readFileSync(join(dir, 'k.key'), 'utf8');
    const r = await mota(['keygen', '--out', join(dir, 'k')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/KEY_EXISTS.*k\.key already exists/);
    expect(readFileSync(join(dir, 'k.key'), 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['k.key', 'k.pub']);
  });
});

describe.concurrent('mota package, verify and inspect', () => {
  it('packages the reference model with a self-test that verifies with the development key', async () => {
    const dir = freshDir('pkg');
    const out = join(dir, 'hello.mota');
    const r = await mota(['package', MODEL, '--name', 'helloworld', '--version', '1.0.0', '--key', DEV_KEY, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*hello\.mota: helloworld 1\.0\.0, 2704 bytes \(payload 2488, self-test of 8 vectors, double rounding\), key 4507eedf/);
    const v = await mota(['verify', out, '--pub', DEV_PUB]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^OK .*helloworld 1\.0\.0, 2704 bytes, signed by key 4507eedf/);
    const i = await mota(['inspect', out, '--pub', DEV_PUB]);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/signature: +valid \(key 4507eedf/);
    expect(i.stdout).toMatch(/8\/8 vectors match/);
    expect(i.stdout).toMatch(/operators: +3 \(3 x FULLY_CONNECTED\)/);
    expect(i.stdout).toMatch(/tensors: +10/);
  });

  it('names the output NAME-VERSION.mota and is reproducible with SOURCE_DATE_EPOCH', async () => {
    const env = { SOURCE_DATE_EPOCH: '1767225600' };
    const args = ['package', MODEL, '--name', 'helloworld', '--version', '2.0.1', '--key', DEV_KEY, '--rounding', 'single', '--selftest-count', '3'];
    expect((await mota(args, env)).code).toBe(0);
    const first = readFileSync(join(work, 'helloworld-2.0.1.mota'));
    expect((await mota(args, env)).code).toBe(0);
    expect(readFileSync(join(work, 'helloworld-2.0.1.mota')).equals(first)).toBe(true);
    const json = JSON.parse((await mota(['inspect', join(work, 'helloworld-2.0.1.mota'), '--json'])).stdout);
    expect(json.header).toMatchObject({ name: 'helloworld', version: '2.0.1', created: 1767225600, selftest_size: 8 + 3 * 2 });
    expect(json.signature.status).toBe('unchecked');
    expect(json.selftest).toMatchObject({ count: 3, rounding: 'single', tolerance: 0, reference_check: { matching: 3, count: 3 } });
    expect(json.model).toMatchObject({ operatorCount: 3, tensorCount: 10, modelBytes: 2488 });
  });

  it('packages without a self-test when asked', async () => {
    const out = join(freshDir('noself'), 'p.mota');
    expect((await mota(['package', MODEL, '--name', 'helloworld', '--version', '1.0.0', '--key', DEV_KEY, '--out', out, '--no-selftest'])).code).toBe(0);
    expect((await mota(['inspect', out])).stdout).toMatch(/self-test: +none/);
  });

  it('rejects a payload that is not a TFLite model with the model reader\'s message and writes nothing', async () => {
    const dir = freshDir('notmodel');
    writeFileSync(join(dir, 'notes.tflite'), 'these are notes, not a model');
    const r = await mota(['package', join(dir, 'notes.tflite'), '--name', 'x', '--version', '1.0.0', '--key', DEV_KEY, '--out', join(dir, 'x.mota')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error \[MODEL_/);
    expect(readdirSync(dir)).toEqual(['notes.tflite']);
  });

  it('refuses a model too large for the C8 slot and leaves no file behind', async () => {
    const dir = freshDir('large');
    const big = new Uint8Array(14_000);
    big.set(readFileSync(MODEL));
    writeFileSync(join(dir, 'big.tflite'), big);
    const args = ['package', join(dir, 'big.tflite'), '--name', 'big', '--version', '1.0.0', '--key', DEV_KEY, '--out', join(dir, 'big.mota')];
    const r = await mota([...args, '--board', 'c8']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PKG_TOO_LARGE.*more than the 13312 bytes/);
    expect(readdirSync(dir)).toEqual(['big.tflite']);
    expect((await mota([...args, '--board', 'rc'])).code).toBe(0);
  });

  it.each([
    [['--name', 'Sine'], 3, /PKG_BAD_NAME/],
    [['--version', '1.0'], 2, /USAGE_BAD_VERSION/],
    [['--selftest-count', '65'], 2, /--selftest-count must be an integer from 1 to 64/],
    [['--board', 'f4'], 2, /Allowed choices are rc, c8/],
    [['--key', DEV_PUB], 3, /KEY_NOT_PRIVATE/],
    [['--key', join(work, 'missing.key')], 3, /KEY_NOT_FOUND/],
  ] as [string[], number, RegExp][])('refuses %j with exit %i', async (extra, code, message) => {
    const base: Record<string, string> = { '--name': 'sine', '--version': '1.0.0', '--key': DEV_KEY, '--out': join(work, 'refused.mota') };
    for (let i = 0; i < extra.length; i += 2) base[extra[i]!] = extra[i + 1]!;
    const r = await mota(['package', MODEL, ...Object.entries(base).flat()]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(work, 'refused.mota'))).toBe(false);
  });
});

describe.concurrent('mota verify on the golden vectors', () => {
  const SIGNER = join(ROOT, 'protocol/vectors/keys/signer.pub');
  it.each([
    ['valid_selftest.mota', 0, /^OK .*helloworld 1\.0\.0/],
    ['payload_bit_flipped.mota', 4, /PKG_BODY_CRC/],
    ['payload_bit_flipped_crcs_recomputed.mota', 4, /PKG_HASH_MISMATCH/],
    ['signed_by_other_signer.mota', 4, /PKG_UNKNOWN_KEY/],
    ['signer_key_id_other_signature.mota', 4, /PKG_SIG_INVALID/],
    ['bad_magic.mota', 3, /PKG_BAD_MAGIC/],
    ['truncated_1_short.mota', 3, /PKG_TRUNCATED/],
    ['header_byte_flipped.mota', 3, /PKG_HEADER_CRC/],
  ] as [string, number, RegExp][])('%s exits %i', async (file, code, message) => {
    const r = await mota(['verify', join(VECTORS, file), '--pub', SIGNER]);
    expect(r.code).toBe(code);
    expect(code === 0 ? r.stdout : r.stderr).toMatch(message);
  });

  it('accepts a package when any of several --pub keys signed it', async () => {
    const r = await mota(['verify', join(VECTORS, 'signed_by_other_signer.mota'), '--pub', SIGNER, '--pub', OTHER_PUB]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/signed by key 56330767/);
  });

  it('checks the board slot size with --board', async () => {
    const r = await mota(['verify', join(VECTORS, 'large_14000.mota'), '--pub', SIGNER, '--board', 'c8']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PKG_TOO_LARGE/);
  });

  it('needs at least one --pub', async () => {
    expect((await mota(['verify', join(VECTORS, 'valid_selftest.mota')])).code).toBe(2);
  });

  it('inspect shows an invalid signature, still prints the report, and exits 4', async () => {
    const copy = join(work, 'tampered.mota');
    copyFileSync(join(VECTORS, 'header_version_changed_crc_recomputed.mota'), copy);
    const r = await mota(['inspect', copy, '--pub', SIGNER]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/version: +1\.0\.1/);
    expect(r.stdout).toMatch(/signature: +INVALID/);
    const u = await mota(['inspect', join(VECTORS, 'signed_by_other_signer.mota'), '--pub', SIGNER, '--json']);
    expect(u.code).toBe(4);
    expect(JSON.parse(u.stdout).signature).toMatchObject({ status: 'unknown-key', key_id: '56330767', error: { code: 'PKG_UNKNOWN_KEY' } });
  });
});
