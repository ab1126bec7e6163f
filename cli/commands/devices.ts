import { type Command, InvalidArgumentError } from 'commander';
import { MotaError } from '../../common/errors.ts';
import { discoverPorts, info, Link, slotView, type InfoPayload, type PortCandidate } from '../../protocol/link/index.ts';
import { listVirtualPorts } from '../../sim/registry.ts';
import { collect, deviceOptions, infoJson, writeJson } from '../ui/link-cli.ts';

interface DevicesOptions {
  port?: string[];
  baud: number;
  json?: boolean;
  timeout: number;
}

interface Probe {
  port: PortCandidate;
  info?: InfoPayload;
  error?: MotaError;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 50 || n > 60_000) throw new InvalidArgumentError('--timeout must be milliseconds from 50 to 60000');
  return n;
}

function baudRate(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1200 || n > 4_500_000) throw new InvalidArgumentError('--baud must be an integer from 1200 to 4500000');
  return n;
}

async function probe(port: PortCandidate, opts: DevicesOptions): Promise<Probe> {
  let link: Link | undefined;
  try {
    link = await Link.open(port.path, { baudRate: opts.baud });
    return { port, info: await info(link, { ...deviceOptions(), timing: { T_REPLY: opts.timeout } }) };
  } catch (e) {
    if (e instanceof MotaError) return { port, error: e };
    throw e;
  } finally {
    await link?.close();
  }
}

function slotText(i: InfoPayload, s: number): string {
  const v = slotView(i, s)!;
  if (v.state === 'EMPTY') return 'EMPTY';
  const running = i.mode === 2 && i.runningSlot === s ? ', running' : '';
  const active = i.activeSlot === s ? ', active' : '';
  return `${v.name} ${v.version} (${v.state}${active}${running})`;
}

/** `mota devices`: scan this machine's serial ports and list each device and its slots. */
export function register(program: Command): void {
  program
    .command('devices')
    .description('scan local serial ports (/dev/serial/by-id, /dev/ttyUSB*, /dev/ttyACM*, running virtual boards) and list each device with its slots')
    .option('-p, --port <path>', 'also probe this path (e.g. the virtual board\'s pty); repeatable', collect)
    .option('-b, --baud <rate>', 'baud rate', baudRate, 115200)
    .option('--timeout <ms>', 'how long a port may take to answer', milliseconds, 1000)
    .option('--json', 'print one JSON document instead of text')
    .action(async (opts: DevicesOptions) => {
      const virtual = listVirtualPorts().map((v) => v.path);
      const extra = [...(opts.port ?? []), ...(process.env['MOTA_PORT'] ? [process.env['MOTA_PORT']] : []), ...virtual];
      const ports = await discoverPorts(extra);
      const probes = await Promise.all(ports.map((p) => probe(p, opts)));
      if (opts.json) {
        writeJson(probes.map((p) => (p.info ? { ...infoJson(p.port.path, p.info), device: p.port.device } : { port: p.port.path, device: p.port.device, error: { code: p.error?.code, message: p.error?.message } })));
        return;
      }
      if (probes.length === 0) {
        process.stdout.write('no serial ports found (looked in /dev/serial/by-id, /dev/ttyUSB*, /dev/ttyACM*, and for running `mota sim` boards)\n  hint: plug the board in, or give the virtual board\'s pty with --port PATH\n');
        return;
      }
      const found = probes.filter((p) => p.info).length;
      process.stdout.write(`${probes.length} serial port${probes.length === 1 ? '' : 's'}, ${found} mota device${found === 1 ? '' : 's'}\n`);
      for (const p of probes) {
        const name = p.port.path === p.port.device ? p.port.path : `${p.port.path} -> ${p.port.device}`;
        if (!p.info) {
          process.stdout.write(`${name}\n  no mota device: ${p.error?.message ?? 'unknown error'} [${p.error?.code}]\n`);
          continue;
        }
        const i = p.info;
        process.stdout.write(
          `${name}\n  ${i.board}  unique ID ${i.uid}  ${i.mode === 2 ? 'app running' : 'in bootloader'}\n` +
            `  slot A  ${slotText(i, 0)}\n  slot B  ${slotText(i, 1)}\n`,
        );
      }
    });
}
