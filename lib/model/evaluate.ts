/**
 * Evaluation of an ONNX model on a dataset: streams the dataset's record batches through onnxruntime in
 * batches of columns (no row objects), gathers predictions as typed arrays, then scores them.
 */
import type { Vector } from 'apache-arrow';
import { DataType } from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { categoricalValues, numericValues } from '../data/columns';
import { openDataset } from '../data/read';
import { DomainError } from '../errors';
import { batchColumns, FeedBuilder, planBinding } from './binding';
import type { InputBinding } from './binding';
import { Float64Builder, Int32Builder } from './growable';
import { loadModel } from './load';
import type { ModelValueInfo } from './load';
import { classificationMetrics, regressionMetrics } from './metrics';
import { LabelCoder, NumberCodes, planOutputs, tensorWidth } from './outputs';
import type { EvaluationTask, OutputPlan } from './outputs';
import { percentile, robustness, singleRowLatencies } from './probes';
import type { RobustnessReport } from './probes';

/** What to evaluate and how. */
export interface EvaluateOptions {
  model: string;
  dataset: string;
  label: string;
  task?: EvaluationTask;
  /** Feature order for a model with one matrix input. */
  features?: string[];
  /** Rows per onnxruntime run (default 8192). */
  batchSize?: number;
  /** Single-row runs timed for the latency figures (default 200). */
  latencySamples?: number;
  /** Rows and noise of the robustness probe (defaults 1000 rows, 0.01 std, seed 7). */
  robustness?: { rows?: number; scale?: number; seed?: number };
  intraOpThreads?: number;
  /** Called after every run with the rows scored so far. */
  onProgress?: (rows: number) => void;
}

/** The evaluation report: metrics, latency and robustness, and what was evaluated. */
export interface EvaluationReport {
  task: EvaluationTask;
  model: { path: string; sha256: string; inputs: ModelValueInfo[]; outputs: ModelValueInfo[] };
  dataset: { path: string; sha256: string; format: string };
  label: string;
  rows: number;
  /** Rows left out because their label is null. */
  rowsWithoutLabel: number;
  metrics: Record<string, number>;
  classes?: string[];
  confusionMatrix?: number[][];
  latencyMs: { p50: number; p99: number; batchP50: number; batchP99: number; batchRows: number };
  robustness: RobustnessReport;
}

/** Row codes of a dataset batch's label column: a class code, or `undefined` for a null label. */
type TruthCodes = (row: number) => number | undefined;

/** Marks a dictionary entry whose class code is not looked up yet. */
const UNSEEN = -2;

class Scorer {
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

  metrics(): Pick<EvaluationReport, 'metrics' | 'classes' | 'confusionMatrix'> {
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

  get rows(): number {
    return this.plan.task === 'regression' ? this.values.length : this.truth.length;
  }
}

function argmax(values: Float32Array | Float64Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (values[at + c] > values[at + best]) best = c;
  return best;
}

/**
 * Iterates `source` with its next item already asked for, so that reading the next dataset batch (a Parquet row
 * group decodes in a worker thread) overlaps the model running on this one. Stopping early still closes `source`.
 */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = source.next();
      // Awaited on the next turn; if the consumer stops first, its failure must not surface as unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/** Evaluates a model on a dataset; typed DomainErrors for bad models, bad data and mismatches between them. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  const model = await loadModel(options.model, { intraOpThreads: options.intraOpThreads });
  const plan = planOutputs(model, options.task);
  const fetches = [plan.label, plan.probabilities, plan.value].filter((f): f is string => f !== undefined);
  const batchSize = options.batchSize ?? 8192;
  const stream = await openDataset(options.dataset);
  const scorer = new Scorer(plan, options.label);
  const batchTimes: number[] = [];
  let bindings: InputBinding[] | undefined;
  let feeds: FeedBuilder | undefined;
  let single: number[] = [];
  let robust: RobustnessReport | undefined;
  for await (const { batch } of readAhead(stream.batches)) {
    const columns = batch.schema.fields.map((f) => f.name);
    if (!columns.includes(options.label)) {
      throw new DomainError(ErrorType.LabelNotFound, `dataset ${options.dataset} has no label column ${options.label}`);
    }
    bindings ??= planBinding(model, columns, options.features);
    feeds ??= new FeedBuilder(bindings, batchSize);
    feeds.setBatch(batch);
    scorer.setLabels(batch.getChild(options.label) as Vector);
    for (let from = 0; from < batch.numRows; from += batchSize) {
      const to = Math.min(batch.numRows, from + batchSize);
      const start = process.hrtime.bigint();
      const results = await runModel(model.session, feeds.feeds(from, to), fetches);
      batchTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
      scorer.add(results, from, to);
      options.onProgress?.(scorer.rows);
    }
    if (!robust && batch.numRows > 0) {
      // The probes take the first batch's columns converted whole, once.
      const data = batchColumns(bindings, batch);
      single = await singleRowLatencies(
        model.session,
        bindings,
        data,
        batch.numRows,
        fetches,
        options.latencySamples ?? 200,
      );
      const rows = Math.min(batch.numRows, options.robustness?.rows ?? 1000);
      const probe = { scale: options.robustness?.scale ?? 0.01, seed: options.robustness?.seed ?? 7 };
      robust = await robustness(model.session, bindings, data, rows, plan, fetches, probe);
    }
  }
  if (!robust || scorer.rows === 0) {
    throw new DomainError(ErrorType.InvalidInput, `dataset ${options.dataset} has no rows with a label to evaluate`);
  }
  return {
    task: plan.task,
    model: { path: model.path, sha256: model.sha256, inputs: model.inputs, outputs: model.outputs },
    dataset: { path: stream.path, sha256: await stream.sha256(), format: stream.format },
    label: options.label,
    rows: scorer.rows,
    rowsWithoutLabel: scorer.skipped,
    ...scorer.metrics(),
    latencyMs: {
      p50: percentile(single, 50),
      p99: percentile(single, 99),
      batchP50: percentile(batchTimes, 50),
      batchP99: percentile(batchTimes, 99),
      batchRows: batchSize,
    },
    robustness: robust,
  };
}

async function runModel(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, fetches: string[]) {
  try {
    return await session.run(feeds, fetches);
  } catch (err) {
    const reason = String((err as Error).message ?? err).split('\n')[0];
    throw new DomainError(ErrorType.ModelInputMismatch, `model rejected the data: ${reason}`, { cause: err });
  }
}
