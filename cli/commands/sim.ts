import type { Command } from 'commander';
import { Option } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { Board, type ChipName } from '../../sim/index.ts';
import { announceVirtualPort } from '../../sim/registry.ts';

interface SimOptions {
  board: ChipName;
  flash?: string;
  uid?: string;
  bootloader?: string;
  app?: string;
  seed: string;
  pace: 'realtime' | 'fast';
}

function stamp(board: Board): string {
  return `[${(board.virtualTimeUs / 1e6).toFixed(6)} s]`;
}

/** `mota sim`: a virtual STM32F103 behind a pseudo-terminal, for trying mota without hardware. */
export function register(program: Command): void {
  program
    .command('sim')
    .description('run a virtual STM32F103 whose USART1 is a serial port path (Ctrl-C stops it and keeps the flash file)')
    .addOption(new Option('--board <chip>', 'rc = STM32F103RC (256 KB), c8 = STM32F103C8 (64 KB)').choices(['rc', 'c8']).default('rc'))
    .option('--flash <file>', 'flash image file: loaded at start, saved after writes and on exit')
    .option('--uid <hex>', '96-bit unique ID, 24 hex digits')
    .option('--bootloader <elf>', 'load this ELF into flash before starting')
    .option('--app <elf>', 'load this ELF into flash before starting')
    .option('--seed <n>', 'seed for RAM contents at power-on', '1')
    .addOption(new Option('--pace <pace>', 'realtime: never ahead of the wall clock; fast: as fast as possible').choices(['realtime', 'fast']).default('realtime'))
    .action(async (opts: SimOptions) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new MotaError('USAGE_BAD_SEED', `--seed must be a non-negative integer, got '${opts.seed}'`);
      const board = Board.create({ chip: opts.board, flashFile: opts.flash, uid: opts.uid, seed });
      if (opts.bootloader) board.loadElf(opts.bootloader);
      if (opts.app) board.loadElf(opts.app);
      const vector = new DataView(board.flash.buffer, board.flash.byteOffset, 8);
      if (vector.getUint32(4, true) === 0xffffffff) {
        await board.close();
        throw new MotaError('SIM_EMPTY_FLASH', 'the virtual device has nothing to run: its flash is erased', 'pass --bootloader build/bootloader.elf (and --app), or a --flash file that holds them');
      }
      const path = await board.openPty();
      const withdraw = announceVirtualPort({ path, board: board.chip.name, uid: board.uid });
      process.stdout.write(`mota sim: ${board.chip.name}, UID ${board.uid}${opts.flash ? `, flash ${opts.flash}` : ''}\n`);
      process.stdout.write(`serial: ${path}\n`);
      process.stdout.write(`${stamp(board)} reset (power)\n`);
      board.on('reset', (r) => process.stdout.write(`${stamp(board)} reset (${r.cause})\n`));
      board.on('led', (l) => process.stdout.write(`${stamp(board)} LED ${l.on ? 'on' : 'off'}\n`));
      board.on('gpio', (g) => {
        if (!(g.port === 'C' && g.pin === 13)) process.stdout.write(`${stamp(board)} P${g.port}${g.pin} = ${g.level}\n`);
      });
      board.on('halt', (h) => process.stdout.write(`${stamp(board)} halted (BKPT, r0 = ${h.code})\n`));
      const stop = () => board.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        for (;;) {
          const r = await board.run({ pace: opts.pace });
          if (r.reason === 'stopped' || r.reason === 'halt' || r.reason === 'power-cut') break;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        withdraw();
        await board.close();
        process.stdout.write(`mota sim: stopped after ${(board.virtualTimeUs / 1e6).toFixed(3)} s virtual${opts.flash ? `; flash saved to ${opts.flash}` : ''}\n`);
      }
    });
}
