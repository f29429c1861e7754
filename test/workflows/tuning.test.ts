import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { gpuActivities } from '../../activities';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import type { tuningWorkflow } from '../../workflows';
import { tempDir, testConfig, unique } from '../helpers/temporal';

describe('tuningWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let workers: Worker[];
  let running: Promise<unknown>;
  let dir: string;
  let cleanup: () => Promise<void>;
  const controlQueue = unique('control');
  const gpuQueue = unique('gpu');

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    workers = [
      await Worker.create({ connection: env.nativeConnection, taskQueue: controlQueue, workflowsPath: WORKFLOWS_PATH }),
      await Worker.create({
        connection: env.nativeConnection,
        taskQueue: gpuQueue,
        activities: gpuActivities,
        maxConcurrentActivityTaskExecutions: 2,
      }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await env.teardown();
    await cleanup();
  });

  it('runs successive halving: all trials at rung 0, the best half continue from checkpoints, best trial returned', async () => {
    const train = join(dir, 'train.parquet');
    const valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 3000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 800, seed: 2 }), valid);
    const handle = await env.client.workflow.start<typeof tuningWorkflow>('tuningWorkflow', {
      taskQueue: controlQueue,
      workflowId: unique('tuning-test'),
      args: [
        {
          model: 'churn',
          trainer: 'builtin:mlp',
          train,
          valid,
          label: 'label',
          space: {
            hidden: { type: 'choice', values: [[4], [16]] },
            learningRate: { type: 'choice', values: [0.0005, 0.01] },
          },
          trials: 4,
          eta: 2,
          minEpochs: 1,
          maxEpochs: 2,
          concurrency: 2,
          queues: { gpu: gpuQueue },
        },
      ],
    });
    const result = await handle.result();
    expect(result.budgets).toEqual([1, 2]);
    expect(result.leaderboard).toHaveLength(4);
    const promoted = result.leaderboard.filter((t) => t.rung === 1);
    expect(promoted).toHaveLength(2);
    expect(promoted.every((t) => t.epochs === 2)).toBe(true);
    expect(result.best.rung).toBe(1);
    expect(result.best.score).toBe(Math.min(...promoted.map((t) => t.score!)));
    expect(existsSync(result.best.modelPath!)).toBe(true);
    // Children are bounded: never more than `concurrency` trainings were open at once.
    const history = await handle.fetchHistory();
    let open = 0;
    let most = 0;
    for (const e of history.events ?? []) {
      if (e.startChildWorkflowExecutionInitiatedEventAttributes) most = Math.max(most, ++open);
      if (e.childWorkflowExecutionCompletedEventAttributes || e.childWorkflowExecutionFailedEventAttributes) open--;
    }
    expect(most).toBeLessThanOrEqual(2);
  });
});
