/** models/: read, write, inspect, run and train int8 TFLite models. */
export { readTflite, SUPPORTED_OPERATORS } from './tflite/reader.ts';
export type { TfliteModel, Tensor, Operator, OperatorCode, Quantization, FullyConnectedOptions } from './tflite/model.ts';
export { ReferenceInterpreter, type QuantizedPort } from './reference/interpreter.ts';
export type { Rounding } from './reference/quant.ts';
export { inspectModel, planArena, formatSummary, ARENA_ALIGNMENT, type ModelSummary, type ArenaPlacement, type PortSummary } from './inspect.ts';
export { writeFullyConnectedModel, type FullyConnectedModelSpec, type FullyConnectedLayerSpec, type QuantParams } from './tflite/writer.ts';
export { trainSine, sineMse, SINE_DEFAULTS, type TrainSineOptions, type TrainSineResult } from './train/sine.ts';
export { quantizeValue, dequantizeValue } from './train/quantize.ts';
export { readTfliteFile } from './files.ts';
