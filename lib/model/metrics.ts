/**
 * Classification and regression metrics on columnar predictions, defined as scikit-learn defines them
 * (zero_division=0, ROC AUC one-vs-rest macro for more than two classes, log loss clipped at float64 eps).
 */
import { sortFloat64 } from '../data/sort';
import { RocScores, sortedRocAuc } from './roc-scores';

/** Inputs of `classificationMetrics`: class codes per row (−1: not a class of the model). */
export interface ClassificationInput {
  classes: string[];
  truth: Int32Array;
  predicted: Int32Array;
  /** Row-major [rows, classes] probabilities, when the model gives them. */
  probabilities?: Float64Array;
}

/** Classification metrics; binary ones (precision, recall, f1) use the last class as positive. */
export interface ClassificationMetrics {
  accuracy: number;
  precision?: number;
  recall?: number;
  f1?: number;
  precisionMacro: number;
  recallMacro: number;
  f1Macro: number;
  rocAuc?: number;
  logLoss?: number;
  ece?: number;
  confusionMatrix: number[][];
}

const EPS = 2.220446049250313e-16;
const ECE_BINS = 10;

const ratio = (num: number, den: number) => (den === 0 ? 0 : num / den);

/**
 * Binary ROC AUC as the probability that a positive scores above a negative (ties count half), which
 * equals the area under the ROC curve. Sorts typed arrays, never row objects.
 */
export function binaryRocAuc(positive: Uint8Array, scores: Float64Array): number {
  let positives = 0;
  for (let i = 0; i < positive.length; i++) positives += positive[i] ? 1 : 0;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(scores.length - positives);
  for (let i = 0, a = 0, b = 0; i < scores.length; i++) {
    if (positive[i]) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  return sortedRocAuc(sortFloat64(pos), sortFloat64(neg));
}

/**
 * Classification metrics gathered run by run: counts, the confusion matrix, log loss and calibration sums in row
 * order, and the one-vs-rest scores with their radix counts (roc-scores.ts), so that the metrics of a million rows
 * need no more than a sort's two scatter passes at the end. Sums run in row order, so the figures are those of one pass over all rows.
 */
export class ClassificationStream {
  private n = 0;
  private correct = 0;
  /** Class codes the counts have room for; a label-only model's codes grow while rows are scored. */
  private capacity = 0;
  private tp = new Float64Array(0);
  private truthCount = new Float64Array(0);
  private predCount = new Float64Array(0);
  /** The confusion matrix, row-major over `capacity` codes. */
  private cells = new Float64Array(0);
  private loss = 0;
  private readonly binCount = new Float64Array(ECE_BINS);
  private readonly binCorrect = new Float64Array(ECE_BINS);
  private readonly binConfidence = new Float64Array(ECE_BINS);
  /** Per class scored for ROC AUC (class 1 of two, every class of more): its scores against the rest. */
  private readonly auc: { cls: number; scores: RocScores }[] = [];

  /** `width`: probabilities per row (the model's classes) when the model gives them. */
  constructor(private readonly width?: number) {
    if (width === undefined) return;
    const classes = width === 2 ? [1] : Array.from({ length: width }, (_, c) => c);
    for (const cls of classes) this.auc.push({ cls, scores: new RocScores() });
  }

  /** Rows added so far. */
  get rows(): number {
    return this.n;
  }

  /**
   * Adds `count` rows: their true class codes, predicted codes (−1: not a class of the model) and, when the stream
   * has a width, their row-major probabilities.
   */
  add(truth: Int32Array, predicted: Int32Array, count: number, probabilities?: Float32Array | Float64Array): void {
    let highest = -1;
    for (let i = 0; i < count; i++) highest = Math.max(highest, truth[i], predicted[i]);
    if (highest >= this.capacity) this.grow(highest + 1);
    const { tp, truthCount, predCount, cells, capacity } = this;
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const t = truth[i];
      const p = predicted[i];
      if (t === p) correct++;
      if (p >= 0) predCount[p]++;
      if (t < 0) continue;
      truthCount[t]++;
      if (p < 0) continue;
      cells[t * capacity + p]++;
      if (t === p) tp[t]++;
    }
    this.correct += correct;
    this.n += count;
    const k = this.width;
    if (k === undefined || !probabilities) return;
    for (let i = 0; i < count; i++) {
      const row = i * k;
      const pt = Math.min(Math.max(probabilities[row + truth[i]], EPS), 1 - EPS);
      this.loss -= Math.log(pt);
      let confidence = probabilities[row];
      for (let c = 1; c < k; c++) if (probabilities[row + c] > confidence) confidence = probabilities[row + c];
      const bin = Math.min(Math.floor(confidence * ECE_BINS), ECE_BINS - 1);
      this.binCount[bin]++;
      this.binConfidence[bin] += confidence;
      if (predicted[i] === truth[i]) this.binCorrect[bin]++;
    }
    for (const { cls, scores } of this.auc) scores.add(truth, cls, probabilities, k, cls, count);
  }

  /** Room for class codes below `codes`, counts kept. */
  private grow(codes: number): void {
    const capacity = Math.max(codes, 2 * this.capacity, 4);
    const widen = (counts: Float64Array) => {
      const out = new Float64Array(capacity);
      out.set(counts);
      return out;
    };
    this.tp = widen(this.tp);
    this.truthCount = widen(this.truthCount);
    this.predCount = widen(this.predCount);
    const cells = new Float64Array(capacity * capacity);
    for (let t = 0; t < this.capacity; t++) {
      cells.set(this.cells.subarray(t * this.capacity, (t + 1) * this.capacity), t * capacity);
    }
    this.cells = cells;
    this.capacity = capacity;
  }

  /** The metrics of every row added, over `classes` classes (the model's, or those a label-only model learned). */
  result(classes: number): ClassificationMetrics {
    const k = classes;
    const n = this.n;
    const at = (counts: Float64Array, c: number) => (c < this.capacity ? counts[c] : 0);
    const stats = Array.from({ length: k }, (_, c) => ({
      precision: ratio(at(this.tp, c), at(this.predCount, c)),
      recall: ratio(at(this.tp, c), at(this.truthCount, c)),
      f1: ratio(2 * at(this.tp, c), at(this.predCount, c) + at(this.truthCount, c)),
    }));
    const mean = (f: (s: (typeof stats)[number]) => number) => stats.reduce((a, s) => a + f(s), 0) / k;
    const out: ClassificationMetrics = {
      accuracy: ratio(this.correct, n),
      precisionMacro: mean((s) => s.precision),
      recallMacro: mean((s) => s.recall),
      f1Macro: mean((s) => s.f1),
      confusionMatrix: Array.from({ length: k }, (_, t) =>
        Array.from({ length: k }, (_, p) =>
          t < this.capacity && p < this.capacity ? this.cells[t * this.capacity + p] : 0,
        ),
      ),
    };
    if (k === 2) {
      out.precision = stats[1].precision;
      out.recall = stats[1].recall;
      out.f1 = stats[1].f1;
    }
    if (this.width !== undefined && n > 0) {
      let ece = 0;
      for (let b = 0; b < ECE_BINS; b++) {
        const count = this.binCount[b];
        if (count > 0) ece += (count / n) * Math.abs(this.binCorrect[b] / count - this.binConfidence[b] / count);
      }
      const aucs = this.auc.map(({ scores }) => scores.auc());
      let rocAuc: number;
      if (k === 2) rocAuc = aucs[0];
      else {
        let sum = 0;
        for (const auc of aucs) sum += auc;
        rocAuc = sum / k;
      }
      Object.assign(out, { logLoss: this.loss / n, ece, rocAuc });
    }
    return out;
  }
}

/** Every classification metric for rows whose true class is known to the model. */
export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const k = input.classes.length;
  const stream = new ClassificationStream(input.probabilities ? k : undefined);
  stream.add(input.truth, input.predicted, input.truth.length, input.probabilities);
  return stream.result(k);
}

/** Regression metrics. */
export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
}

/** RMSE, MAE and R² (1 for a perfect fit of a constant target, as scikit-learn's default). */
export function regressionMetrics(truth: Float64Array, predicted: Float64Array): RegressionMetrics {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i];
  mean /= n;
  let se = 0;
  let ae = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = truth[i] - predicted[i];
    se += d * d;
    ae += Math.abs(d);
    total += (truth[i] - mean) * (truth[i] - mean);
  }
  const r2 = total === 0 ? (se === 0 ? 1 : 0) : 1 - se / total;
  return { rmse: Math.sqrt(se / n), mae: ae / n, r2 };
}
