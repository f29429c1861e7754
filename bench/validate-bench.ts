/** validate_profile_*: one pass of validation and profiling, ours against pandera on the same Parquet file. */
import type { Table } from 'apache-arrow';
import { closeScanWorkers, scanTableParallel } from '../lib/data/parallel-scan';
import { scanDataset, scanTable } from '../lib/data/scan';
import { BANDWIDTH_METHOD, measureBandwidth } from './machine';
import { progress, timeMedian } from './measure';
import { peerValue, runPeer } from './python';
import type { PythonPeers } from './python';
import { baseline } from './report';
import type { BenchResult } from './report';
import { benchContract, benchTable, cachedJson, cachedParquet, ordinaryMemoryTable, tableBytes } from './workload';

/** Measures the validate+profile results on `rows` generated rows. */
export async function validateResults(rows: number, repeat: number, peers: PythonPeers): Promise<BenchResult[]> {
  progress(`generating ${rows} rows (generateTable seed 1, label dropped)`);
  const table = benchTable({ rows, seed: 1 });
  const bytes = tableBytes(table);
  const parquet = await cachedParquet('data', rows, () => table);
  const contract = await cachedJson('contract.json', benchContract);

  progress('measuring memory bandwidth');
  const bandwidth = await measureBandwidth();
  progress(`memory bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s; table ${(bytes / 2 ** 20).toFixed(0)} MiB`);

  progress('scanTableParallel in memory (the generated table, in shared memory)');
  const parallel = await timeMedian(repeat, () => scanTableParallel(table, { contract: benchContract }));
  if (!parallel.result.validation?.valid) progress('warning: our validation failed on the bench data');
  progress('scanTableParallel on a copy of the table in ordinary memory (the scan copies each column)');
  let copy: Table | undefined = ordinaryMemoryTable(table);
  const onCopy = await timeMedian(repeat, () => scanTableParallel(copy!, { contract: benchContract }));
  copy = undefined;
  await closeScanWorkers();
  progress('scanTable in memory (one thread)');
  const serial = await timeMedian(repeat, () => scanTable(table, { contract: benchContract }));
  progress('scanDataset from Parquet');
  const fromFile = await timeMedian(repeat, () => scanDataset(parquet, { contract: benchContract }));

  const peer = await runPeer(
    peers,
    'validate.py',
    [parquet, contract, String(repeat)],
    ['pandera-pandas', 'pandera-polars'],
  );
  for (const name of ['pandera-pandas', 'pandera-polars']) {
    if (peer[name]?.valid === false) progress(`warning: ${name} found the bench data invalid; ours found it valid`);
  }
  const rate = (seconds: number | undefined) => (seconds === undefined ? undefined : rows / seconds);
  const pandera = (key: string) =>
    ['pandera-pandas', 'pandera-polars'].map((name) => {
      const { value, reason } = peerValue(peer[name], key);
      return baseline(name, rate(value), reason);
    });
  const perSecond = (ms: number) => rows / (ms / 1000);
  return [
    {
      name: 'validate_profile_in_memory',
      unit: 'rows/s',
      value: perSecond(parallel.ms),
      higherIsBetter: true,
      baselines: [
        ...pandera('in_memory_s'),
        {
          name: 'memory-bandwidth',
          value: bandwidth / (bytes / rows),
          method: `${BANDWIDTH_METHOD}; rows/s = bandwidth / ${(bytes / rows).toFixed(1)} bytes per row of Arrow buffers`,
        },
      ],
    },
    {
      name: 'validate_profile_bytes_per_second',
      unit: 'bytes/s',
      value: bytes / (parallel.ms / 1000),
      higherIsBetter: true,
      baselines: [{ name: 'memory-bandwidth', value: bandwidth, method: BANDWIDTH_METHOD }],
    },
    {
      name: 'validate_profile_in_memory_copied_table',
      unit: 'rows/s',
      value: perSecond(onCopy.ms),
      higherIsBetter: true,
      baselines: pandera('in_memory_s'),
    },
    {
      name: 'validate_profile_in_memory_one_thread',
      unit: 'rows/s',
      value: perSecond(serial.ms),
      higherIsBetter: true,
      baselines: pandera('in_memory_s'),
    },
    {
      name: 'validate_profile_from_parquet',
      unit: 'rows/s',
      value: perSecond(fromFile.ms),
      higherIsBetter: true,
      baselines: pandera('from_parquet_s'),
    },
  ];
}
