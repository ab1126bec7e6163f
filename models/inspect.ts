import type { Tensor, TfliteModel } from './tflite/model.ts';
import { tensorTypeSize } from './tflite/schema.ts';

export interface PortSummary {
  tensor: number;
  name: string;
  type: string;
  shape: number[];
  scale: number | null;
  zeroPoint: number | null;
}

export interface ArenaPlacement {
  tensor: number;
  name: string;
  offset: number;
  bytes: number;
  /** Operator index that first needs it (0 for the graph input) and that last reads it. */
  firstOp: number;
  lastOp: number;
}

export interface ModelSummary {
  modelBytes: number;
  schemaVersion: number;
  description: string;
  operatorCount: number;
  /** Operator name -> how many times it runs, in first-use order. */
  operatorKinds: Record<string, number>;
  operators: { index: number; name: string; activation: string | null }[];
  /** The opcode table as the file lists it (the converter may list ops no operator uses). */
  opcodes: string[];
  tensorCount: number;
  /** Bytes of constant tensor data (weights and biases). */
  weightBytes: number;
  /** Bytes the activation tensors need in the arena, planned as below. */
  arenaBytes: number;
  arenaPlan: ArenaPlacement[];
  input: PortSummary;
  output: PortSummary;
}

export const ARENA_ALIGNMENT = 4;

/** A JSON-serialisable description of a model, as the firmware's boot report prints it. */
export function inspectModel(model: TfliteModel): ModelSummary {
  const kinds: Record<string, number> = {};
  for (const op of model.operators) kinds[op.name] = (kinds[op.name] ?? 0) + 1;
  const plan = planArena(model);
  return {
    modelBytes: model.bytes.length,
    schemaVersion: model.schemaVersion,
    description: model.description,
    operatorCount: model.operators.length,
    operatorKinds: kinds,
    operators: model.operators.map((op) => ({ index: op.index, name: op.name, activation: op.options?.fusedActivationName ?? null })),
    opcodes: model.operatorCodes.map((c) => c.customCode ?? c.name),
    tensorCount: model.tensors.length,
    weightBytes: model.tensors.reduce((sum, t) => sum + (t.data?.length ?? 0), 0),
    arenaBytes: plan.reduce((end, p) => Math.max(end, p.offset + p.bytes), 0),
    arenaPlan: plan,
    input: port(model.tensors[model.inputs[0]!]!),
    output: port(model.tensors[model.outputs[0]!]!),
  };
}

/**
 * Arena plan for activation tensors (same algorithm as the firmware's C planner, keep in sync):
 * 1. Activations are tensors without constant data that a graph input/output or operator uses.
 * 2. Lifetime [first, last] in operator steps: a graph input starts at 0, any other tensor at the
 *    operator that writes it; a graph output ends at the last operator, any other tensor at the
 *    last operator that reads it.
 * 3. Size = element count x element size, rounded up to 4 bytes.
 * 4. Place tensors largest first (ties: lower tensor index first). Each goes at the lowest
 *    4-aligned offset that does not overlap, in bytes, any already placed tensor whose lifetime
 *    overlaps its own (first fit, scanning placed neighbours by increasing offset).
 * 5. Arena bytes = the highest offset + size.
 */
export function planArena(model: TfliteModel): ArenaPlacement[] {
  const last = Math.max(0, model.operators.length - 1);
  const life = new Map<number, { first: number; last: number }>();
  const touch = (t: number, step: number) => {
    const tensor = model.tensors[t];
    if (!tensor || tensor.data) return;
    const l = life.get(t);
    if (l) {
      l.first = Math.min(l.first, step);
      l.last = Math.max(l.last, step);
    } else life.set(t, { first: step, last: step });
  };
  for (const t of model.inputs) touch(t, 0);
  model.operators.forEach((op, step) => {
    for (const t of op.inputs) if (t >= 0) touch(t, step);
    for (const t of op.outputs) touch(t, step);
  });
  for (const t of model.outputs) touch(t, last);

  const items = [...life.entries()].map(([t, l]) => {
    const tensor = model.tensors[t]!;
    return { tensor: t, name: tensor.name, bytes: alignUp(tensorBytes(tensor)), firstOp: l.first, lastOp: l.last, offset: 0 };
  });
  items.sort((a, b) => b.bytes - a.bytes || a.tensor - b.tensor);

  const placed: ArenaPlacement[] = [];
  for (const item of items) {
    const neighbours = placed
      .filter((p) => p.firstOp <= item.lastOp && item.firstOp <= p.lastOp)
      .sort((a, b) => a.offset - b.offset || a.tensor - b.tensor);
    let offset = 0;
    for (const n of neighbours) {
      if (offset + item.bytes <= n.offset) break;
      offset = Math.max(offset, alignUp(n.offset + n.bytes));
    }
    item.offset = offset;
    placed.push(item);
  }
  return placed.sort((a, b) => a.tensor - b.tensor);
}

function tensorBytes(t: Tensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * (tensorTypeSize(t.type) ?? 1);
}

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;
}

function port(t: Tensor): PortSummary {
  return {
    tensor: t.index,
    name: t.name,
    type: t.typeName,
    shape: [...t.shape],
    scale: t.quantization?.scale[0] ?? null,
    zeroPoint: t.quantization?.zeroPoint[0] ?? null,
  };
}

/** The human-readable report `mota model inspect` prints. */
export function formatSummary(s: ModelSummary, fileName?: string): string {
  const kinds = Object.entries(s.operatorKinds).map(([k, n]) => `${n} x ${k}`).join(', ');
  const q = (p: PortSummary) => `${p.type} [${p.shape.join(', ')}]` + (p.scale !== null ? ` scale ${p.scale} zero point ${p.zeroPoint}` : '');
  const lines = [
    ...(fileName ? [`model:        ${fileName}`] : []),
    `size:         ${s.modelBytes} bytes (weights ${s.weightBytes} bytes)`,
    `operators:    ${s.operatorCount} (${kinds || 'none'})`,
    ...s.operators.map((o) => `  #${o.index} ${o.name}${o.activation ? ` ${o.activation}` : ''}`),
    `tensors:      ${s.tensorCount}`,
    `arena:        ${s.arenaBytes} bytes planned for ${s.arenaPlan.length} activation tensors`,
    `input:        ${q(s.input)}`,
    `output:       ${q(s.output)}`,
  ];
  if (s.description) lines.push(`description:  ${s.description}`);
  return lines.join('\n');
}
