/**
 * The example Python trainers (trainers/python) under the trainer contract, through the real trainModel
 * activity: each trains, checkpoints, and exports an ONNX model that onnxruntime-node scores as the
 * trainer itself did. The scikit-learn trainer needs trainers/python/.venv (made by .ci/run); the PyTorch
 * one needs a Python with torch (MLOPS_TORCH_PYTHON, or ~/.cache/temporal-mlops/torch-venv), which is
 * skipped with a note where PyTorch is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Table } from 'apache-arrow';
import { trainModel } from '../../activities/training';
import { categoricalValues, numericValues } from '../../lib/data/columns';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { TrainModelResult } from '../../workflows/contracts';
import { tempDir } from '../helpers/temporal';

const ROOT = resolve(__dirname, '..', '..');
const trainers = [
  {
    name: 'scikit-learn → skl2onnx',
    python: join(ROOT, 'trainers', 'python', '.venv', 'bin', 'python'),
    script: 'sklearn_trainer.py',
  },
  {
    name: 'PyTorch → torch.onnx',
    python:
      process.env.MLOPS_TORCH_PYTHON ?? join(homedir(), '.cache', 'temporal-mlops', 'torch-venv', 'bin', 'python'),
    script: 'torch_trainer.py',
  },
];
for (const t of trainers) {
  if (!existsSync(t.python))
    process.stderr.write(`python-trainer.test: no Python for the ${t.name} trainer at ${t.python}; skipped\n`);
}

/** Accuracy of the exported model on `table`, scored by onnxruntime-node from raw feature columns. */
async function onnxAccuracy(modelPath: string, table: Table): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath);
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const vector = table.getChild(name)!;
    if (name === 'segment') {
      const { codes, dictionary } = categoricalValues(vector);
      feeds[name] = new ort.Tensor(
        'string',
        Array.from(codes, (c) => dictionary[c]),
        [table.numRows, 1],
      );
    } else feeds[name] = new ort.Tensor('float32', Float32Array.from(numericValues(vector)), [table.numRows, 1]);
  }
  const output = await session.run(feeds);
  const probabilities = output[session.outputNames[1]].data as Float32Array;
  const labels = Array.from(numericValues(table.getChild('label')!));
  let correct = 0;
  labels.forEach((y, i) => (correct += (probabilities[2 * i + 1] > 0.5 ? 1 : 0) === y ? 1 : 0));
  return correct / labels.length;
}

describe.each(trainers)('example Python trainer ($name)', ({ python, script }) => {
  const run = existsSync(python) ? it : it.skip;
  let dir: string;
  let cleanup: () => Promise<void>;
  const home = process.env.MLOPS_HOME;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    process.env.MLOPS_HOME = join(dir, 'home');
  });
  afterAll(async () => {
    process.env.MLOPS_HOME = home;
    await cleanup();
  });

  run('trains under the contract and exports ONNX that scores as the trainer did', async () => {
    const train = join(dir, 'train.parquet');
    const validPath = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 4000, seed: 1 }), train);
    const valid = generateTable({ rows: 1000, seed: 2 });
    await writeTable(valid, validPath);
    const result: TrainModelResult = await new MockActivityEnvironment().run(trainModel, {
      runId: `python-trainer-${script}`,
      trainer: `cmd:${python} ${join(ROOT, 'trainers', 'python', script)}`,
      train,
      valid: validPath,
      label: 'label',
      params: { maxEpochs: 3, checkpointEvery: 20 },
    });
    expect(result.steps).toBeGreaterThan(0);
    // The final checkpoint from the done line, which tuningWorkflow needs to promote a trial to its next rung.
    expect(result.checkpoint && existsSync(result.checkpoint)).toBe(true);
    const metrics = JSON.parse(readFileSync(result.metricsPath, 'utf8')) as { accuracy: number };
    const accuracy = await onnxAccuracy(result.modelPath, valid);
    expect(accuracy).toBeGreaterThan(0.7);
    expect(Math.abs(accuracy - metrics.accuracy)).toBeLessThanOrEqual(2 / valid.numRows);
  });
});
