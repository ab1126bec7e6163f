import { type Command, InvalidArgumentError } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { ReportCollector, summarizeReport, type LinkUnit } from '../../protocol/link/index.ts';
import { LiveChart } from '../ui/chart.ts';
import { linkOptions, portOf, withLink, type LinkCliOptions } from '../ui/link-cli.ts';

interface MonitorOptions extends LinkCliOptions {
  plot?: boolean;
  duration?: number;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new InvalidArgumentError('--duration must be seconds, more than 0');
  return n;
}

function signed(v: number): string {
  return `${v < 0 ? '-' : '+'}${Math.abs(v).toFixed(3)}`;
}

/** `mota monitor --port P [--plot]`: the device's text lines and y_ref/y_pred plot frames, decoded live. */
export function register(program: Command): void {
  linkOptions(program.command('monitor').description('show what the device prints: its boot report and y_ref/y_pred plot frames (--plot: live chart)'))
    .option('--plot', 'draw a live terminal chart of y_ref and y_pred')
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', seconds)
    .action(async (opts: MonitorOptions) => {
      const port = portOf(opts);
      const useChart = Boolean(opts.plot) && Boolean(process.stdout.isTTY) && !opts.json;
      if (opts.plot && !useChart && !opts.json) process.stdout.write('(--plot needs a terminal; printing the values instead)\n');
      const stats = { lines: 0, plots: 0, frames: 0, sumSq: 0 };
      await withLink(opts, (link) => new Promise<void>((resolve, reject) => {
        const chart = useChart ? new LiveChart({ out: process.stdout }) : undefined;
        const say = (line: string) => (chart ? chart.log(line) : process.stdout.write(`${line}\n`));
        const reports = new ReportCollector();
        const onUnit = (u: LinkUnit) => {
          if (opts.json) {
            const rec = u.kind === 'text' ? { kind: 'text', text: u.text, truncated: u.truncated }
              : u.kind === 'plot' ? { kind: 'plot', yRef: u.yRef, yPred: u.yPred } : { kind: 'frame', hex: u.bytes.toString('hex') };
            process.stdout.write(`${JSON.stringify(rec)}\n`);
          }
          if (u.kind === 'text') {
            stats.lines++;
            if (!opts.json) say(u.truncated ? `${u.text} …(truncated)` : u.text);
            const done = reports.push(u.text);
            if (done && !opts.json) say(`report: ${summarizeReport(done)}`);
          } else if (u.kind === 'plot') {
            stats.plots++;
            stats.sumSq += (u.yPred - u.yRef) ** 2;
            if (chart) chart.add(u);
            else if (!opts.json) say(`plot  y_ref ${signed(u.yRef)}  y_pred ${signed(u.yPred)}  error ${signed(u.yPred - u.yRef)}`);
          } else {
            stats.frames++;
            if (!opts.json) say(`(protocol frame, type 0x${u.bytes[1]!.toString(16).padStart(2, '0')}, ${u.bytes.length} bytes)`);
          }
        };
        const stop = (err?: MotaError) => {
          clearTimeout(timer);
          process.off('SIGINT', onSigint);
          link.off('unit', onUnit);
          link.off('lost', stop);
          chart?.close();
          const noise = link.demux.stats.noiseBytes;
          if (!opts.json) {
            const rms = stats.plots > 0 ? `, rms(y_pred - y_ref) ${Math.sqrt(stats.sumSq / stats.plots).toFixed(4)}` : '';
            process.stderr.write(`monitor: ${stats.lines} lines, ${stats.plots} plot frames${rms}, ${noise} noise bytes\n`);
          }
          if (err) return reject(err);
          if (opts.duration !== undefined && stats.lines + stats.plots + stats.frames === 0) {
            return reject(new MotaError('LINK_TIMEOUT_SILENT', `the device on ${port} printed nothing in ${opts.duration} s${noise ? ` (only ${noise} bytes of noise)` : ''}`,
              noise ? 'check the baud rate (--baud)' : 'check that the device is powered, runs its app, and is on this port'));
          }
          resolve();
        };
        const onSigint = () => stop();
        // `mota monitor | head`: a closed stdout ends the monitor quietly
        process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? stop() : reject(e)));
        const timer = opts.duration !== undefined ? setTimeout(() => stop(), opts.duration * 1000) : undefined;
        process.on('SIGINT', onSigint);
        link.on('unit', onUnit);
        link.on('lost', stop);
        if (!opts.json) process.stdout.write(`monitoring ${port} at ${opts.baud} baud${opts.duration ? ` for ${opts.duration} s` : ' (Ctrl-C to stop)'}\n`);
      }));
    });
}
