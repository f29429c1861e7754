/**
 * Micro-batching of one version's runs: a request that finds no run in flight runs at once (so a lone request
 * waits for nothing); requests that arrive while a run is in flight queue, and when it returns, the compatible ones
 * (same inputs, element types, trailing dimensions and fetches) run as one `session.run` over their rows joined along
 * the first dimension, whose outputs are split back per request. At concurrency this pays onnxruntime's fixed cost
 * per run (one tensor per input across N-API, thread-pool dispatch) once per batch instead of once per request.
 *
 * Batching assumes that rows are independent (each output row depends only on its input row), as every batching
 * model server does; `batchable` (warm-up.ts) checks what it can at load time, and a model can opt out in its
 * metadata.
 */
import * as ort from 'onnxruntime-node';

type Results = ort.InferenceSession.OnnxValueMapType;
type Data = ort.Tensor['data'];
type NumericData = Exclude<Data, string[]>;

/**
 * An input as a decoder leaves it: an `ort.Tensor`, or its type, dims and data still to be wrapped (float32 inputs
 * may hold float64 data, converted when the tensor is made: once per batch rather than once per request).
 */
export interface FeedValue {
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: Data;
}

/** Inputs of one request by name. */
export type Feeds = Record<string, FeedValue>;

/** The typed-array constructor of each numeric element type a gateway feeds. */
const ARRAY_OF: Partial<Record<ort.Tensor.Type, new (n: number) => NumericData>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
  uint8: Uint8Array,
  int8: Int8Array,
};

/** The tensor of a feed value (itself when it is one). */
function toTensor(value: FeedValue): ort.Tensor {
  if (value instanceof ort.Tensor) return value;
  const data =
    value.type === 'float32' && value.data instanceof Float64Array ? new Float32Array(value.data) : value.data;
  return new ort.Tensor(value.type as 'float32', data as Float32Array, value.dims);
}

/** Tensors of all feeds. */
function toTensors(feeds: Feeds): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const name in feeds) out[name] = toTensor(feeds[name]);
  return out;
}

interface Pending {
  feeds: Feeds;
  fetches: string[];
  rows: number;
  key: string;
  resolve: (results: Results) => void;
  reject: (err: unknown) => void;
}

/** Inputs, element types, trailing dims and fetches: requests with the same key can share a run. */
function batchKey(feeds: Feeds, fetches: string[], rows: number): string | undefined {
  let key = fetches.join('\u0001');
  for (const name in feeds) {
    const t = feeds[name];
    if (t.dims.length === 0 || t.dims[0] !== rows) return undefined;
    key += `\u0000${name}\u0001${t.type}\u0001${t.dims.length === 1 ? '' : t.dims.slice(1).join(',')}`;
  }
  return key;
}

/** Joins the inputs of several requests along the first dimension. */
function joinFeeds(batch: Pending[], rows: number): Record<string, ort.Tensor> {
  const joined: Record<string, ort.Tensor> = {};
  for (const name in batch[0].feeds) {
    const first = batch[0].feeds[name];
    const Array_ = ARRAY_OF[first.type];
    let data: Data;
    if (Array.isArray(first.data) || !Array_) {
      data = ([] as unknown[]).concat(
        ...batch.map((p) => Array.from(p.feeds[name].data as ArrayLike<unknown>)),
      ) as Data;
    } else {
      // `set` converts between element types (float64 data of a float32 input becomes float32 here).
      const out = new Array_((first.data.length / first.dims[0]) * rows) as Float32Array;
      let at = 0;
      for (const p of batch) {
        const part = p.feeds[name].data as Float32Array;
        // A request's part is mostly one row: element by element beats `set`'s call (and type conversion) there.
        if (part.length <= 16) for (let i = 0; i < part.length; i++) out[at + i] = part[i];
        else out.set(part, at);
        at += part.length;
      }
      data = out;
    }
    joined[name] = new ort.Tensor(first.type as 'float32', data as Float32Array, [rows, ...first.dims.slice(1)]);
  }
  return joined;
}

/** Splits a batched run's outputs per request; undefined when an output is not one row per input row. */
function splitResults(results: Results, batch: Pending[], rows: number): Results[] | undefined {
  const parts: Record<string, ort.Tensor>[] = batch.map(() => ({}));
  for (const name in results) {
    const tensor = results[name] as ort.Tensor;
    if (tensor.dims.length === 0 || tensor.dims[0] !== rows) return undefined;
    const width = tensor.data.length / rows;
    const rest = tensor.dims.slice(1);
    let start = 0;
    for (let i = 0; i < batch.length; i++) {
      const n = batch[i].rows;
      const data = (tensor.data as Float32Array).subarray
        ? (tensor.data as Float32Array).subarray(start * width, (start + n) * width)
        : (tensor.data as unknown as string[]).slice(start * width, (start + n) * width);
      parts[i][name] = new ort.Tensor(tensor.type as 'float32', data as Float32Array, [n, ...rest]);
      start += n;
    }
  }
  return parts;
}

/** Runs one session's requests, joining those that arrive while a run is in flight. */
export class RunBatcher {
  /** `session.run` calls made, and the requests they answered (more requests than runs: batching at work). */
  readonly counts = { runs: 0, requests: 0 };
  private running = false;
  private queue: Pending[] = [];

  constructor(
    private readonly session: ort.InferenceSession,
    /** Most rows one batched run joins; 1 turns batching off. */
    private readonly maxRows: number,
  ) {}

  /**
   * Runs `rows` rows of feeds, alone or in a batch; rejects with onnxruntime's error for this request's rows.
   * `sameAs`, when given, stands for the batch key: requests passing the same one have the same inputs, types,
   * trailing dims and fetches (as every `:predict` request of a version does), which saves comparing them.
   */
  run(feeds: Feeds, fetches: string[], rows: number, sameAs?: string): Promise<Results> {
    const key = this.maxRows > 1 && rows < this.maxRows ? (sameAs ?? batchKey(feeds, fetches, rows)) : undefined;
    if (key === undefined) return this.runAlone(feeds, fetches);
    if (!this.running) {
      this.running = true;
      return this.runAlone(feeds, fetches).finally(() => this.next());
    }
    return new Promise((resolve, reject) => this.queue.push({ feeds, fetches, rows, key, resolve, reject }));
  }

  /** Starts the next batch from the queue: the oldest request and every compatible one, up to `maxRows`. */
  private next(): void {
    if (this.queue.length === 0) {
      this.running = false;
      return;
    }
    const key = this.queue[0].key;
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let rows = 0;
    for (const p of this.queue) {
      if (p.key === key && rows + p.rows <= this.maxRows) {
        batch.push(p);
        rows += p.rows;
      } else rest.push(p);
    }
    this.queue = rest;
    void this.runBatch(batch, rows).finally(() => this.next());
  }

  private async runBatch(batch: Pending[], rows: number): Promise<void> {
    if (batch.length === 1) {
      const [p] = batch;
      await this.runAlone(p.feeds, p.fetches).then(p.resolve, p.reject);
      return;
    }
    let parts: Results[] | undefined;
    try {
      const results = await this.session.run(joinFeeds(batch, rows), batch[0].fetches);
      this.counts.runs++;
      this.counts.requests += batch.length;
      parts = splitResults(results, batch, rows);
    } catch {
      parts = undefined;
    }
    if (parts) {
      for (let i = 0; i < batch.length; i++) batch[i].resolve(parts[i]);
      return;
    }
    // The joined run failed or its outputs are not per row: each request runs alone, so an error is its own.
    await Promise.all(batch.map((p) => this.runAlone(p.feeds, p.fetches).then(p.resolve, p.reject)));
  }

  private runAlone(feeds: Feeds, fetches: string[]): Promise<Results> {
    this.counts.runs++;
    this.counts.requests++;
    return this.session.run(toTensors(feeds), fetches);
  }
}
