/**
 * An evaluation's scoring on a worker thread. onnxruntime-node runs a session synchronously on the calling thread,
 * so everything else the main thread does while evaluating comes on top of the model's time. The Scorer (label
 * coding, the metrics gathered run by run) runs on another core instead: the main thread posts each run's outputs
 * (copies of a few kilobytes) and carries on with the next run. Threads are pooled and reused across evaluations.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Vector } from 'apache-arrow';
import { DataType } from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import type { ErrorTypeName } from '../../workflows/contracts';
import { categoricalValues, numericValues } from '../data/columns';
import { BACKGROUND_NICE, IdleThreads } from '../background-threads';
import { DomainError } from '../errors';
import type { OutputPlan, OutputValue } from './outputs';
import type { LabelData, ScoredMetrics } from './scorer';
import type { FromScoring, ToScoring } from './scoring-worker';

/** A dataset batch's label column as the scorer reads it (own arrays, never views of the batch's buffers). */
export function labelData(vector: Vector, task: OutputPlan['task']): LabelData {
  const categorical =
    DataType.isUtf8(vector.type) || DataType.isDictionary(vector.type) || DataType.isBool(vector.type);
  if (task === 'classification' && categorical) return { kind: 'categorical', ...categoricalValues(vector) };
  const values = numericValues(vector);
  // numericValues returns a view of the batch's own buffer for a float64 column without nulls: that is copied, so
  // moving the labels to the thread never detaches the caller's batch.
  const ownsBuffer = vector.data.every((data) => data.values?.buffer !== values.buffer);
  return {
    kind: 'numeric',
    values: ownsBuffer && values.byteLength === values.buffer.byteLength ? values : values.slice(),
  };
}

/** Evaluated in the thread: loads the worker module, through tsx when it is TypeScript (as under tsx or jest). */
const BOOTSTRAP = `'use strict';
const { workerData } = require('node:worker_threads');
// A background thread: when the cores are short, the thread running the model goes first.
if (process.platform === 'linux') try { require('node:os').setPriority(0, workerData.nice); } catch {}
if (workerData.tsx) require(workerData.tsx).register();
require(workerData.module).serveScoring();
`;

/** Ids of evaluations, so a reused thread's late answers for an earlier one are ignored. */
let nextEvaluation = 0;

/** Scoring threads waiting for the next evaluation. */
const idle = new IdleThreads(2);

function startThread(): Worker {
  const module = require.resolve(`./scoring-worker${extname(__filename)}`);
  const tsx = extname(__filename) === '.ts' ? require.resolve('tsx/cjs/api') : undefined;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { module, tsx, nice: BACKGROUND_NICE } });
}

/** The result of a scored evaluation. */
export interface ScoringResult {
  rows: number;
  skipped: number;
  scored: ScoredMetrics;
}

/** One evaluation's scoring on a pooled thread: labels and runs go in order, the metrics come back at `finish`. */
export class ScoringThread {
  private readonly worker: Worker;
  private readonly id = nextEvaluation++;
  private failure: Error | undefined;
  /** The thread itself failed (exited or threw), rather than the evaluation's data. */
  private crashed = false;
  private settle: { resolve: (r: ScoringResult) => void; reject: (e: Error) => void } | undefined;
  private done = false;
  private readonly onMessage = (reply: FromScoring) => this.received(reply);
  private readonly onError = (err: Error) => this.fail(err);
  private readonly onExit = (code: number) => this.fail(new Error(`scoring thread exited with code ${code}`));

  constructor(plan: OutputPlan, label: string) {
    this.worker = idle.take() ?? startThread();
    this.worker.ref();
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    this.post({ kind: 'start', id: this.id, plan, label });
  }

  /** Sends the label column of the dataset batch the next runs score. */
  setLabels(vector: Vector, task: OutputPlan['task']): void {
    this.throwIfFailed();
    const labels = labelData(vector, task);
    const buffers = labels.kind === 'numeric' ? [labels.values.buffer] : [labels.codes.buffer];
    this.post({ kind: 'labels', labels }, buffers as ArrayBuffer[]);
  }

  /** Sends the outputs `fetched` of one run over rows [from, to) of the current batch; their buffers move over. */
  add(results: ort.InferenceSession.OnnxValueMapType, fetched: readonly string[], from: number, to: number): void {
    this.throwIfFailed();
    const outputs: Record<string, OutputValue> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of fetched) {
      const tensor = results[name] as ort.Tensor;
      let data = tensor.data;
      if (ArrayBuffer.isView(data)) {
        // Moved, not cloned: the output's own buffer when it spans it (onnxruntime-node allocates one per
        // output), else a copy of its bytes. Either way the tensor is unusable here afterwards.
        const view = data as Float32Array;
        if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) data = view.slice() as typeof data;
        transfer.push((data as Float32Array).buffer as ArrayBuffer);
      }
      outputs[name] = { type: tensor.type, dims: tensor.dims, data };
    }
    this.post({ kind: 'run', from, to, outputs }, transfer);
  }

  /** Throws the scoring's failure as soon as the thread reports one (a label the model does not know, …). */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** The metrics of every run sent; the thread goes back to the pool. */
  finish(): Promise<ScoringResult> {
    this.throwIfFailed();
    return new Promise<ScoringResult>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.post({ kind: 'finish' });
    });
  }

  /**
   * Gives the thread back, after `finish` or on an early stop (a thread that may still be scoring a stopped
   * evaluation is reset by the next `start`); a thread that failed is ended instead.
   */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    if (this.crashed) void this.worker.terminate();
    else idle.put(this.worker);
  }

  private post(message: ToScoring, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private received(reply: FromScoring): void {
    if (reply.id !== this.id) return;
    if (reply.kind === 'failed') {
      // A DomainError keeps its type (non-retryable); anything else is a fault of the thread, retryable.
      const failure = reply.errorType
        ? new DomainError(reply.errorType as ErrorTypeName, reply.message)
        : new Error(`scoring thread failed: ${reply.message}`);
      this.crashed = !reply.errorType;
      this.failure = failure;
      this.settle?.reject(failure);
      return;
    }
    const settle = this.settle;
    this.close();
    settle?.resolve({ rows: reply.rows, skipped: reply.skipped, scored: reply.scored });
  }

  private fail(err: Error): void {
    this.crashed = true;
    this.failure = err;
    this.settle?.reject(err);
    this.close();
  }

  private detach(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
  }
}
