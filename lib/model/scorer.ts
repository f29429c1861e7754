/** Scoring of an evaluation: the label column and the model's outputs run by run, then the metrics. */
import type { Vector } from 'apache-arrow';
import { DataType } from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { categoricalValues, numericValues } from '../data/columns';
import { DomainError } from '../errors';
import { Float64Builder, Int32Builder } from './growable';
import { classificationMetrics, regressionMetrics } from './metrics';
import { LabelCoder, NumberCodes, tensorWidth } from './outputs';
import type { OutputPlan } from './outputs';

/** What the scorer reports: the metrics, and for classification the classes and the confusion matrix. */
export interface ScoredMetrics {
  metrics: Record<string, number>;
  classes?: string[];
  confusionMatrix?: number[][];
}

/** Row codes of a dataset batch's label column: a class code, or `undefined` for a null label. */
type TruthCodes = (row: number) => number | undefined;

/** Marks a dictionary entry whose class code is not looked up yet. */
const UNSEEN = -2;

/** Gathers truth and predictions run by run (typed arrays, no row objects) and computes the metrics. */
export class Scorer {
  readonly truth = new Int32Builder();
  readonly predicted = new Int32Builder();
  readonly probabilities = new Float64Builder();
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
  }

  /** Reads a dataset batch's label column once; the runs over its rows then score from it. */
  setLabels(vector: Vector): void {
    if (this.plan.task === 'regression') {
      this.truthNumbers = numericValues(vector);
      return;
    }
    if (DataType.isUtf8(vector.type) || DataType.isDictionary(vector.type) || DataType.isBool(vector.type)) {
      const { codes, dictionary } = categoricalValues(vector);
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
    const values = numericValues(vector);
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
  add(results: ort.InferenceSession.OnnxValueMapType, from: number, to: number): void {
    if (this.plan.task === 'regression') return this.addRegression(results, from, to);
    const probs = this.plan.probabilities ? (results[this.plan.probabilities] as ort.Tensor) : undefined;
    const probValues = probs?.data as Float32Array | Float64Array | undefined;
    const labels = this.plan.label ? this.predictedCodes.over(results[this.plan.label] as ort.Tensor) : undefined;
    const k = this.plan.classes.length;
    if (probs && tensorWidth(probs) !== k) {
      throw new DomainError(
        ErrorType.ModelInputMismatch,
        `model gives ${tensorWidth(probs)} probabilities for ${k} classes`,
      );
    }
    const rows = to - from;
    this.truth.reserve(rows);
    this.predicted.reserve(rows);
    if (probValues) this.probabilities.reserve(rows * k);
    for (let r = 0; r < rows; r++) {
      const code = this.truthCodes(from + r);
      if (code === undefined) {
        this.skipped++;
        continue;
      }
      this.truth.push(code);
      if (labels) this.predicted.push(labels(r));
      else this.predicted.push(argmax(probValues!, r * k, k));
      if (probValues) for (let c = 0; c < k; c++) this.probabilities.push(probValues[r * k + c]);
    }
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

  private addRegression(results: ort.InferenceSession.OnnxValueMapType, from: number, to: number) {
    const truth = this.truthNumbers;
    const predicted = (results[this.plan.value as string] as ort.Tensor).data as Float32Array | Float64Array;
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
    const { confusionMatrix, ...scalars } = classificationMetrics({
      classes: this.plan.classes,
      truth: this.truth.finish(),
      predicted: this.predicted.finish(),
      probabilities: this.plan.probabilities ? this.probabilities.finish() : undefined,
    });
    return { metrics: scalars as Record<string, number>, classes: this.plan.classes, confusionMatrix };
  }

  /** Rows scored so far (rows with a null label are left out). */
  get rows(): number {
    return this.plan.task === 'regression' ? this.values.length : this.truth.length;
  }
}

function argmax(values: Float32Array | Float64Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (values[at + c] > values[at + best]) best = c;
  return best;
}
