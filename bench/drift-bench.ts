/** drift_*: drift statistics in memory, ours against scipy's ks_2samp and Evidently's DataDriftPreset. */
import { FLOAT_FEATURES } from '../lib/data/generate';
import { categoricalDrift, categoryCounts, numericDrift, presentValues } from './drift-in-memory';
import { progress, timeMedian } from './measure';
import { peerValue, runPeer } from './python';
import type { PythonPeers } from './python';
import { baseline } from './report';
import type { BenchResult } from './report';
import { benchTable, cachedParquet, writeNpy } from './workload';

/** All four statistics for one numeric column (KS, PSI, JS) and one categorical column (chi-square), n vs n. */
export async function oneColumnResult(rows: number, repeat: number, peers: PythonPeers): Promise<BenchResult> {
  progress(`generating 2 × ${rows} rows for one-column drift`);
  const reference = benchTable({ rows, seed: 2 });
  const current = benchTable({ rows, seed: 3, drift: [{ column: 'f0', op: 'shift', value: 0.05 }] });
  // Nulls dropped once, as computeDrift's reader does; these exact arrays go to scipy too.
  const referenceF0 = presentValues(reference.getChild('f0')!);
  const currentF0 = presentValues(current.getChild('f0')!);
  const files = [
    await writeNpy(`ks-reference-${rows}.npy`, referenceF0),
    await writeNpy(`ks-current-${rows}.npy`, currentF0),
  ];
  const referenceSegment = reference.getChild('segment')!;
  const currentSegment = current.getChild('segment')!;
  progress('drift statistics, one column');
  const ours = await timeMedian(repeat, async () => ({
    numeric: await numericDrift(referenceF0, currentF0),
    categorical: categoricalDrift(categoryCounts(referenceSegment), categoryCounts(currentSegment)),
  }));
  const peer = await runPeer(peers, 'ks.py', [...files, String(repeat)], ['scipy-ks_2samp']);
  const scipy = peerValue(peer['scipy-ks_2samp'], 'seconds');
  const statistic = peer['scipy-ks_2samp']?.statistic;
  if (typeof statistic === 'number' && Math.abs(statistic - (ours.result.numeric.ks?.statistic ?? NaN)) > 1e-12) {
    progress(`warning: KS statistic ${ours.result.numeric.ks?.statistic} differs from scipy's ${statistic}`);
  }
  return {
    name: 'drift_one_column_1m',
    unit: 'ms',
    value: ours.ms,
    higherIsBetter: false,
    baselines: [baseline('scipy-ks_2samp', scipy.value === undefined ? undefined : scipy.value * 1000, scipy.reason)],
  };
}

/** computeDrift's statistics over ten columns of `rows` rows against `rows` rows, in memory. */
export async function tenColumnsResult(rows: number, repeat: number, peers: PythonPeers): Promise<BenchResult> {
  progress(`generating 2 × ${rows} rows for ten-column drift`);
  const reference = benchTable({ rows, seed: 4 });
  const current = benchTable({
    rows,
    seed: 5,
    drift: [
      { column: 'f1', op: 'shift', value: 0.3 },
      { column: 'f3', op: 'scale', value: 1.5 },
      { column: 'segment', op: 'mix', value: 0.2 },
    ],
  });
  const numeric = [...FLOAT_FEATURES, 'tenure'];
  progress('drift statistics, ten columns');
  const ours = await timeMedian(repeat, async () => {
    const out: Record<string, unknown> = {};
    for (const name of numeric) {
      out[name] = await numericDrift(presentValues(reference.getChild(name)!), presentValues(current.getChild(name)!));
    }
    out.segment = categoricalDrift(
      categoryCounts(reference.getChild('segment')!),
      categoryCounts(current.getChild('segment')!),
    );
    return out;
  });
  const files = [
    await cachedParquet('drift-reference', rows, () => reference),
    await cachedParquet('drift-current', rows, () => current),
  ];
  const peer = await runPeer(
    peers,
    'evidently_drift.py',
    [...files, numeric.join(','), 'segment', String(repeat)],
    ['evidently'],
  );
  const evidently = peerValue(peer.evidently, 'seconds');
  return {
    name: 'drift_10_columns_200k',
    unit: 'ms',
    value: ours.ms,
    higherIsBetter: false,
    baselines: [
      baseline('evidently', evidently.value === undefined ? undefined : evidently.value * 1000, evidently.reason),
    ],
  };
}
