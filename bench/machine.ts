/** The machine a run happened on, and its memory bandwidth as JavaScript threads can stream it. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem, type as osType, arch } from 'node:os';
import { Worker } from 'node:worker_threads';

/** CPU model, cores, memory, Node and OS. */
export function describeMachine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()} ${arch()}${distribution()}`,
  };
}

function distribution(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const name = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
    return name ? ` (${name})` : '';
  } catch {
    return '';
  }
}

/** Sums its slice of a shared Float64Array with four independent accumulators, once per message. */
const SUM_WORKER = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const a = new Float64Array(workerData.memory, workerData.start * 8, workerData.length);
parentPort.on('message', (passes) => {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let p = 0; p < passes; p++) {
    const n = a.length - 3;
    for (let i = 0; i < n; i += 4) { s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3]; }
  }
  parentPort.postMessage(s0 + s1 + s2 + s3);
});
`;

/** How the bandwidth was measured, for the result that carries it. */
export const BANDWIDTH_METHOD =
  'best of 7 trials; each trial: one worker_thread per core sums its share of a 1 GiB shared Float64Array ' +
  '(4 accumulators, 2 passes), bandwidth = bytes read / wall time of the slowest thread';

/** Read bandwidth in bytes/s: every core sums its slice of a 1 GiB array far larger than the caches. */
export async function measureBandwidth(threads = availableParallelism()): Promise<number> {
  const length = 2 ** 27; // 1 GiB of float64
  const memory = new SharedArrayBuffer(length * 8);
  new Float64Array(memory).fill(1);
  const workers = Array.from({ length: threads }, (_, t) => {
    const start = Math.floor((t * length) / threads);
    const end = Math.floor(((t + 1) * length) / threads);
    return new Worker(SUM_WORKER, { eval: true, workerData: { memory, start, length: end - start } });
  });
  const passes = 2;
  const trial = async (): Promise<number> => {
    const begin = performance.now();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.postMessage(passes);
          }),
      ),
    );
    return (length * 8 * passes) / ((performance.now() - begin) / 1000);
  };
  try {
    await trial(); // warm-up: lets V8 optimise the loop
    const rates: number[] = [];
    for (let i = 0; i < 7; i++) rates.push(await trial());
    return Math.max(...rates);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
