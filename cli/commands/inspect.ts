import { type Command, Option } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { formatSummary, inspectModel, readTflite, ReferenceInterpreter, type ModelSummary } from '../../models/index.ts';
import {
  alignUp, FILE_CAPACITY, formatVersion, headerToJson, inspectPackage, layouts, readInputFile, readPublicKeyFile, toHex,
  type Board, type InspectedPackage, type SelfTest,
} from '../../protocol/index.ts';
import { ExitCode } from '../exit-codes.ts';
import { collect } from './verify.ts';

interface SelfTestCheck {
  /** Vectors whose outputs the reference interpreter reproduces within the tolerance. */
  matching: number;
  count: number;
  error?: string;
}

/** Runs the self-test through the reference interpreter in the section's rounding mode. */
function checkSelfTest(payload: Uint8Array, st: SelfTest): SelfTestCheck {
  try {
    const interpreter = new ReferenceInterpreter(readTflite(payload), { rounding: st.rounding });
    if (interpreter.inputBytes !== st.inputBytes || interpreter.outputBytes !== st.outputBytes) {
      return { matching: 0, count: st.vectors.length, error: `the model takes ${interpreter.inputBytes} and gives ${interpreter.outputBytes} bytes, the self-test has ${st.inputBytes} and ${st.outputBytes}` };
    }
    const matching = st.vectors.filter((v) => {
      const out = interpreter.invoke(v.input);
      return out.every((x, i) => Math.abs(x - v.expected[i]!) <= st.tolerance);
    }).length;
    return { matching, count: st.vectors.length };
  } catch (e) {
    return { matching: 0, count: st.vectors.length, error: e instanceof Error ? e.message : String(e) };
  }
}

function signatureLine(pkg: InspectedPackage): string {
  switch (pkg.signatureStatus) {
    case 'valid': return `valid (key ${pkg.signer?.keyIdHex}, ${pkg.signer?.source})`;
    case 'unchecked': return 'unchecked (no --pub given)';
    case 'unknown-key': return `unknown key: ${pkg.signatureError?.message}`;
    case 'invalid': return `INVALID: ${pkg.signatureError?.message}`;
  }
}

/** `mota inspect PKG`: what a package holds, whether it is intact, who signed it. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('show a package: header fields, sizes, hashes, signature status, self-test and model summary')
    .argument('<package>', '.mota package file')
    .option('--pub <file>', 'public key to check the signature with; repeat for several', collect, [])
    .addOption(new Option('--board <board>', 'check against this board\'s model slot size').choices(['rc', 'c8']))
    .option('--json', 'print everything as JSON')
    .action((file: string, opts: { pub: string[]; board?: Board; json?: boolean }) => {
      const trustedKeys = opts.pub.map(readPublicKeyFile);
      const capacity = opts.board ? layouts[opts.board].slotSize : FILE_CAPACITY;
      const pkg = inspectPackage(readInputFile(file, 'a .mota package'), { capacity, trustedKeys });
      const h = pkg.header;
      let model: ModelSummary | undefined;
      let modelError: MotaError | undefined;
      try {
        model = inspectModel(readTflite(pkg.payload));
      } catch (e) {
        if (!(e instanceof MotaError)) throw e;
        modelError = e;
      }
      const st = pkg.selftest;
      const stCheck = st ? checkSelfTest(pkg.payload, st) : undefined;
      const sizes = {
        image: h.imageSize,
        header: 128,
        payload: h.payloadSize,
        payload_padding: alignUp(h.payloadSize) - h.payloadSize,
        selftest: h.selftestSize,
        selftest_padding: alignUp(h.selftestSize) - h.selftestSize,
        signature: 64,
        capacity,
      };

      if (opts.json) {
        const json = {
          file,
          header: headerToJson(h),
          sizes,
          signature: {
            status: pkg.signatureStatus,
            key_id: toHex(h.keyId),
            key: pkg.signer?.source ?? null,
            error: pkg.signatureError ? { code: pkg.signatureError.code, message: pkg.signatureError.message } : null,
          },
          selftest: st
            ? {
                count: st.vectors.length, input_bytes: st.inputBytes, output_bytes: st.outputBytes, rounding: st.rounding, tolerance: st.tolerance,
                vectors: st.vectors.map((v) => ({ input: [...v.input], expected: [...v.expected] })),
                reference_check: stCheck,
              }
            : null,
          model: model ?? null,
          model_error: modelError ? { code: modelError.code, message: modelError.message } : null,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        const lines = [
          `package:      ${file}`,
          `name:         ${h.name}`,
          `version:      ${formatVersion(h.version)}`,
          `format:       version ${h.formatVersion}, header ${h.headerSize} bytes`,
          `created:      ${new Date(h.created * 1000).toISOString()} (${h.created})`,
          `flags:        0x${h.flags.toString(16).padStart(4, '0')}${h.flags & 1 ? ' HAS_SELFTEST' : ''}`,
          `size:         ${h.imageSize} bytes = header 128 + payload ${h.payloadSize} (+${sizes.payload_padding} pad) + self-test ${h.selftestSize} (+${sizes.selftest_padding} pad) + signature 64; capacity ${capacity}`,
          `key id:       ${toHex(h.keyId)}`,
          `body sha256:  ${toHex(h.bodySha256)} (matches)`,
          `body crc32:   0x${h.bodyCrc32.toString(16).padStart(8, '0')} (matches)`,
          `header crc32: 0x${h.headerCrc32.toString(16).padStart(8, '0')} (matches)`,
          `signature:    ${signatureLine(pkg)}`,
        ];
        if (st && stCheck) {
          lines.push(
            `self-test:    ${st.vectors.length} vectors, ${st.inputBytes} input / ${st.outputBytes} output bytes, ${st.rounding} rounding, tolerance ${st.tolerance} LSB`,
            `              reference interpreter: ${stCheck.error ? `cannot run (${stCheck.error})` : `${stCheck.matching}/${stCheck.count} vectors match`}`,
          );
        } else {
          lines.push('self-test:    none');
        }
        lines.push(model ? `model:\n${formatSummary(model).replace(/^/gm, '  ')}` : `model:        unreadable [${modelError?.code}]: ${modelError?.message}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }

      if (pkg.signatureError) {
        process.stderr.write(`mota: error [${pkg.signatureError.code}]: ${pkg.signatureError.message}\n`);
        process.exitCode = ExitCode.VERIFY_FAILED;
      } else if (modelError) {
        process.exitCode = ExitCode.BAD_INPUT;
      }
    });
}
