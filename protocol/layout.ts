/**
 * The flash and RAM layout of both boards, read from firmware/include/mota/layout.h (the
 * single source of truth, SPEC §2) with a small C-preprocessor subset: #define of numbers,
 * strings and arithmetic on earlier macros; #if/#ifdef/#ifndef/#else/#endif with defined().
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Board = 'rc' | 'c8';
export const BOARDS: readonly Board[] = ['rc', 'c8'];

export interface Region {
  addr: number;
  size: number;
}

export interface BoardLayout {
  board: Board;
  /** "STM32F103RC" or "STM32F103C8". */
  chip: string;
  flashBase: number;
  flashSize: number;
  pageSize: number;
  ramBase: number;
  ramSize: number;
  bootloader: Region;
  journal: Region & { pages: number };
  app: Region;
  slotA: Region;
  slotB: Region;
  /** The largest package the board accepts (PKG_TOO_LARGE above it). */
  slotSize: number;
}

export const LAYOUT_HEADER_PATH = fileURLToPath(new URL('../firmware/include/mota/layout.h', import.meta.url));

type MacroValue = number | string;

/** Evaluates the macros of a header as the C preprocessor would with `predefined` set. */
export function evaluateMacros(source: string, predefined: readonly string[] = []): Map<string, MacroValue> {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  const macros = new Map<string, MacroValue>();
  const defined = new Set<string>(predefined);
  // Each frame: is this branch live, and has any branch of this #if been taken.
  const stack: { live: boolean; taken: boolean; parentLive: boolean }[] = [];
  const live = (): boolean => stack.every((f) => f.live);
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line.startsWith('#')) return;
    const where = `layout.h line ${index + 1}`;
    const m = /^#\s*(\w+)\s*(.*)$/.exec(line);
    if (!m) return;
    const [, directive, rest = ''] = m;
    switch (directive) {
      case 'ifndef':
      case 'ifdef':
      case 'if': {
        const parentLive = live();
        const cond = directive === 'ifndef' ? !defined.has(rest.trim()) : directive === 'ifdef' ? defined.has(rest.trim()) : evalCondition(rest, defined, where);
        stack.push({ live: parentLive && cond, taken: cond, parentLive });
        return;
      }
      case 'else': {
        const top = stack.at(-1);
        if (!top) throw new Error(`${where}: #else without #if`);
        top.live = top.parentLive && !top.taken;
        top.taken = true;
        return;
      }
      case 'endif':
        if (!stack.pop()) throw new Error(`${where}: #endif without #if`);
        return;
      case 'define': {
        if (!live()) return;
        const d = /^(\w+)(\(.*?\))?\s*(.*)$/.exec(rest);
        if (!d) throw new Error(`${where}: cannot read #define ${rest}`);
        const [, name = '', params, body = ''] = d;
        defined.add(name);
        if (params || body === '') return; // function-like or flag macro: not a layout value
        macros.set(name, evalValue(body, macros, where));
        return;
      }
      default:
        return; // #include, #error, #pragma: nothing to evaluate
    }
  });
  if (stack.length > 0) throw new Error('layout.h: unterminated #if');
  return macros;
}

function evalCondition(expr: string, defined: Set<string>, where: string): boolean {
  const js = expr.replace(/defined\s*\(\s*(\w+)\s*\)/g, (_, n: string) => (defined.has(n) ? ' 1 ' : ' 0 '));
  if (!/^[\s01!&|()]*$/.test(js)) throw new Error(`${where}: unsupported #if condition "${expr}"`);
  return Boolean(evalArithmetic(js.replace(/&&/g, '&').replace(/\|\|/g, '|'), where));
}

function evalValue(body: string, macros: Map<string, MacroValue>, where: string): MacroValue {
  const s = body.trim();
  const str = /^"([^"\\]*)"$/.exec(s);
  if (str) return str[1]!;
  const expanded = s.replace(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*/g, (id) => {
    if (/^\d/.test(id)) return id;
    const v = macros.get(id);
    if (typeof v !== 'number') throw new Error(`${where}: "${id}" is not a numeric macro defined earlier`);
    return String(v);
  });
  return evalArithmetic(expanded, where);
}

/** Integer arithmetic with + - * / % & | ! and parentheses; numbers with C suffixes (0x10u). */
function evalArithmetic(expr: string, where: string): number {
  const tokens = expr.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[-+*/%&|!()]|\S/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const fail = (): never => {
    throw new Error(`${where}: cannot evaluate "${expr}"`);
  };
  const primary = (): number => {
    const t = tokens[i++] ?? fail();
    if (t === '(') {
      const v = binary(0);
      if (tokens[i++] !== ')') fail();
      return v;
    }
    if (t === '!') return primary() ? 0 : 1;
    if (t === '-') return -primary();
    const n = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.exec(t);
    return n ? Number(n[1]) : fail();
  };
  const PREC: Record<string, number> = { '|': 1, '&': 2, '+': 3, '-': 3, '*': 4, '/': 4, '%': 4 };
  const binary = (minPrec: number): number => {
    let left = primary();
    for (;;) {
      const op = peek();
      const p = op === undefined ? undefined : PREC[op];
      if (p === undefined || p < minPrec) return left;
      i++;
      const right = binary(p + 1);
      switch (op) {
        case '|': left = left || right ? 1 : 0; break;
        case '&': left = left && right ? 1 : 0; break;
        case '+': left += right; break;
        case '-': left -= right; break;
        case '*': left *= right; break;
        case '/': left = Math.trunc(left / right); break;
        default: left %= right;
      }
    }
  };
  const v = binary(0);
  if (i !== tokens.length) fail();
  return v;
}

/** Reads one board's layout from the header text. */
export function parseLayout(source: string, board: Board): BoardLayout {
  const m = evaluateMacros(source, board === 'c8' ? ['MOTA_BOARD_C8'] : []);
  const num = (name: string): number => {
    const v = m.get(`MOTA_${name}`);
    if (typeof v !== 'number') throw new Error(`layout.h does not define MOTA_${name} as a number for board ${board}`);
    return v;
  };
  const chip = m.get('MOTA_BOARD_NAME');
  if (typeof chip !== 'string') throw new Error(`layout.h does not define MOTA_BOARD_NAME for board ${board}`);
  const slotSize = num('SLOT_SIZE');
  return {
    board,
    chip,
    flashBase: num('FLASH_BASE'),
    flashSize: num('FLASH_SIZE'),
    pageSize: num('PAGE_SIZE'),
    ramBase: num('RAM_BASE'),
    ramSize: num('RAM_SIZE'),
    bootloader: { addr: num('BOOTLOADER_ADDR'), size: num('BOOTLOADER_SIZE') },
    journal: { addr: num('JOURNAL_ADDR'), size: num('JOURNAL_SIZE'), pages: num('JOURNAL_PAGES') },
    app: { addr: num('APP_ADDR'), size: num('APP_SIZE') },
    slotA: { addr: num('SLOT_A_ADDR'), size: slotSize },
    slotB: { addr: num('SLOT_B_ADDR'), size: slotSize },
    slotSize,
  };
}

function loadLayouts(): Record<Board, BoardLayout> {
  const source = readFileSync(LAYOUT_HEADER_PATH, 'utf8');
  return { rc: parseLayout(source, 'rc'), c8: parseLayout(source, 'c8') };
}

/** Both boards' layouts, read once from layout.h. */
export const layouts: Readonly<Record<Board, BoardLayout>> = loadLayouts();

/** The largest package a board's model slot holds. */
export function packageCapacity(board: Board): number {
  return layouts[board].slotSize;
}

export function isBoard(s: string): s is Board {
  return (BOARDS as readonly string[]).includes(s);
}
