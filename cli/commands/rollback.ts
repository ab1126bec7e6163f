import type { Command } from 'commander';
import { rollback, runningModel } from '../../protocol/link/index.ts';
import { deviceOptions, echoText, infoJson, type LinkCliOptions, linkOptions, portOf, withLink, writeJson } from '../ui/link-cli.ts';

/** `mota rollback --port P`: back to the previous model, verified by what the device then reports. */
export function register(program: Command): void {
  linkOptions(program.command('rollback').description('return to the previous model and verify the device runs it'))
    .action(async (opts: LinkCliOptions) => {
      const r = await withLink(opts, (link) => rollback(link, deviceOptions(opts.json ? undefined : echoText)));
      const was = runningModel(r.before);
      const now = runningModel(r.after)!;
      if (opts.json) {
        writeJson({ from: was ?? null, to: now, lines: r.lines, bootReport: r.bootReport ?? null, device: infoJson(portOf(opts), r.after) });
      } else {
        process.stdout.write(`rolled back: ${was ? `${was.name} ${was.version} (slot ${was.slot})` : 'the bootloader'} -> ${now.name} ${now.version} (slot ${now.slot}, ${now.state}); verified: the device reports ${now.name} ${now.version}\n`);
      }
    });
}
