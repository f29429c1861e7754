/**
 * The scoring thread of an evaluation: its metrics equal the in-process Scorer's, a data failure comes back with its
 * DomainError type, and a pooled thread serves the next evaluation correctly after a failure or an early stop.
 */
import { Int64, makeVector, Utf8, vectorFromArray } from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import { DomainError } from '../../lib/errors';
import type { OutputPlan } from '../../lib/model/outputs';
import { Scorer } from '../../lib/model/scorer';
import { labelData, ScoringThread } from '../../lib/model/scoring-thread';

const plan = (): OutputPlan => ({
  task: 'classification',
  label: 'label',
  probabilities: 'probabilities',
  classes: ['0', '1'],
});

/** Outputs of a run over `rows` rows: P(1) from a fixed pattern, the label its rounding. */
function outputs(rows: number, shift: number): ort.InferenceSession.OnnxValueMapType {
  const p = new Float32Array(rows * 2);
  const label = new BigInt64Array(rows);
  for (let r = 0; r < rows; r++) {
    const p1 = Math.fround(((r * 37 + shift) % 100) / 100);
    p[2 * r] = 1 - p1;
    p[2 * r + 1] = p1;
    label[r] = p1 >= 0.5 ? 1n : 0n;
  }
  const tensor = (type: string, data: Float32Array | BigInt64Array, dims: number[]) => ({ type, data, dims });
  return {
    probabilities: tensor('float32', p, [rows, 2]),
    label: tensor('int64', label, [rows]),
  } as unknown as ort.InferenceSession.OnnxValueMapType;
}

const labels = (rows: number) =>
  vectorFromArray(
    Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? null : BigInt((r * 13) % 3 === 0 ? 1 : 0))),
    new Int64(),
  );

async function scoreOnThread(rows: number, runs: number) {
  const thread = new ScoringThread(plan(), 'label');
  try {
    thread.setLabels(labels(rows * runs), 'classification');
    for (let i = 0; i < runs; i++) thread.add(outputs(rows, i), ['label', 'probabilities'], i * rows, (i + 1) * rows);
    return await thread.finish();
  } finally {
    thread.close();
  }
}

function scoreInProcess(rows: number, runs: number) {
  const scorer = new Scorer(plan(), 'label');
  scorer.setLabels(labelData(labels(rows * runs), 'classification'));
  for (let i = 0; i < runs; i++) scorer.add(outputs(rows, i), i * rows, (i + 1) * rows);
  return { rows: scorer.rows, skipped: scorer.skipped, scored: scorer.metrics() };
}

describe('the scoring thread', () => {
  it('gives the in-process scorer’s metrics, rows and skipped rows', async () => {
    const expected = scoreInProcess(500, 4);
    expect(expected.skipped).toBeGreaterThan(0);
    expect(await scoreOnThread(500, 4)).toEqual(expected);
  });

  it('returns a label the model does not know as LabelNotFound, then serves the next evaluation', async () => {
    const thread = new ScoringThread(plan(), 'label');
    let failure: unknown;
    try {
      thread.setLabels(vectorFromArray(['0', 'maybe', '1'], new Utf8()), 'classification');
      thread.add(outputs(3, 0), ['label', 'probabilities'], 0, 3);
      await thread.finish();
    } catch (err) {
      failure = err;
    } finally {
      thread.close();
    }
    expect(failure).toBeInstanceOf(DomainError);
    expect((failure as DomainError).type).toBe('LabelNotFound');
    expect((failure as Error).message).toMatch(/label value "maybe"/);
    expect(await scoreOnThread(300, 2)).toEqual(scoreInProcess(300, 2));
  });

  it('starts clean after an evaluation stopped early, whose late failure does not reach the next one', async () => {
    const stopped = new ScoringThread(plan(), 'label');
    stopped.setLabels(labels(1000), 'classification');
    stopped.add(outputs(1000, 5), ['label', 'probabilities'], 0, 1000);
    // A run the thread will fail on after this evaluation is given up.
    stopped.setLabels(vectorFromArray(['maybe'], new Utf8()), 'classification');
    stopped.add(outputs(1, 0), ['label', 'probabilities'], 0, 1);
    stopped.close();
    expect(await scoreOnThread(200, 3)).toEqual(scoreInProcess(200, 3));
  });

  it('copies a label column that is a view of the caller’s batch, so moving it detaches nothing', () => {
    const column = makeVector(Float64Array.of(0, 1, 1, 0, 1));
    const thread = new ScoringThread(plan(), 'label');
    try {
      thread.setLabels(column, 'classification');
      expect(Array.from(column.toArray())).toEqual([0, 1, 1, 0, 1]);
    } finally {
      thread.close();
    }
  });

  it('moves the run outputs to the thread instead of copying them', () => {
    const thread = new ScoringThread(plan(), 'label');
    try {
      thread.setLabels(labels(10), 'classification');
      const results = outputs(10, 0);
      thread.add(results, ['label', 'probabilities'], 0, 10);
      expect((results.probabilities as ort.Tensor).data).toHaveLength(0);
    } finally {
      thread.close();
    }
  });
});
