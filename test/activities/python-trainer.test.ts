/**
 * The example Python trainer (trainers/python) under the trainer contract, through the real trainModel
 * activity: it trains, checkpoints, and exports an ONNX model that onnxruntime-node scores as scikit-learn
 * did. Needs trainers/python/.venv (made by .ci/run from trainers/python/requirements.txt).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { trainModel } from '../../activities/training';
import { categoricalValues, numericValues } from '../../lib/data/columns';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { TrainModelResult } from '../../workflows/contracts';
import { tempDir } from '../helpers/temporal';

const ROOT = resolve(__dirname, '..', '..');
const PYTHON = join(ROOT, 'trainers', 'python', '.venv', 'bin', 'python');
const TRAINER = join(ROOT, 'trainers', 'python', 'sklearn_trainer.py');
const available = existsSync(PYTHON);
if (!available)
  process.stderr.write('python-trainer.test: trainers/python/.venv is missing; run .ci/run to create it\n');

(available ? describe : describe.skip)('example Python trainer (scikit-learn → skl2onnx)', () => {
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

  it('trains under the contract and exports ONNX that scores like scikit-learn', async () => {
    const train = join(dir, 'train.parquet');
    const validPath = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 4000, seed: 1 }), train);
    const valid = generateTable({ rows: 1000, seed: 2 });
    await writeTable(valid, validPath);
    const result: TrainModelResult = await new MockActivityEnvironment().run(trainModel, {
      runId: 'python-trainer-test',
      trainer: `cmd:${PYTHON} ${TRAINER}`,
      train,
      valid: validPath,
      label: 'label',
      params: { maxEpochs: 4 },
    });
    expect(result.steps).toBe(4);
    const metrics = JSON.parse(readFileSync(result.metricsPath, 'utf8')) as { accuracy: number };
    const session = await ort.InferenceSession.create(result.modelPath);
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const vector = valid.getChild(name)!;
      if (name === 'segment') {
        const { codes, dictionary } = categoricalValues(vector);
        feeds[name] = new ort.Tensor(
          'string',
          Array.from(codes, (c) => dictionary[c]),
          [valid.numRows, 1],
        );
      } else feeds[name] = new ort.Tensor('float32', Float32Array.from(numericValues(vector)), [valid.numRows, 1]);
    }
    const output = await session.run(feeds);
    const probabilities = output[session.outputNames[1]].data as Float32Array;
    const labels = Array.from(numericValues(valid.getChild('label')!));
    let correct = 0;
    labels.forEach((y, i) => (correct += (probabilities[2 * i + 1] > 0.5 ? 1 : 0) === y ? 1 : 0));
    expect(Math.abs(correct / labels.length - metrics.accuracy)).toBeLessThanOrEqual(2 / labels.length);
  });
});
