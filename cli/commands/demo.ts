/**
 * `mota demo`: the whole mota flow on a virtual STM32F103RC, told step by step. Every
 * device step runs the real `mota` command a user would type, in a child process, against
 * the virtual board's serial port, which runs the real ARM bootloader and app.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { layouts } from '../../protocol/index.ts';
import { Board } from '../../sim/index.ts';
import { announceVirtualPort } from '../../sim/registry.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MOTA = path.join(ROOT, 'cli/bin/mota.js');
const BOOTLOADER_ELF = path.join(ROOT, 'bootloader/build/rc/bootloader.elf');
const APP_ELF = path.join(ROOT, 'firmware/build/rc/app.elf');
const DEMO_UID = '4d4f5441000000000000d3e0';

interface DemoOptions {
  dir: string;
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function step(n: number, total: number, title: string, why: string): void {
  process.stdout.write(`\n${bold(`[${n}/${total}] ${title}`)}\n${why}\n`);
}

function shown(args: string[]): string {
  return args.map((a) => (a.startsWith(ROOT + '/') ? path.relative(process.cwd(), a) || '.' : a)).join(' ');
}

/** Runs a mota subcommand as a user would; its output streams through. Fails the demo on a non-zero exit. */
async function mota(args: string[], options: { quiet?: boolean } = {}): Promise<string> {
  process.stdout.write(`$ mota ${shown(args)}\n`);
  const child = spawn(process.execPath, [MOTA, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!options.quiet) process.stdout.write(d);
  });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new MotaError('DEMO_STEP_FAILED', `\`mota ${shown(args)}\` exited with code ${code}`, 'see its message above');
  return out;
}

function make(dir: string): void {
  process.stdout.write(`$ make -C ${dir}\n`);
  const r = spawnSync('make', ['-s', '-C', path.join(ROOT, dir)], { stdio: 'inherit' });
  if (r.status !== 0) throw new MotaError('DEMO_BUILD_FAILED', `make -C ${dir} failed`, 'run `npm run bootstrap` to install the ARM toolchain, then try again');
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the whole flow on a virtual STM32F103RC: package, sign, push, verify, monitor, roll back, list devices')
    .option('--dir <dir>', 'working directory for packages and the flash file', '.mota/demo')
    .action(async (opts: DemoOptions) => {
      const total = 8;
      const dir = path.resolve(opts.dir);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const pkg = (v: string) => path.join(dir, `sinemodel-${v}.mota`);
      const model = (v: string) => path.join(ROOT, `models/sine/sinemodel-${v}.tflite`);
      const started = Date.now();

      process.stdout.write(
        `${bold('mota demo')}: ship a new TinyML model to an STM32F103 without reflashing its firmware.\n` +
          `The device is a virtual STM32F103RC running the real ARM bootloader and app; the host talks to it\n` +
          `through a serial port (a pseudo-terminal) exactly as it would to a board on /dev/ttyUSB0.\n`,
      );

      step(1, total, 'Build the firmware', 'The app (int8 interpreter, boot report, sine demo) and the UART bootloader, with their size reports.');
      make('firmware');
      make('bootloader');

      step(2, total, 'The models', 'Two versions of the sine model, trained reproducibly in TypeScript and quantized to int8 (`mota model train-sine`).');
      for (const v of ['1.0.0', '1.1.0']) {
        if (!existsSync(model(v))) throw new MotaError('DEMO_MODEL_MISSING', `${path.relative(ROOT, model(v))} is missing`, 'restore it from git, or run `mota model train-sine`');
      }
      await mota(['model', 'inspect', model('1.1.0')]);

      step(3, total, 'Package and sign', 'Each model becomes a signed package: header with name and version, the .tflite, a self-test, an Ed25519 signature.');
      for (const v of ['1.0.0', '1.1.0']) {
        await mota(['package', model(v), '--name', 'sinemodel', '--version', v, '--key', path.join(ROOT, 'keys/mota-dev.key'), '--out', pkg(v)]);
      }
      for (const v of ['1.0.0', '1.1.0']) await mota(['verify', pkg(v), '--pub', path.join(ROOT, 'keys/mota-dev.pub')]);

      step(4, total, 'Start a virtual STM32F103RC', 'Factory image: bootloader, app, and sinemodel 1.0.0 in model slot A (the bootloader adopts it after checking its signature).');
      const flashFile = path.join(dir, 'device.flash');
      const board = Board.create({ chip: 'rc', flashFile, uid: DEMO_UID, seed: 1 });
      board.loadElf(BOOTLOADER_ELF);
      board.loadElf(APP_ELF);
      board.loadBin(new Uint8Array(readFileSync(pkg('1.0.0'))), layouts.rc.slotA.addr);
      const port = await board.openPty();
      const withdraw = announceVirtualPort({ path: port, board: board.chip.name, uid: board.uid });
      process.stdout.write(`virtual board: ${board.chip.name}, unique ID ${board.uid.toUpperCase()}, serial port ${port}\n`);
      let stopping = false;
      const running = (async () => {
        while (!stopping) {
          const r = await board.run({ pace: 'realtime' });
          if (r.reason !== 'time' && r.reason !== 'instructions') break;
        }
      })();
      try {
        await mota(['info', '--port', port]);

        step(5, total, 'Push sinemodel 1.1.0', 'Upload into the inactive slot, verify on the device, boot it on trial, check the name and version it reports, confirm.');
        await mota(['push', pkg('1.1.0'), '--port', port]);

        step(6, total, 'Watch it run', 'The app streams y_ref = sin(x) and the model\'s y_pred in 11-byte frames; `mota monitor --plot` draws them live.');
        const monitor = await mota(['monitor', '--port', port, '--duration', '2'], { quiet: true });
        const lines = monitor.trimEnd().split('\n');
        process.stdout.write(`${lines.slice(0, 9).join('\n')}\n  ...\n${lines.slice(-1).join('\n')}\n`);

        step(7, total, 'Roll back', 'The previous model is still in the other slot: make it active again and verify what the device reports.');
        await mota(['rollback', '--port', port]);

        step(8, total, 'List devices', 'Every device on this machine (serial ports and running virtual boards), with the model in each slot.');
        await mota(['devices']);
      } finally {
        stopping = true;
        board.stop();
        await running;
        withdraw();
        await board.close();
      }
      process.stdout.write(
        `\n${bold('Done')} in ${((Date.now() - started) / 1000).toFixed(1)} s: sinemodel 1.1.0 was pushed, verified and confirmed, then rolled back to 1.0.0,\n` +
          `without touching the firmware. The device's flash is kept in ${path.relative(process.cwd(), flashFile)}:\n` +
          `  mota sim --flash ${path.relative(process.cwd(), flashFile)}    # run the same device again\n`,
      );
    });
}
