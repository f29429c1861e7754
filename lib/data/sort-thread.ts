/**
 * Sorting on another core: a large float64 array is sorted on a pooled worker thread while the caller does other
 * work (drift sorts the reference there while it sorts the current values itself).
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IdleThreads } from '../background-threads';
import { sortedFloat64 } from './sort';

/** Below this many values a thread's round trip costs more than the sort: the sort runs here. */
export const ASIDE_MIN = 100_000;

/** Evaluated in the thread: loads the sort module (through tsx when it is TypeScript) and sorts what comes. */
const BOOTSTRAP = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx).register();
const { sortFloat64 } = require(workerData.module);
// The values arrive as this thread's own copy: sorted in place and moved back.
parentPort.on('message', ({ id, values }) => {
  try {
    const sorted = sortFloat64(values);
    parentPort.postMessage({ id, sorted }, [sorted.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.stack) || err) });
  }
});
`;

const idle = new IdleThreads(1);
let nextRequest = 0;

function startThread(): Worker {
  const module = require.resolve(`./sort${extname(__filename)}`);
  const tsx = extname(__filename) === '.ts' ? require.resolve('tsx/cjs/api') : undefined;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { module, tsx } });
}

/**
 * A sorted copy of `values` (the order of `Float64Array.prototype.sort`; `values` is left as it is), sorted on a
 * pooled thread when it is large, so that the caller's thread is free meanwhile.
 */
export function sortedFloat64Aside(values: Float64Array): Promise<Float64Array> {
  if (values.length < ASIDE_MIN) return Promise.resolve(sortedFloat64(values));
  const worker = idle.take() ?? startThread();
  const id = nextRequest++;
  return new Promise<Float64Array>((resolve, reject) => {
    const done = (reuse: boolean) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reuse) idle.put(worker);
      else void worker.terminate();
    };
    const onMessage = (reply: { id: number; sorted?: Float64Array; error?: string }) => {
      if (reply.id !== id) return;
      done(true);
      if (reply.sorted) resolve(reply.sorted);
      else reject(new Error(`sort thread failed: ${reply.error}`));
    };
    const onError = (err: Error) => {
      done(false);
      reject(err);
    };
    const onExit = (code: number) => {
      done(false);
      reject(new Error(`sort thread exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    // Cloned, not moved: the caller keeps its array.
    worker.postMessage({ id, values });
  });
}
