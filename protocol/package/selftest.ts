/**
 * The optional self-test section (SPEC §1.5): int8 inputs with the outputs the model must
 * give, so the device can check a new model before confirming it.
 */
import { packageError } from './format.ts';

export const SELFTEST_HEADER_SIZE = 8;
export const SELFTEST_MAX_COUNT = 64;

export type Rounding = 'double' | 'single';
const ROUNDING_CODES: Record<Rounding, number> = { double: 0, single: 1 };

export interface SelfTestVector {
  input: Int8Array;
  expected: Int8Array;
}

export interface SelfTest {
  /** The rounding the expected outputs were computed with. */
  rounding: Rounding;
  /** Largest accepted |expected − actual| per element, in LSB. */
  tolerance: number;
  inputBytes: number;
  outputBytes: number;
  vectors: SelfTestVector[];
}

/** A model that maps int8 input bytes to int8 output bytes (the reference interpreter fits). */
export interface Int8Model {
  readonly inputBytes: number;
  readonly outputBytes: number;
  invoke(input: Int8Array): Int8Array;
}

export function selftestSize(count: number, inputBytes: number, outputBytes: number): number {
  return SELFTEST_HEADER_SIZE + count * (inputBytes + outputBytes);
}

/** Checks the §1.5 rules; the message names the first broken one. */
function checkShape(count: number, inputBytes: number, outputBytes: number, rounding: number): void {
  if (count < 1 || count > SELFTEST_MAX_COUNT) {
    throw packageError('PKG_BAD_SELFTEST', `self-test count is ${count}; it must be 1..${SELFTEST_MAX_COUNT}`);
  }
  if (inputBytes < 1 || inputBytes > 0xffff) {
    throw packageError('PKG_BAD_SELFTEST', `self-test input_bytes is ${inputBytes}; it must be 1..65535`);
  }
  if (outputBytes < 1 || outputBytes > 0xffff) {
    throw packageError('PKG_BAD_SELFTEST', `self-test output_bytes is ${outputBytes}; it must be 1..65535`);
  }
  if (rounding > 1) {
    throw packageError('PKG_BAD_SELFTEST', `self-test rounding is ${rounding}; it must be 0 (double) or 1 (single)`);
  }
}

export function encodeSelfTest(st: SelfTest): Uint8Array {
  const count = st.vectors.length;
  checkShape(count, st.inputBytes, st.outputBytes, ROUNDING_CODES[st.rounding]);
  if (!Number.isInteger(st.tolerance) || st.tolerance < 0 || st.tolerance > 255) {
    throw packageError('PKG_BAD_SELFTEST', `self-test tolerance is ${st.tolerance}; it must be 0..255 LSB`);
  }
  const bytes = new Uint8Array(selftestSize(count, st.inputBytes, st.outputBytes));
  const dv = new DataView(bytes.buffer);
  dv.setUint16(0, count, true);
  dv.setUint16(2, st.inputBytes, true);
  dv.setUint16(4, st.outputBytes, true);
  bytes[6] = ROUNDING_CODES[st.rounding];
  bytes[7] = st.tolerance;
  let at = SELFTEST_HEADER_SIZE;
  st.vectors.forEach((v, i) => {
    if (v.input.length !== st.inputBytes || v.expected.length !== st.outputBytes) {
      throw packageError(
        'PKG_BAD_SELFTEST',
        `self-test vector ${i} has ${v.input.length} input and ${v.expected.length} output bytes; the section declares ${st.inputBytes} and ${st.outputBytes}`,
      );
    }
    bytes.set(new Uint8Array(v.input.buffer, v.input.byteOffset, v.input.length), at);
    at += st.inputBytes;
    bytes.set(new Uint8Array(v.expected.buffer, v.expected.byteOffset, v.expected.length), at);
    at += st.outputBytes;
  });
  return bytes;
}

/** Decodes exactly `selftest_size` bytes (without padding); throws PKG_BAD_SELFTEST. */
export function decodeSelfTest(bytes: Uint8Array): SelfTest {
  if (bytes.length < SELFTEST_HEADER_SIZE) {
    throw packageError('PKG_BAD_SELFTEST', `self-test section is ${bytes.length} bytes, shorter than its 8-byte header`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint16(0, true);
  const inputBytes = dv.getUint16(2, true);
  const outputBytes = dv.getUint16(4, true);
  const roundingCode = bytes[6]!;
  checkShape(count, inputBytes, outputBytes, roundingCode);
  const expectedSize = selftestSize(count, inputBytes, outputBytes);
  if (bytes.length !== expectedSize) {
    throw packageError(
      'PKG_BAD_SELFTEST',
      `selftest_size is ${bytes.length} but ${count} vectors of ${inputBytes}+${outputBytes} bytes need 8 + ${count}·${inputBytes + outputBytes} = ${expectedSize}`,
    );
  }
  const vectors: SelfTestVector[] = [];
  let at = SELFTEST_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const input = new Int8Array(bytes.slice(at, at + inputBytes).buffer);
    at += inputBytes;
    const expected = new Int8Array(bytes.slice(at, at + outputBytes).buffer);
    at += outputBytes;
    vectors.push({ input, expected });
  }
  return { rounding: roundingCode === 0 ? 'double' : 'single', tolerance: bytes[7]!, inputBytes, outputBytes, vectors };
}

/**
 * `count` inputs spread evenly over the int8 range (element j of vector i takes the
 * (i·n + j)-th of count·n evenly spaced values, n = input bytes), each run through `model`.
 */
export function deriveSelfTest(model: Int8Model, options: { count: number; rounding: Rounding }): SelfTest {
  const { count, rounding } = options;
  checkShape(count, model.inputBytes, model.outputBytes, ROUNDING_CODES[rounding]);
  const n = model.inputBytes;
  const steps = count * n;
  const vectors: SelfTestVector[] = [];
  for (let i = 0; i < count; i++) {
    const input = new Int8Array(n);
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      input[j] = steps === 1 ? 0 : Math.round(-128 + (255 * k) / (steps - 1));
    }
    const expected = model.invoke(input);
    if (expected.length !== model.outputBytes) {
      throw new Error(`model gave ${expected.length} output bytes, declared ${model.outputBytes}`);
    }
    vectors.push({ input, expected: Int8Array.from(expected) });
  }
  return { rounding, tolerance: 0, inputBytes: n, outputBytes: model.outputBytes, vectors };
}
