/**
 * Load-time runs on zeros. A session's first runs are slow (onnxruntime sizes its memory arena and caches on them:
 * milliseconds against tenths of one afterwards). A version is run on one row of zeros before it takes traffic, so
 * its first requests do not pay for that, nor lift the latency a canary is judged on. A second probe tells whether
 * the version's rows are independent enough to micro-batch.
 */
import * as ort from 'onnxruntime-node';
import type { LoadedModel, ModelValueInfo } from '../model/load';

/** Runs of the warm-up: the second settles what the first allocated. */
const WARM_UP_RUNS = 2;

/** Most elements of one zeros tensor: a model declaring larger fixed dimensions is not warmed up. */
const MAX_ZEROS = 1 << 24;

/** A tensor of zeros (empty strings, false) for an input; undefined for a type that cannot be fed. */
function zeros(input: ModelValueInfo, rows: number): ort.Tensor | undefined {
  if (!input.isTensor) return undefined;
  // Symbolic and unknown dimensions take 1, except the first (the batch), which takes `rows`.
  const dims = input.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : i === 0 ? rows : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size) || size > MAX_ZEROS) return undefined;
  switch (input.type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(size), dims);
    case 'float64':
      return new ort.Tensor('float64', new Float64Array(size), dims);
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(size), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(size), dims);
    case 'bool':
      return new ort.Tensor('bool', new Uint8Array(size), dims);
    case 'string':
      return new ort.Tensor('string', new Array<string>(size).fill(''), dims);
    default:
      return undefined;
  }
}

/** Feeds of `rows` rows of zeros for every input; undefined when an input cannot be fed zeros. */
export function zeroFeeds(loaded: LoadedModel, rows: number): Record<string, ort.Tensor> | undefined {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of loaded.inputs) {
    const tensor = zeros(input, rows);
    if (!tensor) return undefined;
    feeds[input.name] = tensor;
  }
  return feeds;
}

/**
 * Runs the model on zeros (`rows` rows, default 1) fetching every tensor output, `runs` times. Best effort: a model
 * that rejects zeros (a fixed vocabulary, a shape the metadata does not tell) still serves, and real requests report
 * real errors; so a failed warm-up only means its first requests are slower. Returns whether it ran.
 */
export async function warmUp(loaded: LoadedModel, rows = 1, runs = WARM_UP_RUNS): Promise<boolean> {
  const feeds = zeroFeeds(loaded, rows);
  if (!feeds) return false;
  const fetches = loaded.outputs.filter((o) => o.isTensor).map((o) => o.name);
  try {
    // Logging only fatal errors for these runs: onnxruntime would print a refusal of zeros as an error of its own.
    for (let i = 0; i < runs; i++) await loaded.session.run(feeds, fetches, { logSeverityLevel: 4 });
    return true;
  } catch {
    return false;
  }
}

/** Model metadata key that turns batching off for a model whose rows are not independent (value `off`). */
export const BATCHING_METADATA_KEY = 'mlops.batching';

/**
 * Whether a loaded model may batch: not opted out in its metadata, and on zeros it runs with 1 and 2 rows, giving
 * outputs of one row per input row, the 2-row answer being the 1-row answer twice. Models that fail this (a fixed
 * batch size, an output that mixes rows, inputs zeros cannot feed) run each request alone.
 */
export async function batchable(loaded: LoadedModel): Promise<boolean> {
  if (loaded.metadata[BATCHING_METADATA_KEY] === 'off') return false;
  const one = zeroFeeds(loaded, 1);
  const two = zeroFeeds(loaded, 2);
  if (!one || !two) return false;
  const fetches = loaded.outputs.filter((o) => o.isTensor).map((o) => o.name);
  try {
    const a = await loaded.session.run(one, fetches, { logSeverityLevel: 4 });
    const b = await loaded.session.run(two, fetches, { logSeverityLevel: 4 });
    return fetches.every((name) => {
      const [x, y] = [a[name] as ort.Tensor, b[name] as ort.Tensor];
      if (x.dims[0] !== 1 || y.dims[0] !== 2 || y.data.length !== 2 * x.data.length) return false;
      const w = x.data.length;
      for (let i = 0; i < 2 * w; i++)
        if (!Object.is(y.data[i], x.data[i % w]) && y.data[i] !== x.data[i % w]) return false;
      return true;
    });
  } catch {
    return false;
  }
}
