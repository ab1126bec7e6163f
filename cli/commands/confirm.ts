import type { Command } from 'commander';
import { confirm, runningModel } from '../../protocol/link/index.ts';
import { deviceOptions, echoText, infoJson, type LinkCliOptions, linkOptions, portOf, withLink, writeJson } from '../ui/link-cli.ts';

/** `mota confirm --port P`: make the model on trial permanent. */
export function register(program: Command): void {
  linkOptions(program.command('confirm').description('confirm the model on trial so a reset no longer reverts it'))
    .action(async (opts: LinkCliOptions) => {
      const r = await withLink(opts, (link) => confirm(link, deviceOptions(opts.json ? undefined : echoText)));
      const now = runningModel(r.after);
      if (opts.json) writeJson({ lines: r.lines, bootReport: r.bootReport ?? null, device: infoJson(portOf(opts), r.after) });
      else process.stdout.write(`confirmed: ${now ? `${now.name} ${now.version} (slot ${now.slot}, ${now.state})` : 'done'}\n`);
    });
}
