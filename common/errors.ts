/**
 * The one error type every mota module throws for problems a user can meet.
 * `code` is stable (tests and scripts match on it); `hint` says what to do.
 */
export class MotaError extends Error {
  override readonly name = 'MotaError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function isMotaError(e: unknown, code?: string): e is MotaError {
  return e instanceof MotaError && (code === undefined || e.code === code);
}
