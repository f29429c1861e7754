/**
 * bench:eval's workload: an MLP exported by our own exporter (32 numeric inputs, preprocessing in the graph) and
 * a dataset of 32 float64 feature columns plus an int64 label, both generated from fixed seeds on every run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, tableFromArrays } from 'apache-arrow';
import { normalFrom, seededRandom } from '../lib/data/random';
import { writeTable } from '../lib/data/write';
import { exportOnnx } from '../lib/training/export';
import type { FeatureSpec } from '../lib/training/features';
import type { Layer } from '../lib/training/mlp';
import { CACHE_DIR } from './workload';

/** Numeric features of the model and the dataset. */
export const FEATURES = 32;
/** Hidden layer widths of the MLP. */
export const HIDDEN = [64, 32];
/** The label column: 0/1 as int64. */
export const LABEL = 'label';
/** Rows per record batch (Arrow IPC) and per row group (Parquet's default). */
const BATCH_ROWS = 128 * 1024;
/** Dataset file formats the bench can write. */
export type EvalFormat = 'parquet' | 'arrow';

/** Feature column names x0 … x31. */
export const featureNames = (): string[] => Array.from({ length: FEATURES }, (_, i) => `x${i}`);

/** Seeded weights (He initialisation) for 32 → 64 → 32 → 2. */
export function mlpLayers(seed = 11): Layer[] {
  const normal = normalFrom(seededRandom(seed));
  const widths = [FEATURES, ...HIDDEN, 2];
  return widths.slice(1).map((outputs, l) => {
    const inputs = widths[l];
    const scale = Math.sqrt(2 / inputs);
    const w = Float64Array.from({ length: inputs * outputs }, () => normal() * scale);
    const b = Float64Array.from({ length: outputs }, () => normal() * 0.1);
    return { inputs, outputs, w, b };
  });
}

/** The ONNX model: one [N, 1] float input per feature, outputs `label` (int64) and `probabilities` [N, 2]. */
export function benchModel(): Uint8Array {
  const specs: FeatureSpec[] = featureNames().map((name) => ({ name, kind: 'numeric', mean: 0, std: 1 }));
  return exportOnnx({ specs, layers: mlpLayers(), classes: ['0', '1'], label: LABEL });
}

/**
 * `rows` rows: x_i ~ N(0, 1) without nulls, label = 1 when a seeded linear score plus noise is positive
 * (about half the rows), so the metrics have both classes to score.
 */
export function benchEvalTable(rows: number, seed = 5): Table {
  const normal = normalFrom(seededRandom(seed));
  const beta = Float64Array.from({ length: FEATURES }, () => normal());
  const score = new Float64Array(rows);
  const columns: Record<string, Float64Array | BigInt64Array> = {};
  for (const [c, name] of featureNames().entries()) {
    const values = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      values[r] = normal();
      score[r] += beta[c] * values[r];
    }
    columns[name] = values;
  }
  const label = new BigInt64Array(rows);
  const words = new Int32Array(label.buffer); // little-endian: the low word of row r is words[2r]
  for (let r = 0; r < rows; r++) words[2 * r] = score[r] + 2 * normal() > 0 ? 1 : 0;
  columns[LABEL] = label;
  // Record batches of 128k rows, as the Parquet writer's row groups: readers stream them one by one.
  const batches = [];
  for (let from = 0; from < rows; from += BATCH_ROWS) {
    const part = Object.fromEntries(
      Object.entries(columns).map(([name, values]) => [name, values.subarray(from, from + BATCH_ROWS)]),
    );
    batches.push(...tableFromArrays(part).batches);
  }
  return new Table(batches);
}

/** Paths of the generated files. */
export interface EvalFiles {
  model: string;
  dataset: string;
}

/** Writes the model and the dataset under bench/.cache/eval/ (regenerated on every run from the same seeds). */
export async function writeEvalFiles(rows: number, format: EvalFormat): Promise<EvalFiles> {
  const dir = join(CACHE_DIR, 'eval');
  await mkdir(dir, { recursive: true });
  const model = join(dir, 'mlp-32.onnx');
  await writeFile(model, benchModel());
  // One file per format, overwritten by every run: the rows depend only on the seeds and `rows`.
  const dataset = join(dir, `data.${format === 'parquet' ? 'parquet' : 'arrow'}`);
  await writeTable(benchEvalTable(rows), dataset);
  return { model, dataset };
}
