import { readFileSync } from 'node:fs';
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
