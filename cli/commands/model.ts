import { type Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { formatSummary, inspectModel, readTfliteFile, SINE_DEFAULTS, trainSine } from '../../models/index.ts';
import { writeFileAtomic } from '../../common/files.ts';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** `mota model inspect` and `mota model train-sine`: thin over models/. */
export function register(program: Command): void {
  const model = program.command('model').description('inspect TFLite models and train the sine demo model');

  model
    .command('inspect')
    .description('print operators, tensors, sizes, planned arena and input/output quantization of a .tflite model')
    .argument('<file>', '.tflite model file')
    .option('--json', 'print the summary as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const summary = inspectModel(readTfliteFile(file));
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, path.basename(file))}\n`);
    });

  model
    .command('train-sine')
    .description('train the int8 sine model reproducibly (same seed and epochs, same bytes)')
    .option('--seed <n>', 'random seed', integer('--seed', 0, 0xffffffff), SINE_DEFAULTS.seed)
    .option('--epochs <n>', 'training epochs', integer('--epochs', 1, 100000), SINE_DEFAULTS.epochs)
    .option('--out <file>', 'output .tflite file', 'sinemodel.tflite')
    .action((opts: { seed: number; epochs: number; out: string }) => {
      const started = Date.now();
      const result = trainSine({ seed: opts.seed, epochs: opts.epochs });
      writeFileAtomic(opts.out, result.tflite);
      process.stdout.write(
        `wrote ${opts.out}: ${result.tflite.length} bytes, seed ${opts.seed}, ${opts.epochs} epochs, ` +
          `float MSE ${result.floatMse.toFixed(6)}, int8 MSE vs sin(x) ${result.quantizedMse.toFixed(6)} ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
      );
    });
}
