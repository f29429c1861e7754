/**
 * Binding dataset columns to model inputs: by name when the model has one input per feature, by an
 * explicit feature order when it has one matrix input. Feeds are built from Arrow's typed arrays.
 */
import { DataType } from 'apache-arrow';
import type { RecordBatch, Vector } from 'apache-arrow';
import * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { categoricalValues, numericValues } from '../data/columns';
import { DomainError } from '../errors';
import type { LoadedModel, TensorTypeName } from './load';

/** How one model input is filled. */
export type InputBinding =
  | { kind: 'column'; input: string; column: string; type: TensorTypeName; rank: number }
  | { kind: 'matrix'; input: string; columns: string[]; type: TensorTypeName };

/** One column's values for a run of rows, as the input type needs them. */
export type ColumnData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | string[];

const FEEDABLE = new Set<TensorTypeName>(['float32', 'float64', 'int64', 'int32', 'string', 'bool']);

/** Feature names a model records in its metadata (`mlops.features`: names, or objects with `name`). */
export function metadataFeatures(model: LoadedModel): string[] | undefined {
  const raw = model.metadata['mlops.features'];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) return undefined;
    const names = parsed.map((f) => (typeof f === 'string' ? f : (f as { name?: unknown })?.name));
    return names.every((n): n is string => typeof n === 'string') ? names : undefined;
  } catch {
    return undefined;
  }
}

function mismatch(message: string): DomainError {
  return new DomainError(ErrorType.ModelInputMismatch, message);
}

/**
 * Decides how every model input is fed from the dataset's columns. A single input that is not a column
 * is a matrix input whose feature order comes from `features`, else from the model's metadata.
 */
export function planBinding(model: LoadedModel, columns: string[], features?: string[]): InputBinding[] {
  const available = new Set(columns);
  for (const input of model.inputs) {
    if (!input.isTensor || !FEEDABLE.has(input.type)) {
      throw mismatch(`model input ${input.name} has a type (${input.type}) the evaluator cannot feed`);
    }
  }
  const single = model.inputs.length === 1 ? model.inputs[0] : undefined;
  const width = single?.shape[1];
  const matrixLike =
    single && (features !== undefined || !available.has(single.name) || (typeof width === 'number' && width > 1));
  if (single && matrixLike) {
    const order = features ?? metadataFeatures(model);
    if (!order || order.length === 0) {
      throw mismatch(
        `model has one matrix input (${single.name}) and no feature order: pass --features a,b,c or record mlops.features in the model's metadata`,
      );
    }
    if (typeof width === 'number' && width > 0 && width !== order.length) {
      throw mismatch(`model input ${single.name} takes ${width} features but ${order.length} were named`);
    }
    const missing = order.filter((c) => !available.has(c));
    if (missing.length > 0) throw mismatch(`dataset lacks the model's features: ${missing.join(', ')}`);
    if (single.type === 'string' || single.type === 'bool') {
      throw mismatch(`matrix input ${single.name} of type ${single.type} is not supported; use one input per feature`);
    }
    return [{ kind: 'matrix', input: single.name, columns: order, type: single.type }];
  }
  const missing = model.inputs.filter((i) => !available.has(i.name)).map((i) => i.name);
  if (missing.length > 0) {
    throw mismatch(
      `dataset has no column for the model inputs: ${missing.join(', ')} (inputs bind to columns by name)`,
    );
  }
  return model.inputs.map((i) => ({
    kind: 'column',
    input: i.name,
    column: i.name,
    type: i.type,
    rank: i.shape.length === 1 ? 1 : 2,
  }));
}

function vectorOf(batch: RecordBatch, column: string): Vector {
  const vector = batch.getChild(column);
  if (!vector) throw mismatch(`dataset batch has no column ${column}`);
  return vector;
}

/** A column converted once per dataset batch into the element type its input takes. */
export function columnData(vector: Vector, type: TensorTypeName): ColumnData {
  const textual = DataType.isUtf8(vector.type) || DataType.isDictionary(vector.type) || DataType.isBool(vector.type);
  if (type === 'string' && !textual) {
    return Array.from(numericValues(vector), (v) => (Number.isNaN(v) ? '' : String(v)));
  }
  if (type === 'string') {
    const { codes, dictionary } = categoricalValues(vector);
    const out = new Array<string>(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = codes[i] < 0 ? '' : dictionary[codes[i]];
    return out;
  }
  const values = numericValues(vector);
  if (type === 'float64') return values;
  if (type === 'float32') return Float32Array.from(values);
  if (type === 'int32') return Int32Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
  if (type === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? BigInt(Math.trunc(values[i])) : 0n;
  return out;
}

/** Every bound column of a dataset batch, converted once. */
export function batchColumns(bindings: InputBinding[], batch: RecordBatch): Map<string, ColumnData> {
  const out = new Map<string, ColumnData>();
  for (const b of bindings) {
    const names = b.kind === 'column' ? [b.column] : b.columns;
    const type = b.kind === 'matrix' && b.type !== 'float64' ? 'float64' : b.type;
    for (const name of names) if (!out.has(name)) out.set(name, columnData(vectorOf(batch, name), type));
  }
  return out;
}

function tensorType(type: TensorTypeName): ort.Tensor.Type {
  return type === 'other' ? 'float32' : type;
}

/** Feeds for rows [from, to) of the converted columns. */
export function buildFeeds(
  bindings: InputBinding[],
  data: Map<string, ColumnData>,
  from: number,
  to: number,
): Record<string, ort.Tensor> {
  const rows = to - from;
  const feeds: Record<string, ort.Tensor> = {};
  for (const b of bindings) {
    if (b.kind === 'column') {
      const values = data.get(b.column) as ColumnData;
      const slice = Array.isArray(values) ? values.slice(from, to) : values.subarray(from, to);
      feeds[b.input] = new ort.Tensor(tensorType(b.type), slice, b.rank === 1 ? [rows] : [rows, 1]);
      continue;
    }
    const width = b.columns.length;
    const matrix = b.type === 'float64' ? new Float64Array(rows * width) : new Float32Array(rows * width);
    b.columns.forEach((name, c) => {
      const col = data.get(name) as Float64Array;
      for (let r = 0; r < rows; r++) matrix[r * width + c] = col[from + r];
    });
    feeds[b.input] = new ort.Tensor(b.type === 'float64' ? 'float64' : 'float32', matrix, [rows, width]);
  }
  return feeds;
}

/**
 * Feeds for the runs over one dataset batch at a time, built into buffers reused from run to run. A float32 input
 * converts only its run's rows from the column's float64 values (no float32 copy of the whole column), and a
 * matrix input is laid out in one buffer of `batchSize` rows; other inputs are converted once per batch, as
 * `batchColumns` does. The tensors of one `feeds` call are valid until the next call.
 */
export class FeedBuilder {
  private readonly wide = new Map<string, Float64Array>();
  private columns = new Map<string, ColumnData>();
  private readonly buffers = new Map<string, Float32Array | Float64Array>();

  constructor(
    private readonly bindings: InputBinding[],
    private readonly batchSize: number,
  ) {}

  /** Takes the columns of the next dataset batch. */
  setBatch(batch: RecordBatch): void {
    this.wide.clear();
    const rest = this.bindings.filter((b) => b.kind === 'column' && b.type !== 'float32');
    this.columns = batchColumns(rest, batch);
    for (const b of this.bindings) {
      const names = b.kind === 'column' ? (b.type === 'float32' ? [b.column] : []) : b.columns;
      for (const name of names) if (!this.wide.has(name)) this.wide.set(name, numericValues(vectorOf(batch, name)));
    }
  }

  /** Feeds for rows [from, to) of the current batch (at most `batchSize` rows). */
  feeds(from: number, to: number): Record<string, ort.Tensor> {
    const rows = to - from;
    const feeds: Record<string, ort.Tensor> = {};
    for (const b of this.bindings) {
      if (b.kind === 'column' && b.type !== 'float32') {
        const values = this.columns.get(b.column) as ColumnData;
        const slice = Array.isArray(values) ? values.slice(from, to) : values.subarray(from, to);
        feeds[b.input] = new ort.Tensor(tensorType(b.type), slice, b.rank === 1 ? [rows] : [rows, 1]);
      } else if (b.kind === 'column') {
        const out = this.buffer(b.input, 'float32', Math.max(rows, this.batchSize)).subarray(0, rows);
        out.set((this.wide.get(b.column) as Float64Array).subarray(from, to));
        feeds[b.input] = new ort.Tensor('float32', out, b.rank === 1 ? [rows] : [rows, 1]);
      } else {
        const width = b.columns.length;
        const type = b.type === 'float64' ? 'float64' : 'float32';
        const matrix = this.buffer(b.input, type, Math.max(rows, this.batchSize) * width).subarray(0, rows * width);
        for (let c = 0; c < width; c++) {
          const col = this.wide.get(b.columns[c]) as Float64Array;
          for (let r = 0; r < rows; r++) matrix[r * width + c] = col[from + r];
        }
        feeds[b.input] = new ort.Tensor(type, matrix, [rows, width]);
      }
    }
    return feeds;
  }

  private buffer(input: string, type: 'float32' | 'float64', length: number): Float32Array | Float64Array {
    let buffer = this.buffers.get(input);
    if (!buffer || buffer.length < length) {
      buffer = type === 'float64' ? new Float64Array(length) : new Float32Array(length);
      this.buffers.set(input, buffer);
    }
    return buffer;
  }
}
