import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MotaError } from '../../common/errors.ts';
import { headerToJson } from '../package/header.ts';
import { PKG_ERROR_NUMBERS } from '../package/format.ts';
import { loadPublicKey } from '../package/keys.ts';
import { verifyPackage } from '../package/verify.ts';
import { generateVectors, manifestJson, PACKAGES_DIR, VECTORS_DIR, type Manifest } from './generate.ts';

const manifest = JSON.parse(readFileSync(join(PACKAGES_DIR, 'manifest.json'), 'utf8')) as Manifest;
const trustedKey = (name: keyof Manifest['keys']) => loadPublicKey(readFileSync(join(PACKAGES_DIR, manifest.keys[name].pub)), name);

describe('golden package vectors (SPEC §1.7)', () => {
  it('regenerate to exactly the committed bytes and manifest', () => {
    const set = generateVectors();
    const committed = readdirSync(PACKAGES_DIR).filter((f) => f.endsWith('.mota')).sort();
    expect(committed).toEqual([...set.files.keys()].sort());
    for (const [file, bytes] of set.files) {
      expect(Buffer.compare(readFileSync(join(PACKAGES_DIR, file)), bytes), file).toBe(0);
    }
    expect(readFileSync(join(PACKAGES_DIR, 'manifest.json'), 'utf8')).toBe(manifestJson(set.manifest));
  });

  it('cover every package error code of §1.6 and valid packages', () => {
    const codes = new Set(manifest.vectors.map((v) => (v.expect === 'ok' ? 'ok' : v.expect.code)));
    expect([...codes].sort()).toEqual(['ok', ...Object.keys(PKG_ERROR_NUMBERS)].sort());
  });

  it('record raw keys that match the committed PEM files', () => {
    for (const name of ['signer', 'other-signer'] as const) {
      const k = trustedKey(name);
      expect(manifest.keys[name].raw).toBe(Buffer.from(k.raw).toString('hex'));
      expect(manifest.keys[name].key_id).toBe(k.keyIdHex);
    }
    expect(readFileSync(join(VECTORS_DIR, 'payloads/hello_world_2488.tflite')).length).toBe(2488);
  });

  describe.each(manifest.vectors.map((v, i) => ({ ...v, label: `${v.file} [${i}] ${v.description}` })))('$label', (v) => {
    it(v.expect === 'ok' ? 'verifies' : `is refused with ${v.expect.code}`, () => {
      const bytes = new Uint8Array(readFileSync(join(PACKAGES_DIR, v.file)));
      const trustedKeys = v.trusted.map(trustedKey);
      if (v.expect === 'ok') {
        const pkg = verifyPackage(bytes, { capacity: v.capacity, trustedKeys });
        expect(pkg.signatureStatus).toBe('valid');
        expect(headerToJson(pkg.header)).toEqual(v.header);
        return;
      }
      let error: unknown;
      try {
        verifyPackage(bytes, { capacity: v.capacity, trustedKeys });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MotaError);
      const e = error as MotaError;
      expect(e.code).toBe(v.expect.code);
      expect(PKG_ERROR_NUMBERS[v.expect.code]).toBe(v.expect.num);
      expect(e.message.length).toBeGreaterThan(20);
    });
  });
});
