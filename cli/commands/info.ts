import type { Command } from 'commander';
import { info } from '../../protocol/link/index.ts';
import { deviceOptions, infoJson, infoLines, type LinkCliOptions, linkOptions, portOf, withLink, writeJson } from '../ui/link-cli.ts';

/** `mota info --port P`: unique ID, bootloader version, both slots with name, version and state. */
export function register(program: Command): void {
  linkOptions(program.command('info').description('show what a device runs: unique ID, bootloader version, both model slots'))
    .action(async (opts: LinkCliOptions) => {
      const i = await withLink(opts, (link) => info(link, deviceOptions()));
      if (opts.json) writeJson(infoJson(portOf(opts), i));
      else process.stdout.write(`${infoLines(portOf(opts), i).join('\n')}\n`);
    });
}
