/**
 * eval-model-only: onnxruntime-node running the bench model over the dataset in batches, on tensors built before
 * the clock starts, as the Python peer does with numpy arrays. Only `session.run` is inside the timed loop.
 */
import { Table } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import * as ort from 'onnxruntime-node';
import { numericValues } from '../lib/data/columns';
import { openDataset } from '../lib/data/read';
import { featureNames } from './eval-workload';
import { timeMedian } from './measure';

/** The session options both sides use: N intra-op threads, one inter-op thread, sequential execution. */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  // logSeverityLevel 3: errors only, without the exporter's "unused initializer" warning on stderr.
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };
}

/** The whole dataset file as one table, read with the library's reader. */
async function readTable(path: string): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const { batch } of (await openDataset(path)).batches) batches.push(batch);
  return new Table(batches);
}

/** What a round of model-only passes measured. */
export interface ModelOnlyRound {
  /** Median seconds of one pass over every batch. */
  seconds: number;
  /** Sum over rows of the positive class's probability: the peer reports the same, to show both ran the same. */
  positiveSum: number;
}

/** The model loaded and every batch's tensors built, ready for timed rounds. */
export interface ModelOnlyBench {
  rows: number;
  /** Times `repeat` passes after one warm-up pass; the median. */
  round(repeat: number): Promise<ModelOnlyRound>;
  close(): Promise<void>;
}

/** Reads the dataset, builds float32 tensors for every batch of `batchSize` rows and opens the session. */
export async function prepareModelOnly(options: {
  model: string;
  dataset: string;
  threads: number;
  batchSize: number;
}): Promise<ModelOnlyBench> {
  const table = await readTable(options.dataset);
  const rows = table.numRows;
  const columns = featureNames().map((name) => new Float32Array(numericValues(table.getChild(name)!)));
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let from = 0; from < rows; from += options.batchSize) {
    const to = Math.min(rows, from + options.batchSize);
    const feed: Record<string, ort.Tensor> = {};
    featureNames().forEach((name, c) => {
      feed[name] = new ort.Tensor('float32', columns[c].subarray(from, to), [to - from, 1]);
    });
    feeds.push(feed);
  }
  const session = await ort.InferenceSession.create(options.model, sessionOptions(options.threads));
  const fetches = ['label', 'probabilities'];
  const pass = async () => {
    let positiveSum = 0;
    for (const feed of feeds) {
      const out = await session.run(feed, fetches);
      const probabilities = out.probabilities.data as Float32Array;
      for (let i = 1; i < probabilities.length; i += 2) positiveSum += probabilities[i];
    }
    return positiveSum;
  };
  return {
    rows,
    async round(repeat) {
      const { ms, result } = await timeMedian(repeat, pass);
      return { seconds: ms / 1000, positiveSum: result };
    },
    close: () => session.release(),
  };
}
