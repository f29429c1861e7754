/**
 * Where the validate+profile time goes (a diagnostic for docs/performance.md, not part of bench:data's JSON):
 * the serial and parallel scans with the default 100k-value sample and without a sample, and the copies.
 *
 * `npx tsx bench/breakdown.ts [rows]` (default 10000000); prints one line per measurement.
 */
import { numericValues } from '../lib/data/columns';
import { ksTwoSample } from '../lib/data/drift-stats';
import { closeScanWorkers, scanTableParallel } from '../lib/data/parallel-scan';
import { scanTable } from '../lib/data/scan';
import { progress, timeMedian } from './measure';
import { presentValues } from './drift-in-memory';
import { benchContract, benchTable } from './workload';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000_000);
  progress(`generating ${rows} rows`);
  const table = benchTable({ rows, seed: 1 });
  const line = (label: string, ms: number, n = rows, unit = 'rows') =>
    console.log(
      `${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms  ${(n / (ms / 1000) / 1e6).toFixed(2)} M ${unit}/s`,
    );
  for (const sampleSize of [100_000, 0]) {
    const options = { contract: benchContract, sampleSize };
    line(`scanTable, sampleSize ${sampleSize}`, (await timeMedian(3, () => scanTable(table, options))).ms);
    const parallel = await timeMedian(3, () => scanTableParallel(table, options));
    line(`scanTableParallel, sampleSize ${sampleSize}`, parallel.ms);
  }
  await closeScanWorkers();
  const views = await timeMedian(3, () =>
    table.schema.fields.slice(0, 9).map((f) => numericValues(table.getChild(f.name)!)),
  );
  line('numericValues of the 9 numeric columns (the copies)', views.ms);
  // One column at a time, each copy dropped before the next, as the parallel scan's copies are.
  const copyAll = () => {
    let bytes = 0;
    for (const data of table.batches[0].data.children) {
      const view = data.values as ArrayBufferView;
      const copy = new Uint8Array(new SharedArrayBuffer(view.byteLength));
      copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      bytes += copy.byteLength;
    }
    return bytes;
  };
  const shared = await timeMedian(3, copyAll);
  line(`copy of the value buffers (${(shared.result / 2 ** 20).toFixed(0)} MiB) into fresh shared memory`, shared.ms);
  const f0 = presentValues(table.getChild('f0')!);
  const [a, b] = [f0.slice(0, 1_000_000), f0.slice(1_000_000, 2_000_000)];
  line(
    'Float64Array.prototype.sort of 1M values',
    (await timeMedian(3, () => a.slice().sort())).ms,
    a.length,
    'values',
  );
  const ks = await timeMedian(3, () => ksTwoSample({ reference: a, current: b }));
  line('ksTwoSample alone, 1M vs 1M (two sorts and a merge)', ks.ms, a.length, 'values');
}

void main();
