/**
 * Predictions of one run, per row, read from the outputs a version's output plan names: labels and class
 * probabilities for a classifier, values for a regressor. Metrics, stats, the prediction log and `:predict` use them.
 */
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { labelStrings, tensorWidth } from '../model/outputs';
import type { OutputPlan } from '../model/outputs';

/** A classifier's predictions: a label per row, and `rows × classes` probabilities when the model gives them. */
export interface ClassPredictions {
  kind: 'classes';
  rows: number;
  classes: string[];
  labels: string[];
  probabilities?: Float64Array;
}

/** A regressor's predictions: `rows × width` values. */
export interface ValuePredictions {
  kind: 'values';
  rows: number;
  width: number;
  values: Float64Array;
}

/** Predictions of one run. */
export type Predictions = ClassPredictions | ValuePredictions;

function mismatch(message: string): DomainError {
  return new DomainError(ErrorType.ModelInputMismatch, message);
}

/** Reads the predictions of `rows` rows from a run's results. */
export function readPredictions(
  plan: OutputPlan,
  results: ort.InferenceSession.OnnxValueMapType,
  rows: number,
): Predictions {
  if (plan.task === 'regression') {
    const tensor = results[plan.value as string] as ort.Tensor;
    const width = tensorWidth(tensor);
    const values = new Float64Array(tensor.data as Float32Array | Float64Array);
    if (values.length !== rows * width) throw mismatch(`model gave ${values.length} values for ${rows} rows`);
    return { kind: 'values', rows, width, values };
  }
  const classes = plan.classes;
  let probabilities: Float64Array | undefined;
  if (plan.probabilities) {
    const tensor = results[plan.probabilities] as ort.Tensor;
    probabilities = new Float64Array(tensor.data as Float32Array | Float64Array);
    if (probabilities.length !== rows * classes.length) {
      throw mismatch(`model gave ${probabilities.length} probabilities for ${rows} rows of ${classes.length} classes`);
    }
  }
  let labels: string[];
  if (plan.label) {
    labels = labelStrings(results[plan.label] as ort.Tensor);
  } else {
    const p = probabilities as Float64Array;
    const k = classes.length;
    labels = Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
      return classes[best];
    });
  }
  if (labels.length !== rows) throw mismatch(`model gave ${labels.length} labels for ${rows} rows`);
  return { kind: 'classes', rows, classes, labels, probabilities };
}

/** One row in `:predict` form: `{label, probabilities: {class: p}}` or the value (an array when wider than 1). */
export function predictionRow(p: Predictions, row: number): unknown {
  if (p.kind === 'values') {
    return p.width === 1 ? p.values[row] : Array.from(p.values.subarray(row * p.width, (row + 1) * p.width));
  }
  if (!p.probabilities) return { label: p.labels[row] };
  const k = p.classes.length;
  const probabilities: Record<string, number> = {};
  for (let c = 0; c < k; c++) probabilities[p.classes[c]] = p.probabilities[row * k + c];
  return { label: p.labels[row], probabilities };
}

/** Classifier labels or the first value of each row, for the prediction distribution. */
export function distributionSample(p: Predictions): { classes?: string[]; values?: Float64Array } {
  if (p.kind === 'classes') return { classes: p.labels };
  if (p.width === 1) return { values: p.values };
  return { values: Float64Array.from({ length: p.rows }, (_, r) => p.values[r * p.width]) };
}
