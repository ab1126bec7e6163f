/**
 * The packages the end-to-end scenarios push, built with the real `mota package` command
 * (signature, self-test derived by the reference interpreter) into a test's directory.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readTfliteFile, ReferenceInterpreter, writeFullyConnectedModel } from '../../models/index.ts';
import { buildPackage, deriveSelfTest, layouts, readPrivateKeyFile } from '../../protocol/index.ts';
import { DEV_KEY, expectExit, mota, ROOT } from './cli.ts';

export const SINE_MODEL = (version: string) => path.join(ROOT, `models/sine/sinemodel-${version}.tflite`);
export const HELLO_WORLD_MODEL = path.resolve(ROOT, '../shared/models/hello_world_2488.tflite');

/** `mota package MODEL --name N --version V --key K --out DIR/N-V.mota [extra]`; returns the package path. */
export async function packageModel(model: string, name: string, version: string, dir: string, extra: string[] = [], key = DEV_KEY): Promise<string> {
  const out = path.join(dir, `${name}-${version}.mota`);
  expectExit(await mota(['package', model, '--name', name, '--version', version, '--key', key, '--out', out, ...extra]), 0);
  return out;
}

/** A small deterministic PRNG (mulberry32): same seed, same model bytes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A keyword-spotting-sized classifier: 240 int8 features -> dense 40 (RELU) -> dense 4.
 * It fits the app's 512-byte arena (240 + 40 activations, 176 B of folded bias terms), and
 * packaged with 64 self-test vectors of 244 bytes each it makes a ~26 KB package: an upload
 * of a few seconds at 115200 baud, long enough to interrupt.
 */
export function writeClassifierModel(file: string, seed = 7): void {
  const r = random(seed);
  const int8s = (n: number) => Int8Array.from({ length: n }, () => Math.round(r() * 254) - 127);
  const int32s = (n: number, span: number) => Int32Array.from({ length: n }, () => Math.round((r() * 2 - 1) * span));
  const tflite = writeFullyConnectedModel({
    inputName: 'serving_default_features:0',
    outputName: 'StatefulPartitionedCall:0',
    input: { size: 240, scale: 0.02, zeroPoint: -10 },
    layers: [
      { name: 'dense', weights: int8s(40 * 240), weightScale: 0.004, bias: int32s(40, 4000), units: 40, depth: 240, activation: 'RELU', output: { scale: 0.08, zeroPoint: -128 } },
      { name: 'logits', weights: int8s(4 * 40), weightScale: 0.01, bias: int32s(4, 500), units: 4, depth: 40, activation: 'NONE', output: { scale: 0.1, zeroPoint: 0 } },
    ],
    description: 'mota e2e test classifier',
  });
  writeFileSync(file, tflite);
}

/** Packages the classifier as `classifier VERSION` with the most self-test vectors the format allows. */
export async function packageClassifier(dir: string, version: string): Promise<string> {
  const model = path.join(dir, 'classifier.tflite');
  writeClassifierModel(model);
  return packageModel(model, 'classifier', version, dir, ['--selftest-count', '64']);
}

/**
 * A correctly signed package of the sine model whose self-test expects wrong outputs (one
 * vector off by `delta` LSB): the host accepts it, the app's trial self-test fails.
 */
export function writeSineWithWrongSelfTest(file: string, version: string, delta = 9): void {
  const model = readTfliteFile(SINE_MODEL('1.1.0'));
  const selftest = deriveSelfTest(new ReferenceInterpreter(model, { rounding: 'double' }), { count: 8, rounding: 'double' });
  const v = selftest.vectors[3]!;
  v.expected[0] = Math.max(-128, Math.min(127, v.expected[0]! + (v.expected[0]! > 0 ? -delta : delta)));
  const bytes = buildPackage({ name: 'sinemodel', version, payload: model.bytes, selftest, privateKey: readPrivateKeyFile(DEV_KEY), capacity: layouts.rc.slotSize });
  writeFileSync(file, bytes);
}

/** A package signed by the development key whose signature has one bit flipped (SPEC §1.6 check 16). */
export function writeSineWithBrokenSignature(file: string, version: string): Uint8Array {
  const model = readTfliteFile(SINE_MODEL('1.1.0'));
  const selftest = deriveSelfTest(new ReferenceInterpreter(model, { rounding: 'double' }), { count: 8, rounding: 'double' });
  const bytes = buildPackage({ name: 'sinemodel', version, payload: model.bytes, selftest, privateKey: readPrivateKeyFile(DEV_KEY), capacity: layouts.rc.slotSize });
  bytes[bytes.length - 20]! ^= 0x10;
  writeFileSync(file, bytes);
  return bytes;
}
