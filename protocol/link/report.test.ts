import { describe, expect, it } from 'vitest';
import { parseReport, ReportCollector, summarizeReport } from './report.ts';

const example = `mota-app: 0.1.0
board: STM32F103RC
clock: HSE PLL 72 MHz
uid: 0123456789ABCDEF01234567
reset: power-on
bootloader: none (no hand-off)
slot: A UNMANAGED at 0x08010000
model: sinemodel 1.1.0
model_size: 2488 B in flash at 0x08010080
operators: 3 (FULLY_CONNECTED x3)
tensors: 10
arena: 32 / 512 B, headroom 480 B
inference_us: 40
selftest: pass 8/8
ready: sine 64 steps, frame every 20000 us`.split('\n');

describe('boot report (SPEC §4.1)', () => {
  it('parses the example of the spec into typed fields', () => {
    const r = parseReport(example)!;
    expect(r).toMatchObject({
      appVersion: '0.1.0', board: 'STM32F103RC', clock: 'HSE PLL 72 MHz', uid: '0123456789ABCDEF01234567', reset: 'power-on',
      slot: { slot: 'A', state: 'UNMANAGED', address: 0x08010000 }, model: { name: 'sinemodel', version: '1.1.0' },
      modelSize: { bytes: 2488, address: 0x08010080 }, operators: { count: 3, runs: [{ op: 'FULLY_CONNECTED', count: 3 }] }, tensors: 10,
      arena: { used: 32, size: 512, headroom: 480 }, inferenceUs: 40, selftest: { result: 'pass', passed: 8, total: 8 },
      ready: { steps: 64, periodUs: 20000 },
    });
    expect(r.lines).toHaveLength(15);
    expect(r.bootloader).toBeUndefined(); // "none (no hand-off)"
    expect(summarizeReport(r)).toBe('sinemodel 1.1.0 from slot A (UNMANAGED), 3 operators, 10 tensors, arena 32/512 B, 40 µs/inference, self-test pass 8/8');
  });

  it('reads a failed trial and a missing model', () => {
    const failed = parseReport([
      'mota-app: 0.1.0', 'bootloader: 1.0.0', 'slot: B TRIAL at 0x08028000', 'model: sinemodel 1.2.0',
      'selftest: FAIL 7/8 (first failure 3, max diff 2 LSB)', 'trial: rejected: resetting to revert',
    ])!;
    expect(failed).toMatchObject({ bootloader: '1.0.0', slot: { slot: 'B', state: 'TRIAL' }, selftest: { result: 'FAIL', passed: 7, total: 8 }, trialRejected: 'rejected: resetting to revert' });
    expect(failed.ready).toBeUndefined();
    const none = parseReport(['mota-app: 0.1.0', 'slot: none (A: error 2, B: error -1)', 'model: none', 'ready: no model'])!;
    expect(none).toMatchObject({ slotProblems: { A: 2, B: -1 }, ready: { text: 'no model' } });
    expect(none.model).toBeUndefined();
  });

  it('ignores unknown keys and lines that are not key: value, keeping them in order', () => {
    const r = parseReport(['mota-app: 0.2.0', 'future_key: 42', 'some free text', 'ready: no model'])!;
    expect(r.lines.map((l) => l.key)).toEqual(['mota-app', 'future_key', 'ready']);
  });

  it('completes a report at ready, and hands over a report cut short by a new boot', () => {
    const c = new ReportCollector();
    expect(c.push('noise before the first boot')).toBeUndefined();
    expect(c.push('mota-app: 0.1.0')).toBeUndefined();
    expect(c.push('model: sinemodel 1.2.0')).toBeUndefined();
    const cut = c.push('mota-app: 0.1.0'); // the device reset mid-report
    expect(cut?.model?.version).toBe('1.2.0');
    c.push('model: sinemodel 1.0.0');
    const done = c.push('ready: sine 64 steps, frame every 20000 us');
    expect(done?.model?.version).toBe('1.0.0');
    expect(c.partial()).toBeUndefined();
  });
});
