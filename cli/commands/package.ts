import { type Command, InvalidArgumentError, Option } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { ReferenceInterpreter, readTfliteFile } from '../../models/index.ts';
import {
  buildPackage, decodeHeader, deriveSelfTest, layouts, parseVersion, readPrivateKeyFile, SELFTEST_MAX_COUNT, toHex, writeFileAtomic,
  type Board, type Rounding, type SelfTest,
} from '../../protocol/index.ts';

function selftestCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > SELFTEST_MAX_COUNT) {
    throw new InvalidArgumentError(`--selftest-count must be an integer from 1 to ${SELFTEST_MAX_COUNT}`);
  }
  return n;
}

/** `created`: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
function createdTime(): number {
  const env = process.env['SOURCE_DATE_EPOCH'];
  if (env === undefined || env === '') return Math.floor(Date.now() / 1000);
  const n = Number(env);
  if (!/^\d+$/.test(env) || n > 0xffffffff) {
    throw new MotaError('USAGE_BAD_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH="${env}" is not a Unix time in seconds`, 'unset it or set it to an integer such as 1767225600');
  }
  return n;
}

interface PackageOptions {
  name: string;
  version: string;
  key: string;
  out?: string;
  board: Board;
  selftestCount: number;
  rounding: Rounding;
  selftest: boolean;
}

/** `mota package MODEL.tflite`: sign a model into a package, with a self-test from the reference interpreter. */
export function register(program: Command): void {
  program
    .command('package')
    .description('sign a .tflite model into a .mota package, with a self-test derived by the reference interpreter')
    .argument('<model>', '.tflite model file (int8)')
    .requiredOption('--name <name>', 'model name: 1-31 characters from a-z 0-9 . _ -')
    .requiredOption('--version <x.y.z>', 'model version, e.g. 1.1.0')
    .requiredOption('--key <file>', 'Ed25519 private key (.key from `mota keygen`)')
    .option('--out <file>', 'output package (default NAME-VERSION.mota)')
    .addOption(new Option('--board <board>', 'board whose model slot the package must fit').choices(['rc', 'c8']).default('rc'))
    .option('--selftest-count <n>', `self-test vectors, evenly spread int8 inputs (1-${SELFTEST_MAX_COUNT})`, selftestCount, 8)
    .addOption(new Option('--rounding <mode>', 'rounding of the expected outputs: double (TFLM, the firmware) or single (full TFLite)').choices(['double', 'single']).default('double'))
    .option('--no-selftest', 'embed no self-test section')
    .action((modelFile: string, opts: PackageOptions) => {
      const version = parseVersion(opts.version);
      const privateKey = readPrivateKeyFile(opts.key);
      const model = readTfliteFile(modelFile);
      let selftest: SelfTest | undefined;
      if (opts.selftest) {
        try {
          selftest = deriveSelfTest(new ReferenceInterpreter(model, { rounding: opts.rounding }), { count: opts.selftestCount, rounding: opts.rounding });
        } catch (e) {
          if (e instanceof MotaError && e.code.startsWith('MODEL_')) {
            throw new MotaError(e.code, `cannot derive a self-test: ${e.message}`, 'the reference interpreter cannot run this model; package it with --no-selftest');
          }
          throw e;
        }
      }
      const capacity = layouts[opts.board].slotSize;
      const bytes = buildPackage({ name: opts.name, version: opts.version, payload: model.bytes, selftest, privateKey, created: createdTime(), capacity });
      const out = opts.out ?? `${opts.name}-${version.major}.${version.minor}.${version.patch}.mota`;
      writeFileAtomic(out, bytes);
      const h = decodeHeader(bytes);
      const st = selftest ? `self-test of ${selftest.vectors.length} vectors, ${selftest.rounding} rounding` : 'no self-test';
      process.stdout.write(
        `wrote ${out}: ${opts.name} ${opts.version}, ${bytes.length} bytes (payload ${h.payloadSize}, ${st}), ` +
          `key ${toHex(h.keyId)}, fits the ${layouts[opts.board].chip} slot (${capacity} bytes)\n`,
      );
    });
}
