/**
 * The model bench:serve serves: a 32-feature MLP built by the built-in exporter (one [N, 1] float input per
 * feature, outputs `label` and `probabilities`) with seeded random weights, its request row, and the bare
 * `session.run` of the same model and feeds, in-process, that the gateway's overhead is measured against.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { openArtifactStore } from '../lib/artifacts';
import { normalFrom, seededRandom } from '../lib/data/random';
import { openRegistry } from '../lib/registry';
import { registerModelFile } from '../lib/registry/register-model';
import { exportOnnx } from '../lib/training/export';
import type { FeatureSpec } from '../lib/training/features';
import type { Layer } from '../lib/training/mlp';

/** Raw features of the served model. */
export const FEATURES = 32;
/** Hidden layer widths. */
export const HIDDEN = [64, 32];

/** Feature names f0 … f31. */
export const featureNames = (): string[] => Array.from({ length: FEATURES }, (_, i) => `f${i}`);

/**
 * Writes the MLP with weights drawn from `seed` (He-scaled normals) to `<dir>/mlp-<seed>-<nudge>.onnx`. A `nudge`
 * adds `nudge`·1e-6 to every bias: new weights (another artifact) that predict the same, as a retrained candidate
 * that a canary should promote.
 */
export async function writeBenchModel(dir: string, seed: number, nudge = 0): Promise<string> {
  const normal = normalFrom(seededRandom(seed));
  const widths = [FEATURES, ...HIDDEN, 2];
  const layers: Layer[] = widths.slice(1).map((outputs, i) => {
    const inputs = widths[i];
    const scale = Math.sqrt(2 / inputs);
    return {
      inputs,
      outputs,
      w: Float64Array.from({ length: inputs * outputs }, () => normal() * scale),
      b: Float64Array.from({ length: outputs }, () => normal() * 0.1 + nudge * 1e-6),
    };
  });
  const specs: FeatureSpec[] = featureNames().map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
  const path = join(dir, `mlp-${seed}-${nudge}.onnx`);
  await writeFile(path, exportOnnx({ specs, layers, classes: ['0', '1'], label: 'label' }));
  return path;
}

/** Registers the model file as the next version of `model` in the registry under `home`. */
export async function registerBenchModel(home: string, model: string, path: string, key: string): Promise<number> {
  const registry = openRegistry(home);
  try {
    const registered = await registerModelFile(
      { registry, store: openArtifactStore(home) },
      { model, modelPath: path, idempotencyKey: key },
    );
    return registered.version;
  } finally {
    await registry.close();
  }
}

/** One request row `{f0: …, …, f31: …}` with values drawn from `seed`. */
export function benchRow(seed: number): Record<string, number> {
  const normal = normalFrom(seededRandom(seed));
  return Object.fromEntries(featureNames().map((name) => [name, Math.round(normal() * 1e4) / 1e4]));
}

/** The `:predict` body of one row, the same bytes for every server. */
export function predictBody(row: Record<string, number>): string {
  return JSON.stringify({ instances: [row] });
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** p50 and p99 of latencies (any unit). */
export function percentiles(values: ArrayLike<number>): { p50: number; p99: number } {
  const sorted = Float64Array.from(values).sort();
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

/** What one bare `session.run` costs, in µs. */
export interface BareRun {
  p50Us: number;
  p99Us: number;
  runs: number;
  probabilities: number[];
}

/** Threads per operator of the gateway's sessions (its default), which the bare run and the peer use too. */
export const GATEWAY_INTRA_OP_THREADS = 1;

/**
 * Times `session.run` of the model on the row's feeds (32 float32 [1, 1] tensors, fetching label and
 * probabilities), in this process with the session options the gateway opens it with.
 */
export async function measureBareRun(path: string, row: Record<string, number>, runs: number): Promise<BareRun> {
  // The gateway's default session options: one thread per operator (MLOPS_GATEWAY_INTRA_OP_THREADS).
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: GATEWAY_INTRA_OP_THREADS });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of featureNames()) feeds[name] = new ort.Tensor('float32', Float32Array.of(row[name]), [1, 1]);
    const fetches = ['label', 'probabilities'];
    let out = await session.run(feeds, fetches);
    for (let i = 0; i < Math.min(2000, runs); i++) out = await session.run(feeds, fetches); // warm-up
    const times = new Float64Array(runs);
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      out = await session.run(feeds, fetches);
      times[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
    const { p50, p99 } = percentiles(times);
    return { p50Us: p50, p99Us: p99, runs, probabilities: Array.from(out.probabilities.data as Float32Array) };
  } finally {
    await session.release();
  }
}
