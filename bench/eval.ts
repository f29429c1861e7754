/**
 * bench:eval — batch evaluation of an ONNX MLP (our exporter, 32 numeric features) on 1M rows:
 * - eval-model-only: onnxruntime-node's session.run over pre-built tensors, against Python onnxruntime doing the
 *   same on the same model, data, batch size and threads (target ≥ 0.9×);
 * - eval-end-to-end: lib/model/evaluate.ts `evaluateModel` on the file (read, convert, run, score), against the
 *   model-only figure of the same run (target ≥ 0.8×).
 * The three are measured in interleaved rounds (Node, Python, end to end, again …) and each keeps its best round,
 * so a burst of load from other processes does not land on one side only. See bench/README.md.
 *   npm run -s bench:eval -- [--json] [--rows N] [--threads N] [--batch N] [--repeat N] [--rounds N] [--format F]
 */
import { loadavg } from 'node:os';
import { evaluateModel } from '../lib/model/evaluate';
import { parseEvalArgs } from './eval-args';
import type { EvalArgs } from './eval-args';
import { prepareModelOnly } from './eval-model-only';
import { FEATURES, HIDDEN, LABEL, writeEvalFiles } from './eval-workload';
import type { EvalFiles } from './eval-workload';
import { describeMachine } from './machine';
import { progress, setProgressName, timeMedian } from './measure';
import { peerValue, preparePython, runPeer } from './python';
import type { PythonPeers } from './python';
import { formatTable } from './report';
import type { Baseline, BenchReport, BenchResult } from './report';

const MODEL_ONLY_TARGET = 0.9;
const END_TO_END_TARGET = 0.8;
const PEER = 'python-onnxruntime';

/** Rows/s of every round of the three measurements. */
interface Rounds {
  node: number[];
  python: (number | string)[];
  endToEnd: number[];
  nodeSum: number;
  pythonSum?: number;
  pythonVersion?: string;
}

async function measureRounds(args: EvalArgs, files: EvalFiles, peers: PythonPeers): Promise<Rounds> {
  const bench = await prepareModelOnly({ ...files, threads: args.threads, batchSize: args.batchSize });
  const rate = (seconds: number) => bench.rows / seconds;
  const out: Rounds = { node: [], python: [], endToEnd: [], nodeSum: 0 };
  const peerArgs = [files.model, files.dataset, String(args.threads), String(args.batchSize), String(args.repeat)];
  try {
    for (let round = 1; round <= args.rounds; round++) {
      progress(`round ${round}/${args.rounds}: model only, onnxruntime-node`);
      const node = await bench.round(args.repeat);
      out.node.push(rate(node.seconds));
      out.nodeSum = node.positiveSum;
      const peer = (await runPeer(peers, 'eval_onnxruntime.py', peerArgs, [PEER]))[PEER];
      const { value: seconds, reason } = peerValue(peer, 'seconds');
      out.python.push(seconds === undefined ? (reason ?? 'no number') : rate(seconds));
      if (typeof peer?.positive_sum === 'number') out.pythonSum = peer.positive_sum;
      if (typeof peer?.onnxruntime === 'string') out.pythonVersion = peer.onnxruntime;
      progress(`round ${round}/${args.rounds}: end to end, evaluateModel on the ${args.format} file`);
      const evaluation = await timeMedian(args.repeat, () =>
        evaluateModel({
          model: files.model,
          dataset: files.dataset,
          label: LABEL,
          batchSize: args.batchSize,
          intraOpThreads: args.threads,
        }),
      );
      out.endToEnd.push(evaluation.result.rows / (evaluation.ms / 1000));
    }
  } finally {
    await bench.close();
  }
  return out;
}

const best = (values: number[]) => Math.max(...values);
const whole = (values: number[]) => values.map((v) => Math.round(v));

function results(args: EvalArgs, rounds: Rounds): BenchResult[] {
  const node = best(rounds.node);
  const method = `median of ${args.repeat} passes after a warm-up; best of ${args.rounds} rounds interleaved with ours`;
  const pythonRates = rounds.python.filter((v): v is number => typeof v === 'number');
  const python: Baseline =
    pythonRates.length > 0
      ? {
          name: PEER,
          value: best(pythonRates),
          ratio: node / best(pythonRates),
          method: `${method}: ${whole(pythonRates).join(', ')} rows/s`,
        }
      : { name: PEER, value: null, reason: String(rounds.python[0]) };
  const endToEnd = best(rounds.endToEnd);
  const modelOnly: Baseline = {
    name: 'ort-model-only',
    value: node,
    ratio: endToEnd / node,
    method: 'eval-model-only of this run',
  };
  return [
    {
      name: 'eval-model-only',
      unit: 'rows/s',
      value: node,
      higherIsBetter: true,
      baselines: [python],
      rounds: whole(rounds.node),
      target: {
        baseline: PEER,
        ratio: MODEL_ONLY_TARGET,
        met: python.value === null ? null : node / python.value >= MODEL_ONLY_TARGET,
      },
    },
    {
      name: 'eval-end-to-end',
      unit: 'rows/s',
      value: endToEnd,
      higherIsBetter: true,
      baselines: [modelOnly],
      rounds: whole(rounds.endToEnd),
      target: { baseline: 'ort-model-only', ratio: END_TO_END_TARGET, met: endToEnd / node >= END_TO_END_TARGET },
    },
  ];
}

function notes(rounds: Rounds): string[] {
  const out: string[] = [];
  if (rounds.pythonSum !== undefined) {
    const gap = Math.abs(rounds.pythonSum - rounds.nodeSum) / Math.max(1, Math.abs(rounds.pythonSum));
    out.push(
      `same predictions: the sum of P(class 1) over all rows is ${rounds.nodeSum.toFixed(3)} in Node and ` +
        `${rounds.pythonSum.toFixed(3)} in Python (relative gap ${gap.toExponential(1)})`,
    );
  }
  out.push(`onnxruntime: ${rounds.pythonVersion ?? 'not run'} in Python, onnxruntime-node 1.30.0 in Node`);
  return out;
}

async function main(): Promise<void> {
  setProgressName('eval');
  const args = parseEvalArgs(process.argv.slice(2));
  const loadAtStart = loadavg()[0];
  const peers = await preparePython(args.python);
  if ('reason' in peers) progress(`Python baseline skipped: ${peers.reason}`);
  progress(`writing the model and ${args.rows} rows (${args.format})`);
  const files = await writeEvalFiles(args.rows, args.format);
  const rounds = await measureRounds(args, files, peers);
  // Other processes on the machine skew timings; the 1-minute load average before and after says how much.
  const load = `1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`;
  const report: BenchReport & { notes: string[] } = {
    bench: 'eval',
    machine: {
      ...describeMachine(),
      python: 'version' in peers ? peers.version : null,
      pythonOnnxruntime: 'versions' in peers ? (peers.versions.onnxruntime ?? null) : null,
      load,
    },
    workload: {
      rows: args.rows,
      features: FEATURES,
      hidden: HIDDEN,
      model: 'lib/training/export.ts buildOnnxModel: one [N,1] float input per feature, impute+scale in the graph',
      format: args.format === 'arrow' ? 'Arrow IPC file' : 'Parquet (snappy)',
      dataset: `lib/data/write.ts; ${FEATURES} float64 columns without nulls + int64 ${LABEL}; 131072-row batches`,
      batchSize: args.batchSize,
      threads: args.threads,
      sessionOptions:
        `model only (Node and Python): intraOpNumThreads=${args.threads}, interOpNumThreads=1, sequential execution; ` +
        `end to end: evaluateModel({ intraOpThreads: ${args.threads} }), sequential execution (onnxruntime's default)`,
      repeat: args.repeat,
      rounds: args.rounds,
    },
    results: results(args, rounds),
    notes: notes(rounds),
  };
  console.log(args.json ? JSON.stringify(report) : `${formatTable(report)}\n\n${report.notes.join('\n')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:eval failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
