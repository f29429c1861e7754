/** Scoring of an evaluation: the label column and the model's outputs run by run, then the metrics. */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { Float64Builder } from './growable';
import { ClassificationStream, regressionMetrics } from './metrics';
import { LabelCoder, NumberCodes, tensorWidth } from './outputs';
import type { OutputPlan, OutputValue } from './outputs';

/** What the scorer reports: the metrics, and for classification the classes and the confusion matrix. */
export interface ScoredMetrics {
  metrics: Record<string, number>;
  classes?: string[];
  confusionMatrix?: number[][];
}

/**
 * A dataset batch's label column as scoring reads it: numbers (NaN for null), or codes into a dictionary of strings
 * (−1 for null). Plain arrays, so it can cross to the scoring thread.
 */
export type LabelData =
  { kind: 'numeric'; values: Float64Array } | { kind: 'categorical'; codes: Int32Array; dictionary: string[] };

/** Row codes of a dataset batch's label column: a class code, or `undefined` for a null label. */
type TruthCodes = (row: number) => number | undefined;

/** Marks a dictionary entry whose class code is not looked up yet. */
const UNSEEN = -2;

/**
 * Scores the model's outputs run by run (typed arrays, no row objects): classification into a ClassificationStream,
 * so the metrics are ready when the last run is scored; regression into columns of truth and predictions.
 */
export class Scorer {
  private readonly stream: ClassificationStream;
  /** This run's rows with a label: true and predicted codes, and probabilities (scratch, reused run to run). */
  private runTruth = new Int32Array(0);
  private runPredicted = new Int32Array(0);
  private runProbabilities = new Float64Array(0);
  readonly truthValues = new Float64Builder();
  readonly values = new Float64Builder();
  private readonly classIndex: Map<string, number>;
  private readonly predictedCodes: LabelCoder;
  /** Class code of every numeric label value met so far (the code of `String(value)`). */
  private readonly numericTruth = new NumberCodes();
  private truthCodes: TruthCodes = () => undefined;
  private truthNumbers: Float64Array = new Float64Array(0);
  skipped = 0;

  constructor(
    private readonly plan: OutputPlan,
    private readonly label: string,
  ) {
    this.classIndex = new Map(plan.classes.map((c, i) => [c, i]));
    this.predictedCodes = new LabelCoder(this.classIndex);
    this.stream = new ClassificationStream(plan.probabilities ? plan.classes.length : undefined);
  }

  /** Takes a dataset batch's label column (see `labelData`); the runs over its rows then score from it. */
  setLabels(labels: LabelData): void {
    if (labels.kind === 'numeric' && this.plan.task === 'regression') {
      this.truthNumbers = labels.values;
      return;
    }
    if (labels.kind === 'categorical') {
      const { codes, dictionary } = labels;
      // Codes are looked up as rows meet them, in row order, so a label-only model learns classes in that order.
      const classOf = new Int32Array(dictionary.length).fill(UNSEEN);
      this.truthCodes = (row) => {
        const c = codes[row];
        if (c < 0) return undefined;
        if (classOf[c] === UNSEEN) classOf[c] = this.codeOf(dictionary[c]);
        return classOf[c];
      };
      return;
    }
    const values = labels.values;
    this.truthCodes = (row) => {
      const v = values[row];
      if (Number.isNaN(v)) return undefined;
      let code = this.numericTruth.get(v);
      if (code === undefined) {
        code = this.codeOf(String(v));
        this.numericTruth.set(v, code);
      }
      return code;
    };
  }

  /** Scores the outputs of one run over rows [from, to) of the current dataset batch. */
  add(results: Readonly<Record<string, OutputValue>>, from: number, to: number): void {
    if (this.plan.task === 'regression') return this.addRegression(results, from, to);
    const probs = this.plan.probabilities ? results[this.plan.probabilities] : undefined;
    const probValues = probs?.data as Float32Array | Float64Array | undefined;
    const labels = this.plan.label ? this.predictedCodes.over(results[this.plan.label]) : undefined;
    const k = this.plan.classes.length;
    if (probs && tensorWidth(probs) !== k) {
      throw new DomainError(
        ErrorType.ModelInputMismatch,
        `model gives ${tensorWidth(probs)} probabilities for ${k} classes`,
      );
    }
    const rows = to - from;
    if (this.runTruth.length < rows) {
      this.runTruth = new Int32Array(rows);
      this.runPredicted = new Int32Array(rows);
    }
    if (probValues && this.runProbabilities.length < rows * k) this.runProbabilities = new Float64Array(rows * k);
    const truth = this.runTruth;
    const predicted = this.runPredicted;
    const probabilities = this.runProbabilities;
    let kept = 0;
    for (let r = 0; r < rows; r++) {
      const code = this.truthCodes(from + r);
      if (code === undefined) {
        this.skipped++;
        continue;
      }
      truth[kept] = code;
      predicted[kept] = labels ? labels(r) : argmax(probValues!, r * k, k);
      if (probValues) for (let c = 0; c < k; c++) probabilities[kept * k + c] = probValues[r * k + c];
      kept++;
    }
    this.stream.add(truth, predicted, kept, probValues ? probabilities : undefined);
  }

  private codeOf(value: string): number {
    const code = this.classIndex.get(value);
    if (code !== undefined) return code;
    if (this.plan.probabilities) {
      throw new DomainError(
        ErrorType.LabelNotFound,
        `label value "${value}" in column ${this.label} is not a class of the model (${this.plan.classes.join(', ')})`,
      );
    }
    // A label-only model: classes are learned from the data as they appear.
    this.plan.classes.push(value);
    this.classIndex.set(value, this.plan.classes.length - 1);
    return this.plan.classes.length - 1;
  }

  private addRegression(results: Readonly<Record<string, OutputValue>>, from: number, to: number) {
    const truth = this.truthNumbers;
    const predicted = results[this.plan.value as string].data as Float32Array | Float64Array;
    this.truthValues.reserve(to - from);
    this.values.reserve(to - from);
    for (let r = 0; r < to - from; r++) {
      if (Number.isNaN(truth[from + r])) {
        this.skipped++;
        continue;
      }
      this.truthValues.push(truth[from + r]);
      this.values.push(predicted[r]);
    }
  }

  /** The metrics of everything added so far. */
  metrics(): ScoredMetrics {
    if (this.plan.task === 'regression') {
      return { metrics: { ...regressionMetrics(this.truthValues.finish(), this.values.finish()) } };
    }
    const { confusionMatrix, ...scalars } = this.stream.result(this.plan.classes.length);
    return { metrics: scalars as Record<string, number>, classes: this.plan.classes, confusionMatrix };
  }

  /** Rows scored so far (rows with a null label are left out). */
  get rows(): number {
    return this.plan.task === 'regression' ? this.values.length : this.stream.rows;
  }
}

function argmax(values: Float32Array | Float64Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (values[at + c] > values[at + best]) best = c;
  return best;
}
