/**
 * Atomic file writes: the data goes to a temporary file in the same directory, is flushed,
 * then renamed (or hard-linked, to refuse overwriting) into place. A failure leaves no
 * half-written file behind.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MotaError } from './errors.ts';

export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. 0o600 for a private key); default 0o644. */
  mode?: number;
  /** Replace an existing file (default true); when false an existing file is an error. */
  overwrite?: boolean;
}

export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const { mode = 0o644, overwrite = true } = options;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (overwrite) {
      renameSync(tmp, path);
    } else {
      // link() fails with EEXIST instead of replacing: the no-overwrite check and the write are one step.
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new MotaError('USAGE_FILE_EXISTS', `${path} already exists; refusing to overwrite it`, 'choose another output path or remove the file first');
    }
    throw fileError(path, e);
  }
}

function fileError(path: string, e: unknown): MotaError {
  const err = e as NodeJS.ErrnoException;
  return new MotaError('FILE_WRITE_FAILED', `cannot write ${path}: ${err.message ?? String(e)}`, 'check that the directory exists and is writable');
}

/** Reads a whole input file; a missing or unreadable file is FILE_UNREADABLE naming `what` it should be. */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new MotaError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${why}`, `give the path of ${what}`);
  }
}
