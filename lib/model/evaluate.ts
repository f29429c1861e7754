/**
 * Evaluation of an ONNX model on a dataset: streams the dataset's record batches through onnxruntime in
 * batches of columns (no row objects), gathers predictions as typed arrays, then scores them.
 */
import type { Vector } from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { openDataset } from '../data/read';
import type { DataBatch } from '../data/batch';
import type { DatasetStream } from '../data/read';
import { DomainError } from '../errors';
import { batchColumns, FeedBuilder, planBinding } from './binding';
import type { ColumnData, InputBinding } from './binding';
import { loadModel } from './load';
import type { LoadedModel, ModelValueInfo } from './load';
import { planOutputs } from './outputs';
import type { EvaluationTask, OutputPlan } from './outputs';
import { percentile, robustness, singleRowLatencies } from './probes';
import type { RobustnessReport } from './probes';
import { ScoringThread } from './scoring-thread';

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
  /** Called after every run with the rows run so far. */
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

/**
 * Iterates `source` with its next item already asked for, so that reading the next dataset batch (a Parquet row
 * group decodes in a worker thread) overlaps the model running on this one. Stopping early still closes `source`.
 */
async function* readAhead<T>(source: AsyncGenerator<T>, first: Promise<IteratorResult<T>>): AsyncGenerator<T> {
  let next = first;
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
  // The dataset opens, and its first batch is read, while the model loads. Each batch is done with (feeds built,
  // labels copied to the scorer) before the one after next is read, so the reads reuse their buffers.
  const opening = openDataset(options.dataset, { reuseBuffers: true }).then((stream) => {
    const first = stream.batches.next();
    first.catch(() => undefined);
    return { stream, first };
  });
  opening.catch(() => undefined);
  let model: LoadedModel | undefined;
  let scorer: ScoringThread | undefined;
  let reading = false;
  try {
    // A model that cannot be loaded is reported before a dataset that cannot be read.
    model = await loadModel(options.model, { intraOpThreads: options.intraOpThreads });
    const plan = planOutputs(model, options.task);
    const fetches = [plan.label, plan.probabilities, plan.value].filter((f): f is string => f !== undefined);
    const { stream, first } = await opening;
    scorer = new ScoringThread(plan, options.label);
    reading = true;
    return await evaluateStream(options, model, plan, fetches, stream, readAhead(stream.batches, first), scorer);
  } finally {
    scorer?.close();
    const opened = await opening.catch(() => undefined);
    // A dataset opened but never read (the model failed first) is closed; a read one closed when its batches ended.
    if (opened && !reading) await opened.stream.batches.return(undefined).catch(() => undefined);
    // Every view of the batches is gone: labels went to the scorer as copies, the probes copied their rows.
    opened?.stream.release();
    await model?.session.release();
  }
}

/** Converted columns copied into arrays of their own: the dataset's read buffers are reused for later batches. */
function ownColumns(data: Map<string, ColumnData>): Map<string, ColumnData> {
  return new Map([...data].map(([name, values]) => [name, Array.isArray(values) ? values : values.slice()]));
}

async function evaluateStream(
  options: EvaluateOptions,
  model: LoadedModel,
  plan: OutputPlan,
  fetches: string[],
  stream: DatasetStream,
  batches: AsyncGenerator<DataBatch>,
  scorer: ScoringThread,
): Promise<EvaluationReport> {
  const batchSize = options.batchSize ?? 8192;
  const batchTimes: number[] = [];
  let bindings: InputBinding[] | undefined;
  let feeds: FeedBuilder | undefined;
  let probe: { data: Map<string, ColumnData>; rows: number } | undefined;
  let rowsRun = 0;
  for await (const { batch } of batches) {
    const columns = batch.schema.fields.map((f) => f.name);
    if (!columns.includes(options.label)) {
      throw new DomainError(ErrorType.LabelNotFound, `dataset ${options.dataset} has no label column ${options.label}`);
    }
    bindings ??= planBinding(model, columns, options.features);
    feeds ??= new FeedBuilder(bindings, batchSize);
    feeds.setBatch(batch);
    scorer.setLabels(batch.getChild(options.label) as Vector, plan.task);
    if (!probe && batch.numRows > 0) {
      // The probes read the first batch's first rows; they run after the last batch, while the scoring finishes.
      const rows = Math.min(batch.numRows, Math.max(options.latencySamples ?? 200, options.robustness?.rows ?? 1000));
      probe = { data: ownColumns(batchColumns(bindings, batch.slice(0, rows))), rows };
    }
    for (let from = 0; from < batch.numRows; from += batchSize) {
      const to = Math.min(batch.numRows, from + batchSize);
      const start = process.hrtime.bigint();
      const results = await runModel(model.session, feeds.feeds(from, to), fetches);
      batchTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
      scorer.add(results, fetches, from, to);
      rowsRun += to - from;
      options.onProgress?.(rowsRun);
    }
  }
  // The scoring thread finishes the last runs while the probes run here, where nothing else is timed beside them.
  const scoring = scorer.finish();
  scoring.catch(() => undefined);
  let single: number[] = [];
  let robust: RobustnessReport | undefined;
  if (probe && bindings) {
    const { data, rows } = probe;
    single = await singleRowLatencies(model.session, bindings, data, rows, fetches, options.latencySamples ?? 200);
    const noise = { scale: options.robustness?.scale ?? 0.01, seed: options.robustness?.seed ?? 7 };
    const robustRows = Math.min(rows, options.robustness?.rows ?? 1000);
    robust = await robustness(model.session, bindings, data, robustRows, plan, fetches, noise);
  }
  const scored = await scoring;
  if (!robust || scored.rows === 0) {
    throw new DomainError(ErrorType.InvalidInput, `dataset ${options.dataset} has no rows with a label to evaluate`);
  }
  return {
    task: plan.task,
    model: { path: model.path, sha256: model.sha256, inputs: model.inputs, outputs: model.outputs },
    dataset: { path: stream.path, sha256: await stream.sha256(), format: stream.format },
    label: options.label,
    rows: scored.rows,
    rowsWithoutLabel: scored.skipped,
    ...scored.scored,
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
