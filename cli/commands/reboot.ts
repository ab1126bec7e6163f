import type { Command } from 'commander';
import { reboot, runningModel } from '../../protocol/link/index.ts';
import { deviceOptions, echoText, infoJson, type LinkCliOptions, linkOptions, portOf, withLink, writeJson } from '../ui/link-cli.ts';

/** `mota reboot --port P`: reset the device and show what it boots. */
export function register(program: Command): void {
  linkOptions(program.command('reboot').description('reset the device, wait for its boot report and show what it runs'))
    .action(async (opts: LinkCliOptions) => {
      const r = await withLink(opts, (link) => reboot(link, deviceOptions(opts.json ? undefined : echoText)));
      const now = runningModel(r.after);
      if (opts.json) writeJson({ lines: r.lines, bootReport: r.bootReport ?? null, device: infoJson(portOf(opts), r.after) });
      else process.stdout.write(`rebooted: runs ${now ? `${now.name} ${now.version} (slot ${now.slot}, ${now.state})` : 'no model (it stays in its bootloader)'}\n`);
    });
}
