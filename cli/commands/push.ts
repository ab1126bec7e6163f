import type { Command } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { FILE_CAPACITY, formatVersion, readInputFile, verifyPackage } from '../../protocol/index.ts';
import { push, runningModel, summarizeReport, type PushEvent } from '../../protocol/link/index.ts';
import { formatBytes, formatMs, formatRate } from '../ui/format.ts';
import { collect, deviceOptions, echoText, infoJson, type LinkCliOptions, linkOptions, portOf, trustedKeys, withLink, writeJson } from '../ui/link-cli.ts';
import { ProgressBar } from '../ui/progress.ts';

interface PushCliOptions extends LinkCliOptions {
  confirm: boolean;
  allowDowngrade?: boolean;
  pub?: string[];
}

/**
 * `mota push PKG --port P`: verify the package, upload it into the inactive slot, boot it on
 * trial, check the name and version the device reports, confirm, print a summary.
 */
export function register(program: Command): void {
  linkOptions(program.command('push').description('install a signed package on a device: upload, trial boot, verify the reported version, confirm'))
    .argument('<package>', '.mota package file')
    .option('--no-confirm', 'leave the new model on trial: the next reset reverts it unless `mota confirm`')
    .option('--allow-downgrade', 'install even if the version is lower than the one the device runs')
    .option('--pub <file>', 'trusted public key (.pub), repeatable (default: keys/*.pub, the keys the bootloader embeds)', collect)
    .action(async (file: string, opts: PushCliOptions) => {
      const out = (s: string) => {
        if (!opts.json) process.stdout.write(s);
      };
      // refused before any byte goes to the device
      const pkg = verifyPackage(readInputFile(file, 'a .mota package'), { capacity: FILE_CAPACITY, trustedKeys: trustedKeys(opts.pub) });
      const h = pkg.header;
      const label = `${h.name} ${formatVersion(h.version)}`;
      out(`package ${file}: ${label}, ${formatBytes(h.imageSize)}, signature valid (key ${pkg.signer?.keyIdHex}, ${pkg.signer?.source})\n`);

      let bar: ProgressBar | undefined;
      let acked = -1;
      // Ctrl-C mid-upload: the device keeps its session, so the same command resumes
      const onSigint = () => {
        bar?.finish();
        process.stderr.write(`mota: interrupted${acked >= 0 ? ` at byte ${acked} of ${h.imageSize}` : ''}\n  hint: run the same command again: the upload resumes where the device stopped\n`);
        process.exit(130);
      };
      process.once('SIGINT', onSigint);
      const onProgress = (e: PushEvent) => {
        if (opts.json) return;
        switch (e.phase) {
          case 'enter':
            out(`connecting to the bootloader on ${portOf(opts)} at ${opts.baud} baud\n`);
            break;
          case 'begin':
            bar?.finish();
            out(e.resumeFrom > 0 ? `resuming the upload into slot ${e.slot} at byte ${e.resumeFrom} of ${e.total}\n` : `uploading into slot ${e.slot}\n`);
            bar = new ProgressBar({ total: e.total, initial: e.resumeFrom, label: 'upload' });
            acked = e.resumeFrom;
            break;
          case 'upload':
            acked = e.acked;
            bar?.update(e.acked);
            break;
          case 'end':
            bar?.finish();
            bar = undefined;
            out('the device checks hash and signature\n');
            break;
          case 'boot':
            out('booting the new model on trial\n');
            break;
          case 'confirm':
            out(`the device reports ${label}: confirming\n`);
            break;
          case 'reconnect':
            out(`link lost; reconnecting (attempt ${e.attempt})\n`);
            break;
        }
      };
      const r = await withLink(opts, async (link) => {
        try {
          return await push(link, pkg.image, { ...deviceOptions(opts.json ? undefined : echoText), confirm: opts.confirm, allowDowngrade: opts.allowDowngrade, onProgress });
        } catch (e) {
          bar?.finish();
          if (e instanceof MotaError && e.code === 'DEVICE_DOWNGRADE') {
            throw new MotaError(e.code, `${e.message}: ${label} is older than what the device runs`, e.hint);
          }
          throw e;
        }
      });
      process.off('SIGINT', onSigint);
      const now = runningModel(r.device);
      if (opts.json) {
        writeJson({
          package: { file, name: r.name, version: r.version, bytes: h.imageSize }, slot: r.slot, confirmed: r.confirmed, resumedFrom: r.startedAt.filter((o) => o > 0),
          sentBytes: r.sentBytes, retransmittedBytes: r.retransmittedBytes, timings: r.timings, lines: r.lines, bootReport: r.bootReport ?? null, device: infoJson(portOf(opts), r.device),
        });
        return;
      }
      const t = r.timings;
      const uploaded = r.sentBytes - r.retransmittedBytes;
      out(
        `pushed ${label} to slot ${r.slot} of device ${r.device.uid} in ${formatMs(t.totalMs)}\n` +
          `  upload   ${formatBytes(uploaded)} in ${formatMs(t.uploadMs)} (${formatRate((uploaded * 1000) / Math.max(1, t.uploadMs))}, ${formatBytes(r.retransmittedBytes)} resent` +
          `${r.startedAt.some((o) => o > 0) ? `, resumed at ${r.startedAt.filter((o) => o > 0).join(', ')}` : ''})\n` +
          `  verify   ${formatMs(t.endMs)} on the device (SHA-256 + Ed25519)\n` +
          `  boot     ${formatMs(t.bootMs)} to the trial report\n` +
          (r.confirmed && t.confirmMs > 0 ? `  confirm  ${formatMs(t.confirmMs)}\n` : '') +
          (r.bootReport ? `  report   ${summarizeReport(r.bootReport)}\n` : '') +
          `the device reports ${now ? `${now.name} ${now.version} (slot ${now.slot}, ${now.state})` : 'nothing'}` +
          `${r.confirmed ? '' : ' — on trial: the next reset reverts it unless you run `mota confirm`'}\n`,
      );
    });
}
