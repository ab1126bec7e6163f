/** The parsed form of a .tflite file: one subgraph, tensors with their constant data and quantization. */

export interface Quantization {
  /** One scale per channel (length 1 for per-tensor quantization). */
  scale: number[];
  /** Zero points (the schema's int64, narrowed to numbers). */
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface Tensor {
  index: number;
  name: string;
  shape: number[];
  /** TensorType code (INT8 9, INT32 2, FLOAT32 0, ...). */
  type: number;
  typeName: string;
  /** Index into the model's buffers; 0 means no constant data. */
  buffer: number;
  /** Constant data (a view into the file), or null for activations. */
  data: Uint8Array | null;
  quantization: Quantization | null;
  isVariable: boolean;
}

export interface OperatorCode {
  /** max(deprecated_builtin_code, builtin_code): the converter writes both since schema 3a. */
  builtinCode: number;
  name: string;
  customCode: string | null;
  version: number;
}

export interface FullyConnectedOptions {
  kind: 'FULLY_CONNECTED';
  fusedActivation: number;
  fusedActivationName: string;
  keepNumDims: boolean;
}

export interface Operator {
  index: number;
  opcodeIndex: number;
  builtinCode: number;
  name: string;
  /** Tensor indices; -1 marks an omitted optional input (e.g. no bias). */
  inputs: number[];
  outputs: number[];
  options: FullyConnectedOptions | null;
}

export interface TfliteModel {
  /** The file as read. */
  bytes: Uint8Array;
  schemaVersion: number;
  description: string;
  subgraphName: string;
  operatorCodes: OperatorCode[];
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
  /** Number of entries in Model.buffers (buffers[0] is the empty sentinel). */
  bufferCount: number;
}
