/**
 * bench:train — the built-in MLP's training throughput (samples/s) against PyTorch on CPU training the same
 * network (float64, Adam, same batch size and epochs) on the same encoded data with the same thread count
 * (one: the built-in trainer is single-threaded). Prints one JSON object with --json.
 *   npm run bench:train -- [--json] [--rows N] [--epochs N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateTable } from '../lib/data/generate';
import { encodeFeatures, encodeLabels, fitFeatures } from '../lib/training/features';
import { defaultMlpConfig, initMlp, trainSteps } from '../lib/training/mlp';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROWS = flag('--rows', 100_000);
const EPOCHS = flag('--epochs', 3);
const BATCH = 256;
const PYTHONS = [
  process.env.MLOPS_TORCH_PYTHON,
  join(__dirname, '.venv', 'bin', 'python'),
  join(process.env.HOME ?? '', '.cache', 'temporal-mlops', 'torch-venv', 'bin', 'python'),
];

async function main(): Promise<void> {
  const table = generateTable({ rows: ROWS, seed: 1 });
  const specs = fitFeatures(table, 'label');
  const { matrix, rows, width } = encodeFeatures(table, specs);
  const { labels } = encodeLabels(table, 'label');
  const train = { matrix, labels, rows };
  const config = { ...defaultMlpConfig, hidden: [32, 16], batchSize: BATCH, maxEpochs: EPOCHS, patience: EPOCHS };
  // Validation on a tiny slice: the figure is about the training loop, as in the PyTorch peer.
  const valid = { matrix: matrix.subarray(0, width * 10), labels: labels.subarray(0, 10), rows: 10 };
  const state = initMlp(config, width);
  const started = performance.now();
  while (!state.done) trainSteps(state, train, valid, Number.MAX_SAFE_INTEGER);
  const seconds = (performance.now() - started) / 1000;
  const ours = (rows * EPOCHS) / seconds;

  let peer: { name: string; value: number | null; reason?: string } = { name: 'pytorch-cpu', value: null };
  // The first Python that can import torch: MLOPS_TORCH_PYTHON, bench/.venv, or the trainer's torch venv.
  const python = PYTHONS.find((p) => p && existsSync(p) && spawnSync(p, ['-c', 'import torch']).status === 0);
  if (!python) {
    peer.reason =
      'PyTorch is not installed in bench/.venv (PyPI carries only its CUDA build); install torch there to compare';
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-train-'));
    try {
      await writeFile(join(dir, 'x.f64'), Buffer.from(matrix.buffer, matrix.byteOffset, matrix.byteLength));
      await writeFile(join(dir, 'y.u8'), labels);
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      const out = spawnSync(
        python,
        [
          join(__dirname, 'peers', 'train_torch.py'),
          join(dir, 'x.f64'),
          join(dir, 'y.u8'),
          String(rows),
          String(width),
          String(EPOCHS),
          String(BATCH),
          '1',
        ],
        { encoding: 'utf8', env },
      );
      if (out.status !== 0) peer.reason = `the PyTorch peer failed: ${out.stderr.trim().split('\n').at(-1)}`;
      else
        peer = {
          name: 'pytorch-cpu',
          value: (JSON.parse(out.stdout) as { samplesPerSecond: number }).samplesPerSecond,
        };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const report = {
    bench: 'train',
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    workload: { rows, width, epochs: EPOCHS, batchSize: BATCH, hidden: config.hidden, threads: 1 },
    results: [
      {
        name: 'builtin-mlp-train-samples-per-second',
        unit: 'samples/s',
        value: ours,
        higherIsBetter: true,
        baselines: [peer],
      },
    ],
  };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report)}\n`);
  else
    process.stdout.write(
      `built-in MLP: ${ours.toFixed(0)} samples/s; ${peer.name}: ${peer.value?.toFixed(0) ?? `n/a (${peer.reason})`}\n`,
    );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:train failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
