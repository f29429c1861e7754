/**
 * The rest of the trainer contract for the example Python trainers (trainers/python), beyond SIGTERM
 * (python-sigterm.test.ts): under MLOPS_STOP_ON_STDIN_CLOSE=1 a trainer whose stdin closes (its worker died)
 * exits by itself at once, writing nothing more; the `done` line carries a final checkpoint that exists, from
 * which a run at the same epoch budget finishes without training (evaluates, exports, prints `done`) and a
 * run with a larger budget trains on, as tuningWorkflow's next rung does. The scikit-learn trainer needs
 * trainers/python/.venv (made by .ci/run); the PyTorch one a Python with torch (MLOPS_TORCH_PYTHON, or
 * ~/.cache/temporal-mlops/torch-venv). Each is skipped with a note where its Python is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { EXIT_PREEMPTED, parseTrainerLine, TrainerEnv } from '../../lib/training/contract';
import type { DoneEvent, TrainerEvent } from '../../lib/training/contract';
import { spawnTestProcess } from '../helpers/processes';
import type { TestProcess } from '../helpers/processes';
import { tempDir, unique } from '../helpers/temporal';

/** The built-in trainer's exit code when its stdin closes (client/cli/trainer.ts). */
const EXIT_STDIN_CLOSED = 70;

const ROOT = resolve(__dirname, '..', '..');
const trainers = [
  {
    name: 'scikit-learn',
    python: join(ROOT, 'trainers', 'python', '.venv', 'bin', 'python'),
    script: 'sklearn_trainer.py',
  },
  {
    name: 'PyTorch',
    python:
      process.env.MLOPS_TORCH_PYTHON ?? join(homedir(), '.cache', 'temporal-mlops', 'torch-venv', 'bin', 'python'),
    script: 'torch_trainer.py',
  },
];
for (const t of trainers) {
  if (!existsSync(t.python))
    process.stderr.write(`python-contract.test: no Python for the ${t.name} trainer at ${t.python}; skipped\n`);
}

const eventsOf = (stdout: string): TrainerEvent[] =>
  stdout
    .split('\n')
    .map(parseTrainerLine)
    .filter((e): e is TrainerEvent => e !== undefined);

/** The exit code, or 'still running' if the process has not exited within `ms`. */
const exitWithin = (trainer: TestProcess, ms: number): Promise<number | string> =>
  Promise.race([trainer.exited, new Promise<string>((r) => setTimeout(() => r('still running'), ms).unref())]);

describe.each(trainers)('example Python trainer ($name) under the contract', ({ python, script }) => {
  const run = existsSync(python) ? it : it.skip;
  let dir: string;
  let cleanup: () => Promise<void>;
  let train: string;
  let valid: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    train = join(dir, 'train.parquet');
    valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 4000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 1000, seed: 2 }), valid);
  });
  afterAll(() => cleanup());

  const contractEnv = (
    runDir: string,
    params: Record<string, unknown>,
    extra: NodeJS.ProcessEnv = {},
  ): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [TrainerEnv.trainData]: train,
      [TrainerEnv.validData]: valid,
      [TrainerEnv.label]: 'label',
      [TrainerEnv.outputDir]: join(runDir, 'output'),
      [TrainerEnv.checkpointDir]: join(runDir, 'checkpoints'),
      [TrainerEnv.params]: JSON.stringify({ batchSize: 256, checkpointEvery: 1000000, ...params }),
      [TrainerEnv.seed]: '1',
      [TrainerEnv.devices]: '',
    };
    // Only what the test passes in `extra`, never what the environment running the tests may hold.
    delete env[TrainerEnv.stopOnStdinClose];
    delete env[TrainerEnv.resumeFrom];
    return { ...env, ...extra };
  };
  const command = () => [join(ROOT, 'trainers', 'python', script)];

  run('exits by itself, writing nothing more, when stdin closes under MLOPS_STOP_ON_STDIN_CLOSE=1', async () => {
    const runDir = join(dir, unique('stdin'));
    // An epoch budget it cannot finish in the test's time: only the closed stdin can end this run.
    const trainer = spawnTestProcess(
      python,
      command(),
      contractEnv(runDir, { maxEpochs: 100000 }, { [TrainerEnv.stopOnStdinClose]: '1' }),
    );
    await trainer.waitFor(/"type": ?"progress"/, 60000);
    trainer.child.stdin.end();
    const code = await exitWithin(trainer, 5000);
    if (code === 'still running') trainer.child.kill('SIGKILL');
    expect(code).toBe(EXIT_STDIN_CLOSED);
    const events = eventsOf(trainer.stdout());
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(events.some((e) => e.type === 'checkpoint' && e.reason === 'sigterm')).toBe(false);
    expect(existsSync(join(runDir, 'output', 'model.onnx'))).toBe(false);
  });

  run('keeps training when stdin closes without MLOPS_STOP_ON_STDIN_CLOSE', async () => {
    const runDir = join(dir, unique('no-stdin-watch'));
    const trainer = spawnTestProcess(python, command(), contractEnv(runDir, { maxEpochs: 100000 }));
    await trainer.waitFor(/"type": ?"progress"/, 60000);
    trainer.child.stdin.end();
    expect(await exitWithin(trainer, 1500)).toBe('still running');
    trainer.child.kill('SIGTERM');
    expect(await trainer.exited).toBe(EXIT_PREEMPTED);
  });

  run('prints done with a final checkpoint that a later run resumes from, at its budget or past it', async () => {
    const finish = async (runDir: string, params: Record<string, unknown>, resumeFrom?: string) => {
      const trainer = spawnTestProcess(
        python,
        command(),
        contractEnv(runDir, params, resumeFrom ? { [TrainerEnv.resumeFrom]: resumeFrom } : {}),
      );
      const code = await trainer.exited;
      if (code !== 0) throw new Error(`trainer exited ${code}: ${trainer.stderr().slice(-2000)}`);
      const events = eventsOf(trainer.stdout());
      const done = events[events.length - 1];
      if (done?.type !== 'done') throw new Error(`no done line last: ${trainer.stdout().slice(-2000)}`);
      return { done: done as DoneEvent, events };
    };

    const firstDir = join(dir, unique('first'));
    const first = await finish(firstDir, { maxEpochs: 2 });
    expect(first.done.step).toBeGreaterThan(0);
    const checkpoint = first.done.checkpoint;
    if (checkpoint === undefined) throw new Error('done line without a checkpoint');
    expect(existsSync(checkpoint)).toBe(true);
    // In the run's checkpoint folder, named final.* so that a retry's newest-checkpoint scan skips it.
    expect(dirname(checkpoint)).toBe(join(firstDir, 'checkpoints'));
    expect(basename(checkpoint)).toMatch(/^final\./);

    // Resumed at the budget it already reached: no training, but a whole result.
    const sameDir = join(dir, unique('same-budget'));
    const same = await finish(sameDir, { maxEpochs: 2 }, checkpoint);
    expect(same.events[0]).toMatchObject({ type: 'progress', step: first.done.step, resumed: true });
    expect(same.events.filter((e) => e.type === 'progress' && !('resumed' in e))).toEqual([]);
    expect(same.done.step).toBe(first.done.step);
    expect(existsSync(same.done.modelPath)).toBe(true);
    const metrics = JSON.parse(readFileSync(same.done.metricsPath, 'utf8')) as Record<string, number>;
    expect(Number.isFinite(metrics.validLoss)).toBe(true);
    expect(metrics.accuracy).toBeGreaterThan(0.5);
    expect(same.done.checkpoint && existsSync(same.done.checkpoint)).toBe(true);

    // The next rung: a larger budget trains on from the final checkpoint.
    const more = await finish(join(dir, unique('more-budget')), { maxEpochs: 3 }, checkpoint);
    expect(more.done.step).toBeGreaterThan(first.done.step);
    expect(more.done.checkpoint && existsSync(more.done.checkpoint)).toBe(true);
  });
});
