import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const sine = path.join(repoRoot, 'models/sine/sinemodel-1.0.0.tflite');

function mota(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'cli/bin/mota.js'), ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mota model', () => {
  it('inspect prints operators, tensors, size and arena of the sine model', () => {
    const r = mota('model', 'inspect', sine);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/operators: +3 \(3 x FULLY_CONNECTED\)/);
    expect(r.stdout).toMatch(/tensors: +10/);
    expect(r.stdout).toMatch(/size: +2192 bytes \(weights 420 bytes\)/);
    expect(r.stdout).toMatch(/arena: +32 bytes/);
  });

  it('inspect --json prints the summary as JSON', () => {
    const r = mota('model', 'inspect', sine, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ operatorCount: 3, tensorCount: 10, modelBytes: 2192, input: { type: 'INT8', shape: [1, 1] } });
  });

  it('inspect of a missing file exits 3 with MODEL_FILE_UNREADABLE', () => {
    const r = mota('model', 'inspect', path.join(tmpdir(), 'no-such-model.tflite'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('[MODEL_FILE_UNREADABLE]');
    expect(r.stderr).toContain('no such file');
  });

  it('inspect of a truncated file exits 3 naming the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mota-model-'));
    const file = path.join(dir, 'cut.tflite');
    writeFileSync(file, readFileSync(sine).subarray(0, 1000));
    const r = mota('model', 'inspect', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\[MODEL_MALFORMED\].*truncated or corrupt/);
  });

  it('train-sine regenerates the committed 1.0.0 model into --out, leaving no temporary file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mota-train-'));
    const out = path.join(dir, 'sine.tflite');
    const r = mota('model', 'train-sine', '--seed', '1', '--epochs', '500', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*sine\.tflite: 2192 bytes/);
    expect(readFileSync(out).equals(readFileSync(sine))).toBe(true);
    expect(readdirSync(dir)).toEqual(['sine.tflite']);
  });

  it('train-sine rejects a non-numeric seed as a usage error (exit 2)', () => {
    const r = mota('model', 'train-sine', '--seed', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seed must be an integer');
  });

  it('train-sine into a missing directory fails with FILE_WRITE_FAILED', () => {
    const r = mota('model', 'train-sine', '--epochs', '1', '--out', path.join(tmpdir(), 'no-such-dir-mota', 'x.tflite'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('[FILE_WRITE_FAILED]');
  });
});
