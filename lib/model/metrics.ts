/**
 * Classification and regression metrics on columnar predictions, defined as scikit-learn defines them
 * (zero_division=0, ROC AUC one-vs-rest macro for more than two classes, log loss clipped at float64 eps).
 */
import { sortFloat64 } from '../data/sort';

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

/** Binary ROC AUC from the scores of the positives and of the negatives (both sorted here, in place). */
function separatedRocAuc(pos: Float64Array, neg: Float64Array): number {
  const positives = pos.length;
  const negatives = neg.length;
  if (positives === 0 || negatives === 0) return Number.NaN;
  sortFloat64(pos);
  sortFloat64(neg);
  let below = 0;
  let equal = 0;
  let wins = 0;
  for (let i = 0; i < positives; i++) {
    const s = pos[i];
    if (i === 0 || s !== pos[i - 1]) {
      while (below < negatives && neg[below] < s) below++;
      equal = 0;
      while (below + equal < negatives && neg[below + equal] === s) equal++;
    }
    wins += below + equal / 2;
  }
  return wins / positives / negatives;
}

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
  return separatedRocAuc(pos, neg);
}

/** One-vs-rest ROC AUC of class `c` from row-major [rows, k] probabilities, without per-row intermediates. */
function classRocAuc(truth: Int32Array, p: Float64Array, k: number, c: number): number {
  let positives = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === c) positives++;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(truth.length - positives);
  for (let i = 0, a = 0, b = 0; i < truth.length; i++) {
    if (truth[i] === c) pos[a++] = p[i * k + c];
    else neg[b++] = p[i * k + c];
  }
  return separatedRocAuc(pos, neg);
}

function confusion(truth: Int32Array, predicted: Int32Array, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] >= 0 && predicted[i] >= 0) m[truth[i]][predicted[i]]++;
  }
  return m;
}

function perClass(truth: Int32Array, predicted: Int32Array, k: number) {
  const tp = new Float64Array(k);
  const truthCount = new Float64Array(k);
  const predCount = new Float64Array(k);
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] >= 0) truthCount[truth[i]]++;
    if (predicted[i] >= 0) predCount[predicted[i]]++;
    if (truth[i] >= 0 && truth[i] === predicted[i]) tp[truth[i]]++;
  }
  return Array.from({ length: k }, (_, c) => {
    const precision = ratio(tp[c], predCount[c]);
    const recall = ratio(tp[c], truthCount[c]);
    return { precision, recall, f1: ratio(2 * tp[c], predCount[c] + truthCount[c]) };
  });
}

function probabilityMetrics(input: ClassificationInput, k: number) {
  const { truth, predicted } = input;
  const p = input.probabilities as Float64Array;
  const n = truth.length;
  let loss = 0;
  const binCount = new Float64Array(ECE_BINS);
  const binCorrect = new Float64Array(ECE_BINS);
  const binConfidence = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const pt = Math.min(Math.max(p[row + truth[i]], EPS), 1 - EPS);
    loss -= Math.log(pt);
    let confidence = p[row];
    for (let c = 1; c < k; c++) if (p[row + c] > confidence) confidence = p[row + c];
    const bin = Math.min(Math.floor(confidence * ECE_BINS), ECE_BINS - 1);
    binCount[bin]++;
    binConfidence[bin] += confidence;
    if (predicted[i] === truth[i]) binCorrect[bin]++;
  }
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) {
    if (binCount[b] > 0)
      ece += (binCount[b] / n) * Math.abs(binCorrect[b] / binCount[b] - binConfidence[b] / binCount[b]);
  }
  const aucOf = (c: number) => classRocAuc(truth, p, k, c);
  let rocAuc: number;
  if (k === 2) rocAuc = aucOf(1);
  else {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += aucOf(c);
    rocAuc = sum / k;
  }
  return { logLoss: loss / n, ece, rocAuc };
}

/** Every classification metric for rows whose true class is known to the model. */
export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const k = input.classes.length;
  const { truth, predicted } = input;
  const n = truth.length;
  let correct = 0;
  for (let i = 0; i < n; i++) if (truth[i] === predicted[i]) correct++;
  const stats = perClass(truth, predicted, k);
  const mean = (f: (s: (typeof stats)[number]) => number) => stats.reduce((a, s) => a + f(s), 0) / k;
  const out: ClassificationMetrics = {
    accuracy: ratio(correct, n),
    precisionMacro: mean((s) => s.precision),
    recallMacro: mean((s) => s.recall),
    f1Macro: mean((s) => s.f1),
    confusionMatrix: confusion(truth, predicted, k),
  };
  if (k === 2) {
    out.precision = stats[1].precision;
    out.recall = stats[1].recall;
    out.f1 = stats[1].f1;
  }
  if (input.probabilities && n > 0) Object.assign(out, probabilityMetrics(input, k));
  return out;
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
