import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOARDS, evaluateMacros, LAYOUT_HEADER_PATH, layouts, packageCapacity, parseLayout, type Board } from './layout.ts';

const MACROS = [
  'FLASH_BASE', 'FLASH_SIZE', 'PAGE_SIZE', 'RAM_BASE', 'RAM_SIZE', 'BOOTLOADER_ADDR', 'BOOTLOADER_SIZE',
  'JOURNAL_ADDR', 'JOURNAL_PAGES', 'JOURNAL_SIZE', 'APP_ADDR', 'APP_SIZE', 'SLOT_A_ADDR', 'SLOT_B_ADDR', 'SLOT_SIZE',
] as const;

const work = mkdtempSync(join(tmpdir(), 'mota-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the C compiler makes of layout.h for one board: MACRO=value lines. */
function compiledLayout(board: Board): Map<string, string> {
  const src = join(work, 'print_layout.c');
  writeFileSync(
    src,
    [
      '#include <stdio.h>',
      '#include "mota/layout.h"',
      'int main(void) {',
      '  printf("BOARD_NAME=%s\\n", MOTA_BOARD_NAME);',
      ...MACROS.map((m) => `  printf("${m}=%lu\\n", (unsigned long)(MOTA_${m}));`),
      '  return 0;',
      '}',
    ].join('\n'),
  );
  const exe = join(work, `print_layout_${board}`);
  const includeDir = dirname(dirname(LAYOUT_HEADER_PATH));
  execFileSync('gcc', ['-std=c11', '-Wall', '-Werror', '-I', includeDir, ...(board === 'c8' ? ['-DMOTA_BOARD_C8'] : []), '-o', exe, src]);
  const out = execFileSync(exe, { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

function tsValues(board: Board): Map<string, string> {
  const l = layouts[board];
  const v: Record<(typeof MACROS)[number], number> = {
    FLASH_BASE: l.flashBase, FLASH_SIZE: l.flashSize, PAGE_SIZE: l.pageSize, RAM_BASE: l.ramBase, RAM_SIZE: l.ramSize,
    BOOTLOADER_ADDR: l.bootloader.addr, BOOTLOADER_SIZE: l.bootloader.size, JOURNAL_ADDR: l.journal.addr,
    JOURNAL_PAGES: l.journal.pages, JOURNAL_SIZE: l.journal.size, APP_ADDR: l.app.addr, APP_SIZE: l.app.size,
    SLOT_A_ADDR: l.slotA.addr, SLOT_B_ADDR: l.slotB.addr, SLOT_SIZE: l.slotSize,
  };
  return new Map([['BOARD_NAME', l.chip], ...Object.entries(v).map(([k, n]) => [k, String(n)] as [string, string])]);
}

describe('flash layout from layout.h (SPEC §2)', () => {
  it.each(BOARDS)('agrees with what gcc compiles for board %s', (board) => {
    expect(tsValues(board)).toEqual(compiledLayout(board));
  });

  it('gives the slot sizes of SPEC §2 as package capacities', () => {
    expect(packageCapacity('rc')).toBe(96 * 1024);
    expect(packageCapacity('c8')).toBe(13 * 1024);
    expect(layouts.rc.slotA.addr).toBe(0x08010000);
    expect(layouts.c8.slotB.addr).toBe(0x0800cc00);
  });

  it('takes the #else branch unless the board macro is defined', () => {
    const src = '#if defined(X)\n#define V 1u\n#else\n#define V (2 * 3)\n#endif\n#ifndef G\n#define W 0x10\n#endif\n';
    expect(evaluateMacros(src).get('V')).toBe(6);
    expect(evaluateMacros(src, ['X']).get('V')).toBe(1);
    expect(evaluateMacros(src, ['G']).has('W')).toBe(false);
  });

  it('names the macro a board is missing', () => {
    expect(() => parseLayout('#define MOTA_BOARD_NAME "X"\n', 'rc')).toThrow(/does not define MOTA_SLOT_SIZE as a number for board rc/);
  });

  it('refuses a condition it cannot evaluate instead of guessing', () => {
    expect(() => evaluateMacros('#if FOO > 2\n#endif\n')).toThrow(/unsupported #if condition/);
  });
});
