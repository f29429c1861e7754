/**
 * `mlops tune` as a user drives it, against the test server and real `mlops worker` processes for the
 * control and GPU queues: a small search with a device-time budget, printed as one JSON object.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { TuningResult } from '../../workflows/contracts';
import { spawnTestProcess } from '../helpers/processes';
import type { TestProcess } from '../helpers/processes';
import { tempDir, testConfig } from '../helpers/temporal';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');

describe('mlops tune', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const workers: TestProcess[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    env = { ...process.env, TEMPORAL_ADDRESS: testConfig().temporalAddress, MLOPS_HOME: join(dir, 'home') };
    // `mlops tune` starts its workflow on the default queue names, as a deployment's workers poll them. The
    // server global setup starts is this run's own, so no other worker polls them.
    for (const queue of ['control', 'gpu'])
      workers.push(spawnTestProcess(process.execPath, [MLOPS, 'worker', '--queue', queue], env));
    await Promise.all(workers.map((w) => w.waitFor(/"msg":"worker ready"/, 60000, 'stderr')));
  }, 90000);

  afterAll(async () => {
    for (const w of workers) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    await cleanup();
  });

  it('prints the best trial and a leaderboard as JSON, and starts no trial once the budget is spent', async () => {
    const train = join(dir, 'train.parquet');
    const valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 1500, seed: 1 }), train);
    await writeTable(generateTable({ rows: 400, seed: 2 }), valid);
    const space = join(dir, 'space.json');
    await writeFile(space, JSON.stringify({ learningRate: { type: 'choice', values: [0.001, 0.03] } }));
    const tune = spawnTestProcess(
      process.execPath,
      [
        MLOPS,
        'tune',
        '--trainer',
        'builtin:logreg',
        '--train',
        train,
        '--valid',
        valid,
        '--label',
        'label',
        '--space',
        space,
        '--model',
        'churn',
        '--trials',
        '3',
        '--eta',
        '2',
        '--min-epochs',
        '1',
        '--max-epochs',
        '2',
        '--concurrency',
        '2',
        // Any finished trial spends more than this: the two trials started at once run, the third never
        // starts, and no trial reaches the second rung.
        '--budget',
        '0.001',
        '--wait',
        '--json',
      ],
      env,
    );
    const code = await tune.exited;
    if (code !== 0) throw new Error(`mlops tune exited ${code}: ${tune.stderr()}`);
    const result = JSON.parse(tune.stdout()) as TuningResult & { workflowId: string };
    expect(result.workflowId).toMatch(/^tuning:churn:/);
    expect(result.budgets).toEqual([1, 2]);
    expect(result.deviceSecondsSpent).toBeGreaterThan(0.001);

    const scored = result.leaderboard.filter((t) => t.score !== undefined);
    expect(result.leaderboard).toHaveLength(3);
    expect(scored.map((t) => t.trial).sort()).toEqual([0, 1]);
    expect(scored.every((t) => t.rung === 0 && t.epochs === 1)).toBe(true);
    expect(result.leaderboard[2]).toMatchObject({ trial: 2, rung: -1, epochs: 0 });
    expect(scored[0].score).toBeLessThanOrEqual(scored[1].score!);

    expect(result.best).toEqual(scored[0]);
    expect(result.best.params).toEqual({ learningRate: expect.any(Number) });
    expect(result.best.metrics).toMatchObject({ validLoss: result.best.score, accuracy: expect.any(Number) });
    expect(existsSync(result.best.modelPath!)).toBe(true);
  }, 60000);
});
