/**
 * Probes run on a slice of the evaluation data: latency of single-row requests, and robustness, the
 * share of predictions that stay the same when numeric inputs move by a small seeded amount.
 */
import * as ort from 'onnxruntime-node';
import { normalFrom, seededRandom } from '../data/random';
import { buildFeeds } from './binding';
import type { ColumnData, InputBinding } from './binding';
import type { OutputPlan } from './outputs';
import { floatMatrix, labelStrings } from './outputs';

/** Robustness of a model's predictions to input noise. */
export interface RobustnessReport {
  /** Share of rows whose prediction did not change (regression: moved by at most 1% of the predictions' std). */
  unchanged: number;
  rows: number;
  /** Noise scale, as a multiple of each numeric column's standard deviation. */
  scale: number;
  seed: number;
}

/** Percentile (nearest rank) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Milliseconds per single-row run over the first `samples` rows. */
export async function singleRowLatencies(
  session: ort.InferenceSession,
  bindings: InputBinding[],
  data: Map<string, ColumnData>,
  rows: number,
  fetches: string[],
  samples: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < Math.min(samples, rows); i++) {
    const feeds = buildFeeds(bindings, data, i, i + 1);
    const start = process.hrtime.bigint();
    await session.run(feeds, fetches);
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

function perturb(tensor: ort.Tensor, width: number, scale: number, normal: () => number): ort.Tensor {
  const src = tensor.data as Float32Array | Float64Array;
  const rows = src.length / width;
  const out = tensor.type === 'float64' ? new Float64Array(src) : new Float32Array(src);
  for (let c = 0; c < width; c++) {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let r = 0; r < rows; r++) {
      const v = src[r * width + c];
      if (Number.isNaN(v)) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
    const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
    for (let r = 0; r < rows; r++) out[r * width + c] += scale * std * normal();
  }
  return new ort.Tensor(tensor.type, out, tensor.dims);
}

function predictions(results: ort.InferenceSession.OnnxValueMapType, plan: OutputPlan): (string | number)[] {
  if (plan.task === 'regression') return Array.from(floatMatrix(results[plan.value as string] as ort.Tensor).values);
  if (plan.label) return labelStrings(results[plan.label] as ort.Tensor);
  const { values, width } = floatMatrix(results[plan.probabilities as string] as ort.Tensor);
  const out: number[] = [];
  for (let r = 0; r < values.length / width; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (values[r * width + c] > values[r * width + best]) best = c;
    out.push(best);
  }
  return out;
}

/** Robustness over rows [0, rows): every float input is perturbed with seeded Gaussian noise. */
export async function robustness(
  session: ort.InferenceSession,
  bindings: InputBinding[],
  data: Map<string, ColumnData>,
  rows: number,
  plan: OutputPlan,
  fetches: string[],
  options: { scale: number; seed: number },
): Promise<RobustnessReport> {
  const feeds = buildFeeds(bindings, data, 0, rows);
  const normal = normalFrom(seededRandom(options.seed));
  const noisy: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const isFloat = tensor.type === 'float32' || tensor.type === 'float64';
    const width = tensor.dims.length === 2 ? tensor.dims[1] : 1;
    noisy[name] = isFloat ? perturb(tensor, width, options.scale, normal) : tensor;
  }
  const before = predictions(await session.run(feeds, fetches), plan);
  const after = predictions(await session.run(noisy, fetches), plan);
  let tolerance = 0;
  if (plan.task === 'regression') {
    const values = before as number[];
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
    tolerance = 0.01 * Math.sqrt(variance);
  }
  let same = 0;
  for (let i = 0; i < before.length; i++) {
    if (plan.task === 'regression') same += Math.abs((before[i] as number) - (after[i] as number)) <= tolerance ? 1 : 0;
    else same += before[i] === after[i] ? 1 : 0;
  }
  return { unchanged: rows === 0 ? Number.NaN : same / rows, rows, scale: options.scale, seed: options.seed };
}
