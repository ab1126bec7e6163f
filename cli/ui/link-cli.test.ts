import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor } from '../exit-codes.ts';
import { decodeInfo, encodeInfo, SlotState } from '../../protocol/link/frames.ts';
import { infoJson, infoLines } from './link-cli.ts';

const info = decodeInfo(encodeInfo({
  protocol: 1, mode: 2, maxPayload: 1028, window: 4, activeSlot: 0, runningSlot: 1, flags: 1,
  bootloaderVersion: { major: 1, minor: 0, patch: 0 }, uid: '3F00CA01A5A5000112345678', board: 'STM32F103RC',
  flashSize: 262144, pageSize: 2048, slotSize: 98304, slotAddr: [0x08010000, 0x08028000], resetCount: 3,
  slots: [
    { state: SlotState.CONFIRMED, name: 'sinemodel', version: { major: 1, minor: 0, patch: 0 }, imageSize: 2384, keyId: 0xdfee0745 },
    { state: SlotState.TRIAL, name: 'sinemodel', version: { major: 1, minor: 1, patch: 0 }, imageSize: 2384, keyId: 0xdfee0745 },
  ],
}));

describe('device views', () => {
  it('shows a device on trial: what runs, which slot is active, both slots', () => {
    expect(infoLines('/dev/ttyUSB0', info)).toEqual([
      '/dev/ttyUSB0: STM32F103RC, unique ID 3F00CA01A5A5000112345678, bootloader 1.0.0',
      '  running: sinemodel 1.1.0 from slot B (TRIAL)',
      '  slot A  CONFIRMED  sinemodel 1.0.0  (active)',
      '  slot B  TRIAL      sinemodel 1.1.0  (running)',
      '  slots of 96 KiB, flash pages of 2 KiB, 3 resets since power-on, downgrade guard on',
    ]);
  });

  it('gives scripts stable JSON field names', () => {
    const j = infoJson('/dev/ttyUSB0', info);
    expect(j).toMatchObject({ port: '/dev/ttyUSB0', uid: '3F00CA01A5A5000112345678', mode: 'app', bootloaderVersion: '1.0.0', slotSize: 98304, downgradeGuard: true });
    expect(j['running']).toEqual({ slot: 'B', state: 'TRIAL', name: 'sinemodel', version: '1.1.0' });
    expect((j['slots'] as { keyId: string; active: boolean }[]).map((s) => [s.keyId, s.active])).toEqual([['dfee0745', true], ['dfee0745', false]]);
  });
});

describe('exit codes of link failures', () => {
  it.each([
    ['LINK_NO_DEVICE', ExitCode.NO_DEVICE], ['LINK_NO_DEVICE_ACCESS', ExitCode.NO_DEVICE], ['LINK_NO_DEVICE_BUSY', ExitCode.NO_DEVICE],
    ['LINK_NO_DEVICE_NOT_A_PORT', ExitCode.NO_DEVICE], ['LINK_TIMEOUT', ExitCode.NO_DEVICE], ['LINK_TIMEOUT_APP', ExitCode.NO_DEVICE],
    ['LINK_TIMEOUT_SILENT', ExitCode.NO_DEVICE], ['LINK_LOST', ExitCode.LINK_LOST], ['DEVICE_DOWNGRADE', ExitCode.DEVICE_REFUSED],
    ['DEVICE_PKG_TOO_LARGE', ExitCode.DEVICE_REFUSED], ['DEVICE_PKG_SIG_INVALID', ExitCode.DEVICE_REFUSED], ['DEVICE_NOTHING_TO_ROLL_BACK', ExitCode.DEVICE_REFUSED],
    ['MISMATCH_REVERTED', ExitCode.MISMATCH], ['MISMATCH_ROLLBACK', ExitCode.MISMATCH], ['MISMATCH_NOT_CONFIRMED', ExitCode.MISMATCH],
    ['USAGE_NO_PORT', ExitCode.USAGE], ['USAGE_BAD_BAUD', ExitCode.USAGE],
  ])('%s exits %i', (code, exit) => {
    expect(exitCodeFor(code)).toBe(exit);
  });
});
