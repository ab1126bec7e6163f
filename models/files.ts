import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MotaError } from '../common/errors.ts';
import { readTflite } from './tflite/reader.ts';
import type { TfliteModel } from './tflite/model.ts';

/** Reads and parses a .tflite file, turning file-system failures into MODEL_FILE_UNREADABLE. */
export function readTfliteFile(file: string): TfliteModel {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MotaError(
      'MODEL_FILE_UNREADABLE',
      `cannot read model file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`,
      'give the path of a .tflite file',
    );
  }
  return readTflite(bytes);
}

/** Writes a file atomically: a temporary file in the same directory, then rename over the target. */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // The temporary file was never created.
    }
    throw new MotaError('MODEL_WRITE_FAILED', `cannot write ${file}: ${(e as Error).message}`, 'check that the directory exists and is writable');
  }
}
