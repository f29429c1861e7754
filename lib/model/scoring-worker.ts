/**
 * Body of the scoring thread (see scoring-thread.ts): a Scorer fed by messages, so an evaluation's scoring and
 * metrics run on another core while onnxruntime runs the next batch on the main thread. Imports no Arrow and no
 * onnxruntime, so the thread starts quickly.
 */
import { parentPort } from 'node:worker_threads';
import { isDomainError } from '../errors';
import type { OutputPlan, OutputValue } from './outputs';
import { Scorer } from './scorer';
import type { LabelData, ScoredMetrics } from './scorer';

/** What the main thread sends: one `start`, then labels and runs in dataset order, then `finish`. */
export type ToScoring =
  | { kind: 'start'; id: number; plan: OutputPlan; label: string }
  | { kind: 'labels'; labels: LabelData }
  | { kind: 'run'; from: number; to: number; outputs: Record<string, OutputValue> }
  | { kind: 'finish' };

/**
 * What the thread answers, with the id of the evaluation's `start`: its first failure, or its result after `finish`.
 * A reused thread may still answer for an evaluation stopped early; the id tells those answers apart.
 */
export type FromScoring =
  | { kind: 'failed'; id: number; errorType?: string; message: string }
  | { kind: 'done'; id: number; rows: number; skipped: number; scored: ScoredMetrics };

/** Serves evaluations one after another on this thread's port (called by the thread's bootstrap). */
export function serveScoring(): void {
  const port = parentPort;
  if (!port) throw new Error('serveScoring runs in a worker thread');
  let scorer: Scorer | undefined;
  let failed = false;
  let id = -1;
  port.on('message', (message: ToScoring) => {
    if (message.kind === 'start') {
      scorer = new Scorer(message.plan, message.label);
      failed = false;
      id = message.id;
      return;
    }
    // After a failure the rest of that evaluation's messages are dropped; the main thread stops at the failure.
    if (failed || !scorer) return;
    try {
      if (message.kind === 'labels') scorer.setLabels(message.labels);
      else if (message.kind === 'run') scorer.add(message.outputs, message.from, message.to);
      else {
        const reply: FromScoring = {
          kind: 'done',
          id,
          rows: scorer.rows,
          skipped: scorer.skipped,
          scored: scorer.metrics(),
        };
        scorer = undefined;
        port.postMessage(reply);
      }
    } catch (err) {
      failed = true;
      const reply: FromScoring = isDomainError(err)
        ? { kind: 'failed', id, errorType: err.type, message: err.message }
        : { kind: 'failed', id, message: (err as Error)?.stack ?? String(err) };
      port.postMessage(reply);
    }
  });
}
