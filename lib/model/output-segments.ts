/**
 * Model outputs written in place for several consecutive runs. onnxruntime fills pre-allocated output tensors that
 * are views of one buffer per output, so a segment of runs (e.g. 4 × 8192 rows) goes to the scoring thread as one
 * message that moves its buffers, instead of a message and a fresh output buffer per run.
 */
import * as ort from 'onnxruntime-node';
import type { OutputValue } from './outputs';

/** Numeric tensor types a segment can hold. */
type SegmentType = 'float32' | 'float64' | 'int32' | 'int64';

type SegmentArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** One output of the model as a segment lays it out: element type and the dimensions after the row one. */
export interface OutputLayout {
  name: string;
  type: SegmentType;
  /** Dimensions after the first (rows); their product is the values per row. */
  trailing: number[];
}

const ARRAYS: Record<SegmentType, (length: number) => SegmentArray> = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  int64: (n) => new BigInt64Array(n),
};

/**
 * The layout of `fetched` outputs from one run over `rows` rows, or undefined when some output cannot be written in
 * place: not a numeric tensor (strings, maps), or not one row of output per input row.
 */
export function outputLayout(
  results: ort.InferenceSession.OnnxValueMapType,
  fetched: readonly string[],
  rows: number,
): OutputLayout[] | undefined {
  const layout: OutputLayout[] = [];
  for (const name of fetched) {
    const tensor = results[name] as ort.Tensor | undefined;
    if (!tensor || !(tensor.type in ARRAYS) || !ArrayBuffer.isView(tensor.data)) return undefined;
    const dims = tensor.dims.map(Number);
    if (dims.length === 0 || dims[0] !== rows) return undefined;
    layout.push({ name, type: tensor.type as SegmentType, trailing: dims.slice(1) });
  }
  return layout;
}

/** Output buffers for rows [from, from + capacity) of a dataset batch, filled run by run. */
export class OutputSegment {
  private readonly arrays: SegmentArray[];
  private readonly widths: number[];
  /** Rows written so far, from `from` on. */
  filled = 0;

  constructor(
    private readonly layout: readonly OutputLayout[],
    /** First row of the segment in its dataset batch. */
    readonly from: number,
    readonly capacity: number,
  ) {
    this.widths = layout.map((o) => o.trailing.reduce((a, d) => a * d, 1));
    this.arrays = layout.map((o, i) => ARRAYS[o.type](capacity * this.widths[i]));
  }

  /** Whether every row of the segment is written. */
  get full(): boolean {
    return this.filled >= this.capacity;
  }

  /** Pre-allocated output tensors for the next `rows` rows (views of the segment's buffers). */
  fetches(rows: number): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    this.layout.forEach((o, i) => {
      const w = this.widths[i];
      const view = this.arrays[i].subarray(this.filled * w, (this.filled + rows) * w);
      out[o.name] = new ort.Tensor(o.type, view, [rows, ...o.trailing]);
    });
    return out;
  }

  /** Counts `rows` more rows as written (after their run succeeded). */
  advance(rows: number): void {
    this.filled += rows;
  }

  /** The written rows as outputs, and the buffers to move with them (the segment is unusable afterwards). */
  take(): { outputs: Record<string, OutputValue>; transfer: ArrayBuffer[] } {
    const outputs: Record<string, OutputValue> = {};
    const transfer: ArrayBuffer[] = [];
    this.layout.forEach((o, i) => {
      let data = this.arrays[i];
      // A segment cut short (the model stopped writing in place) sends only its written rows.
      if (this.filled < this.capacity) data = data.slice(0, this.filled * this.widths[i]);
      transfer.push(data.buffer as ArrayBuffer);
      outputs[o.name] = { type: o.type, dims: [this.filled, ...o.trailing], data };
    });
    return { outputs, transfer };
  }
}
