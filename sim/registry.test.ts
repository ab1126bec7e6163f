import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceVirtualPort, listVirtualPorts } from './registry.ts';

describe('virtual port registry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mota-registry-'));
    process.env['MOTA_VIRTUAL_PORTS_DIR'] = dir;
  });
  afterEach(() => {
    delete process.env['MOTA_VIRTUAL_PORTS_DIR'];
  });

  it('lists_an_announced_port_until_it_is_withdrawn', () => {
    const withdraw = announceVirtualPort({ path: '/dev/pts/42', board: 'STM32F103RC', uid: 'AB'.repeat(12) });
    expect(listVirtualPorts()).toEqual([{ path: '/dev/pts/42', board: 'STM32F103RC', uid: 'AB'.repeat(12), pid: process.pid }]);
    withdraw();
    expect(listVirtualPorts()).toEqual([]);
  });

  it('forgets_ports_of_processes_that_died', () => {
    // pid 2^22 + 1 is above Linux's pid_max ceiling, so no process has it.
    writeFileSync(path.join(dir, 'dead.json'), JSON.stringify({ path: '/dev/pts/7', board: 'STM32F103RC', uid: '00', pid: 4194305 }));
    expect(listVirtualPorts()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
