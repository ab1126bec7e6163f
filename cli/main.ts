import { Command, CommanderError } from 'commander';
import { MotaError } from '../common/errors.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { commands } from './commands/index.ts';

const program = new Command('mota')
  .description('Package, sign and ship TinyML models to STM32F103 devices')
  .version('0.1.0')
  // Program options count only before the subcommand, so `mota package --version 1.1.0` is the package's version.
  .enablePositionalOptions()
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else if (e instanceof MotaError) {
    process.stderr.write(`mota: error [${e.code}]: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    process.exitCode = exitCodeFor(e.code);
  } else {
    process.stderr.write(`mota: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = ExitCode.INTERNAL;
  }
}
