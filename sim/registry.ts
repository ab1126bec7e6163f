/**
 * Virtual serial ports announced by running virtual boards, so `mota devices` finds them
 * as it finds /dev/ttyUSB*: one small JSON file per board in a per-user directory,
 * removed when the board stops; files of processes that died are ignored and cleaned up.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

export interface VirtualPort {
  path: string;
  board: string;
  uid: string;
  pid: number;
}

export function registryDir(): string {
  return process.env['MOTA_VIRTUAL_PORTS_DIR'] ?? path.join(tmpdir(), `mota-virtual-ports-${userInfo().uid}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Announces a virtual board's serial path; returns the function that withdraws it. */
export function announceVirtualPort(port: Omit<VirtualPort, 'pid'>): () => void {
  const dir = registryDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${process.pid}-${path.basename(port.path)}.json`);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...port, pid: process.pid }));
  renameSync(tmp, file);
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // already withdrawn
    }
  };
}

/** The virtual ports of boards still running on this machine. */
export function listVirtualPorts(): VirtualPort[] {
  const dir = registryDir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const ports: VirtualPort[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    try {
      const p = JSON.parse(readFileSync(file, 'utf8')) as VirtualPort;
      if (typeof p.path === 'string' && Number.isInteger(p.pid) && alive(p.pid)) ports.push(p);
      else unlinkSync(file);
    } catch {
      // a file being written or removed right now: skip it
    }
  }
  return ports;
}
