/**
 * Exit codes of the `mota` command, documented in the README. Stable: scripts rely on them.
 */
export const ExitCode = {
  OK: 0,
  /** Anything unexpected: a bug in mota. */
  INTERNAL: 1,
  /** Bad command line: unknown option, missing argument. */
  USAGE: 2,
  /** A file given on the command line is missing, unreadable or malformed. */
  BAD_INPUT: 3,
  /** A package failed verification (hash, signature, unknown key, tampered header). */
  VERIFY_FAILED: 4,
  /** No device on the port, or it does not answer. */
  NO_DEVICE: 5,
  /** The device refused a request (too large, downgrade, bad signature on the device). */
  DEVICE_REFUSED: 6,
  /** The serial link was lost mid-transfer; the same command resumes. */
  LINK_LOST: 7,
  /** The device runs something other than what was pushed (it reverted). */
  MISMATCH: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Package checks 13–16 of SPEC §1.6 (integrity and authenticity): the package is well formed
 * but must not be installed. Checks 1–12 are structural: a malformed file (BAD_INPUT).
 */
const PACKAGE_VERIFICATION_FAILURES = new Set(['PKG_BODY_CRC', 'PKG_HASH_MISMATCH', 'PKG_UNKNOWN_KEY', 'PKG_SIG_INVALID']);

/** Maps a MotaError code prefix to an exit code; codes are named DOMAIN_PROBLEM. */
export function exitCodeFor(errorCode: string): ExitCode {
  if (errorCode.startsWith('USAGE_')) return ExitCode.USAGE;
  if (errorCode.startsWith('VERIFY_') || PACKAGE_VERIFICATION_FAILURES.has(errorCode)) return ExitCode.VERIFY_FAILED;
  if (errorCode.startsWith('DEVICE_')) return ExitCode.DEVICE_REFUSED;
  if (errorCode.startsWith('LINK_NO_DEVICE') || errorCode.startsWith('LINK_TIMEOUT')) return ExitCode.NO_DEVICE;
  if (errorCode.startsWith('LINK_')) return ExitCode.LINK_LOST;
  if (errorCode.startsWith('MISMATCH')) return ExitCode.MISMATCH;
  return ExitCode.BAD_INPUT;
}
