/**
 * Seeded synthetic tabular data: numeric and categorical features, nulls, class imbalance, and a binary
 * `label` that depends on the features; `drift` shifts chosen features for drift tests and demos.
 */
import { Dictionary, Float64, Int32, Int64, makeData, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { normalFrom, seededRandom } from './random';

/** Categories of `segment`, with their base weights (skewed, as real segments are). */
export const SEGMENTS = ['consumer', 'small_business', 'enterprise', 'public_sector', 'education'] as const;
const SEGMENT_WEIGHTS = [0.55, 0.22, 0.12, 0.07, 0.04];
/** Numeric feature names f0 … f7 (float64 with nulls). */
export const FLOAT_FEATURES = Array.from({ length: 8 }, (_, i) => `f${i}`);
/** Share of nulls in each float feature. */
export const NULL_FRACTION = 0.01;

/** One drift instruction for a column. */
export interface DriftChange {
  column: string;
  /** shift: add value × std; scale: multiply the spread; mix: share of categories redrawn uniformly; new: share replaced by an unseen category; nulls: null share. */
  op: 'shift' | 'scale' | 'mix' | 'new' | 'nulls';
  value: number;
}

/** Parses `f0=shift:1.5,f3=scale:2,segment=new:0.1` into drift changes. */
export function parseDriftSpec(spec: string): DriftChange[] {
  const ops = ['shift', 'scale', 'mix', 'new', 'nulls'];
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([A-Za-z0-9_]+)=([a-z]+):(-?\d+(\.\d+)?)$/.exec(part);
      if (!match || !ops.includes(match[2])) {
        throw new DomainError(
          ErrorType.InvalidInput,
          `bad drift spec '${part}': use column=op:value with op one of ${ops.join(', ')} (e.g. f0=shift:1.5)`,
        );
      }
      const [, column, op, value] = match;
      const known = [...FLOAT_FEATURES, 'tenure', 'segment'];
      if (!known.includes(column))
        throw new DomainError(ErrorType.InvalidInput, `bad drift spec '${part}': no column ${column}`);
      return { column, op: op as DriftChange['op'], value: Number(value) };
    });
}

/** Options of `generateTable`. */
export interface GenerateOptions {
  rows: number;
  seed: number;
  drift?: DriftChange[];
}

/**
 * `length` zeroed elements in shared memory. The generator's tables live in SharedArrayBuffers, so a parallel scan
 * hands their columns to its worker threads as they are, with no copy (`scanTableParallel`).
 */
function sharedArray<T>(Kind: { BYTES_PER_ELEMENT: number; new (buffer: SharedArrayBuffer): T }, length: number): T {
  return new Kind(new SharedArrayBuffer(length * Kind.BYTES_PER_ELEMENT));
}

function floatVector(values: Float64Array): Vector {
  const bitmap = sharedArray(Uint8Array, Math.ceil(values.length / 8));
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return makeVector(
    makeData({
      type: new Float64(),
      length: values.length,
      nullCount: nulls,
      data: values,
      nullBitmap: nulls ? bitmap : undefined,
    }),
  );
}

/**
 * Generates the dataset: f0…f7 (float64, 1% nulls), tenure (int64 months), segment (categorical) and label
 * (int64 0/1, about 15% positive, logistic in f0, f1, f2, tenure and segment). Its buffers are shared memory.
 */
export function generateTable(options: GenerateOptions): Table {
  const { rows } = options;
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new DomainError(ErrorType.InvalidInput, `rows must be a whole number >= 0, got ${rows}`);
  const random = seededRandom(options.seed);
  const normal = normalFrom(random);
  const change = (column: string, op: DriftChange['op']) =>
    options.drift?.find((d) => d.column === column && d.op === op)?.value;
  const features = FLOAT_FEATURES.map((name, j) => {
    const values = sharedArray(Float64Array, rows);
    const shift = change(name, 'shift') ?? 0;
    const scale = change(name, 'scale') ?? 1;
    const nullShare = change(name, 'nulls') ?? NULL_FRACTION;
    // Features differ in location and spread; f3 is skewed (log-normal), as amounts are.
    const mean = j * 0.5;
    const std = 1 + (j % 3) * 0.5;
    for (let i = 0; i < rows; i++) {
      const z = normal();
      const base = j === 3 ? Math.exp(0.5 * z) : z;
      values[i] = random() < nullShare ? NaN : mean + std * (base * scale + shift);
    }
    return values;
  });
  // int64 columns are written through their 32-bit halves: small non-negative values, no BigInt per row.
  const tenure = sharedArray(BigInt64Array, rows);
  const tenureWords = new Int32Array(tenure.buffer);
  const tenureShift = change('tenure', 'shift') ?? 0;
  const segmentCodes = sharedArray(Int32Array, rows);
  const mix = change('segment', 'mix') ?? 0;
  const unseen = change('segment', 'new') ?? 0;
  const cumulative = Float64Array.from(SEGMENT_WEIGHTS, (_, i) =>
    SEGMENT_WEIGHTS.slice(0, i + 1).reduce((a, b) => a + b, 0),
  );
  const label = sharedArray(BigInt64Array, rows);
  const labelWords = new Int32Array(label.buffer);
  const [x0, x1, x2] = features;
  for (let i = 0; i < rows; i++) {
    const months = Math.max(0, Math.min(120, Math.round(24 + 18 * normal() + tenureShift * 18)));
    tenureWords[2 * i] = months;
    let code = SEGMENTS.length - 1;
    const u = random();
    if (u < unseen) code = SEGMENTS.length;
    else if (u < unseen + mix) code = Math.floor(random() * SEGMENTS.length);
    else {
      const v = random();
      for (let c = 0; c < cumulative.length; c++) {
        if (v < cumulative[c]) {
          code = c;
          break;
        }
      }
    }
    segmentCodes[i] = code;
    const a = x0[i] === x0[i] ? x0[i] : 0;
    const b = x1[i] === x1[i] ? x1[i] : 0;
    const c = x2[i] === x2[i] ? x2[i] : 0;
    const logit = -2.4 + 0.9 * a - 0.6 * (b - 0.5) + 0.4 * (c - 1) - 0.02 * (months - 24) + (code === 0 ? 0.5 : 0);
    labelWords[2 * i] = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const segmentNames = [...SEGMENTS, 'unseen_segment'];
  const columns: Record<string, Vector> = {};
  FLOAT_FEATURES.forEach((name, j) => (columns[name] = floatVector(features[j])));
  columns.tenure = makeVector(makeData({ type: new Int64(), length: rows, nullCount: 0, data: tenure }));
  columns.segment = makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: rows,
      nullCount: 0,
      data: segmentCodes,
      dictionary: vectorFromArray(segmentNames, new Utf8()),
    }),
  );
  columns.label = makeVector(makeData({ type: new Int64(), length: rows, nullCount: 0, data: label }));
  return new Table(columns);
}
