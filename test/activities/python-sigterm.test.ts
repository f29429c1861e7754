/**
 * The SIGTERM path of the example Python trainers (trainers/python/mlops_contract.py): run as the worker
 * runs them, with the contract's environment, a trainer that gets SIGTERM mid-training checkpoints, prints
 * the checkpoint line with reason "sigterm", and exits EXIT_PREEMPTED; a run resumed from that checkpoint
 * carries on from its step. The scikit-learn trainer needs trainers/python/.venv (made by .ci/run); the
 * PyTorch one a Python with torch (MLOPS_TORCH_PYTHON, or ~/.cache/temporal-mlops/torch-venv). Each is
 * skipped with a note where its Python is missing.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { EXIT_PREEMPTED, parseTrainerLine, TrainerEnv } from '../../lib/training/contract';
import type { TrainerEvent } from '../../lib/training/contract';
import { spawnTestProcess } from '../helpers/processes';
import { tempDir, unique } from '../helpers/temporal';

const ROOT = resolve(__dirname, '..', '..');
const trainers = [
  {
    name: 'scikit-learn',
    python: join(ROOT, 'trainers', 'python', '.venv', 'bin', 'python'),
    script: 'sklearn_trainer.py',
    /** One step per epoch: one epoch past `step`. */
    oneMoreEpoch: (step: number) => ({ maxEpochs: step + 1 }),
  },
  {
    name: 'PyTorch',
    python:
      process.env.MLOPS_TORCH_PYTHON ?? join(homedir(), '.cache', 'temporal-mlops', 'torch-venv', 'bin', 'python'),
    script: 'torch_trainer.py',
    /** A step per mini-batch, 16 batches of 256 per epoch of 4000 rows: to the end of the epoch `step` is in. */
    oneMoreEpoch: (step: number) => ({ maxEpochs: Math.floor(step / 16) + 1, batchSize: 256 }),
  },
];
for (const t of trainers) {
  if (!existsSync(t.python))
    process.stderr.write(`python-sigterm.test: no Python for the ${t.name} trainer at ${t.python}; skipped\n`);
}

const eventsOf = (stdout: string): TrainerEvent[] =>
  stdout
    .split('\n')
    .map(parseTrainerLine)
    .filter((e): e is TrainerEvent => e !== undefined);

describe.each(trainers)('example Python trainer ($name) on SIGTERM', ({ python, script, oneMoreEpoch }) => {
  const run = existsSync(python) ? it : it.skip;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  run('checkpoints, prints the sigterm checkpoint line, exits 75, and resumes from that checkpoint', async () => {
    const train = join(dir, 'train.parquet');
    const valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 4000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 1000, seed: 2 }), valid);
    const runDir = join(dir, unique('run'));
    const contractEnv = (params: Record<string, unknown>, resumeFrom?: string): NodeJS.ProcessEnv => ({
      ...process.env,
      [TrainerEnv.trainData]: train,
      [TrainerEnv.validData]: valid,
      [TrainerEnv.label]: 'label',
      [TrainerEnv.outputDir]: join(runDir, 'output'),
      [TrainerEnv.checkpointDir]: join(runDir, 'checkpoints'),
      [TrainerEnv.params]: JSON.stringify(params),
      [TrainerEnv.seed]: '1',
      [TrainerEnv.devices]: '',
      ...(resumeFrom ? { [TrainerEnv.resumeFrom]: resumeFrom } : {}),
    });
    const command = [join(ROOT, 'trainers', 'python', script)];

    // An epoch budget it cannot finish in the test's time: only the SIGTERM can end this run.
    const trainer = spawnTestProcess(
      python,
      command,
      contractEnv({ maxEpochs: 100000, batchSize: 256, checkpointEvery: 1000000 }),
    );
    await trainer.waitFor(/"type": ?"progress"/, 60000);
    trainer.child.kill('SIGTERM');
    expect(await trainer.exited).toBe(EXIT_PREEMPTED);
    const events = eventsOf(trainer.stdout());
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'checkpoint', reason: 'sigterm' });
    if (last.type !== 'checkpoint') throw new Error('unreachable');
    expect(existsSync(last.path)).toBe(true);
    expect(last.step).toBeGreaterThan(0);
    expect(last.step).toBeGreaterThanOrEqual(Math.max(...events.map((e) => e.step)));
    expect(events.some((e) => e.type === 'done')).toBe(false);

    // The checkpoint is whole: a run resumed from it starts at its step and trains on to the end of its budget.
    const resumed = spawnTestProcess(
      python,
      command,
      contractEnv({ ...oneMoreEpoch(last.step), checkpointEvery: 1000000 }, last.path),
    );
    const code = await resumed.exited;
    if (code !== 0) throw new Error(`resumed run exited ${code}: ${resumed.stderr().slice(-2000)}`);
    const after = eventsOf(resumed.stdout());
    expect(after[0]).toMatchObject({ type: 'progress', step: last.step, resumed: true });
    const done = after[after.length - 1];
    expect(done.type).toBe('done');
    expect(done.step).toBeGreaterThan(last.step);
  });
});
