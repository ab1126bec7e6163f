import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The full TensorFlow Lite runtime compiled to WebAssembly (inside @tensorflow/tfjs-tflite),
 * driven from Node through its Emscripten module: an independent oracle for our int8 math.
 * The package's own client expects a browser (fetch, navigator), so we hand the module the
 * .wasm bytes ourselves and call the embind TFLiteWebModelRunner directly.
 */

interface WasmTensor {
  data(): Int8Array | Uint8Array | Float32Array | Int32Array;
  dataType: string;
  name: string;
  shape: string;
}
interface WasmVector<T> { size(): number; get(i: number): T; delete(): void }
interface WasmRunner {
  GetInputs(): WasmVector<WasmTensor>;
  GetOutputs(): WasmVector<WasmTensor>;
  Infer(): boolean;
  delete(): void;
}
interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(ptr: number, len: number, options: object): { ok(): boolean; errorMessage(): string; value(): WasmRunner };
  };
}

let modulePromise: Promise<WasmModule> | null = null;

export function tfliteWasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

function loadModule(): Promise<WasmModule> {
  if (!modulePromise) {
    const require = createRequire(import.meta.url);
    const dir = tfliteWasmDir();
    const factory = require(path.join(dir, 'tflite_web_api_cc.js')) as (opts: object) => Promise<WasmModule>;
    // Plain (non-SIMD, non-threaded) build; quiet its stdout/stderr chatter (e.g. "Created XNNPACK delegate").
    modulePromise = factory({
      wasmBinary: readFileSync(path.join(dir, 'tflite_web_api_cc.wasm')),
      print: () => {},
      printErr: () => {},
    });
  }
  return modulePromise;
}

/** One loaded model in the full TFLite runtime; int8 in, int8 out. */
export class TfliteWasmRunner {
  private constructor(
    private readonly module: WasmModule,
    private readonly runner: WasmRunner,
    private readonly modelPtr: number,
    readonly input: WasmTensor,
    readonly output: WasmTensor,
  ) {}

  static async create(tflite: Uint8Array): Promise<TfliteWasmRunner> {
    const m = await loadModule();
    const ptr = m._malloc(tflite.length);
    m.HEAPU8.set(tflite, ptr);
    const status = m.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, tflite.length, { numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 1024 });
    if (!status.ok()) {
      m._free(ptr);
      throw new Error(`TFLite (wasm) refused the model: ${status.errorMessage()}`);
    }
    const runner = status.value();
    const inputs = runner.GetInputs();
    const outputs = runner.GetOutputs();
    if (inputs.size() !== 1 || outputs.size() !== 1) throw new Error(`TFLite (wasm): expected 1 input and 1 output, got ${inputs.size()} and ${outputs.size()}`);
    return new TfliteWasmRunner(m, runner, ptr, inputs.get(0), outputs.get(0));
  }

  invoke(input: Int8Array): Int8Array {
    const inData = this.input.data();
    if (!(inData instanceof Int8Array)) throw new Error(`TFLite (wasm): model input is ${this.input.dataType}, not int8`);
    inData.set(input);
    if (!this.runner.Infer()) throw new Error('TFLite (wasm): Infer() failed');
    const out = this.output.data();
    if (!(out instanceof Int8Array)) throw new Error(`TFLite (wasm): model output is ${this.output.dataType}, not int8`);
    return out.slice();
  }

  /** For float-I/O models (QUANTIZE in front, DEQUANTIZE behind): float in, float out. */
  invokeFloat(input: Float32Array): Float32Array {
    const inData = this.input.data();
    if (!(inData instanceof Float32Array)) throw new Error(`TFLite (wasm): model input is ${this.input.dataType}, not float32`);
    inData.set(input);
    if (!this.runner.Infer()) throw new Error('TFLite (wasm): Infer() failed');
    const out = this.output.data();
    if (!(out instanceof Float32Array)) throw new Error(`TFLite (wasm): model output is ${this.output.dataType}, not float32`);
    return out.slice();
  }

  close(): void {
    this.runner.delete();
    this.module._free(this.modelPtr);
  }
}
