import { describe, expect, it } from 'vitest';
import { PKG_ERROR_NUMBERS } from '../protocol/index.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';

describe('exit codes of package errors', () => {
  it('give VERIFY_FAILED for integrity and authenticity failures (SPEC §1.6 checks 13–16)', () => {
    for (const code of ['PKG_BODY_CRC', 'PKG_HASH_MISMATCH', 'PKG_UNKNOWN_KEY', 'PKG_SIG_INVALID']) {
      expect(exitCodeFor(code), code).toBe(ExitCode.VERIFY_FAILED);
    }
  });

  it('give BAD_INPUT for every structural failure (checks 1–12)', () => {
    const structural = Object.keys(PKG_ERROR_NUMBERS).filter((c) => !['PKG_BODY_CRC', 'PKG_HASH_MISMATCH', 'PKG_UNKNOWN_KEY', 'PKG_SIG_INVALID'].includes(c));
    expect(structural).toHaveLength(11);
    for (const code of structural) expect(exitCodeFor(code), code).toBe(ExitCode.BAD_INPUT);
  });

  it('give USAGE for command-line mistakes and BAD_INPUT for key files', () => {
    expect(exitCodeFor('USAGE_BAD_VERSION')).toBe(ExitCode.USAGE);
    expect(exitCodeFor('KEY_NOT_FOUND')).toBe(ExitCode.BAD_INPUT);
    expect(exitCodeFor('KEY_EXISTS')).toBe(ExitCode.BAD_INPUT);
  });
});
