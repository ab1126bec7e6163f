/** Helpers for the simulator's own tests: builds sim/ (native library + ARM test programs) once. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BUILD_DIR, SIM_DIR } from './native.ts';

let built = false;

/** Path of a test program's ELF (sim/test-programs/<name>.c|.S), building everything first. */
export function testProgram(name: string): string {
  if (!built) {
    execFileSync('make', ['-s', '-C', SIM_DIR], { stdio: ['ignore', 'pipe', 'inherit'] });
    built = true;
  }
  return join(BUILD_DIR, `${name}.elf`);
}

/** Address of the results block the test programs fill (sim-test.h RESULTS). */
export const RESULTS = 0x20000100;
