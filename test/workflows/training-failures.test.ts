/**
 * trainingWorkflow's failure branches on the real server, with the real trainModel activity on an
 * in-process GPU-queue worker: a trainer that crashes (TrainerFailed, retried, with its stderr), a rejected
 * configuration (TrainerConfigError, attempted once), and cancellation, which must stop the trainer's
 * whole process group, grandchildren included.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { gpuActivities } from '../../activities';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import type { trainingWorkflow } from '../../workflows';
import { ErrorType } from '../../workflows/contracts';
import type { TrainingInput } from '../../workflows/contracts';
import { failureOf } from '../helpers/failures';
import { processAlive as alive, waitFor } from '../helpers/processes';
import { tempDir, testConfig, unique } from '../helpers/temporal';

const FIXTURES = join(__dirname, '..', 'fixtures', 'trainers');
const EXITING = join(FIXTURES, 'exiting-trainer.js');
const FORKING = join(FIXTURES, 'forking-trainer.js');

/** The ActivityFailure and the trainer's ApplicationFailure inside a failed training. */
function trainingFailure(err: WorkflowFailedError): { activity: ActivityFailure; cause: ApplicationFailure } {
  const activity = err.cause;
  if (!(activity instanceof ActivityFailure)) throw new Error(`expected an ActivityFailure, got ${String(activity)}`);
  const cause = activity.cause;
  if (!(cause instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(cause)}`);
  return { activity, cause };
}

describe('trainingWorkflow failures', () => {
  let env: TestWorkflowEnvironment;
  let workers: Worker[];
  let running: Promise<unknown>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let train: string;
  let valid: string;
  const home = process.env.MLOPS_HOME;
  const controlQueue = unique('control');
  const gpuQueue = unique('gpu');
  /** Processes the cancellation tests started, killed at the end whatever the outcome. */
  const strays: number[] = [];

  const start = (overrides: Partial<TrainingInput>) =>
    env.client.workflow.start<typeof trainingWorkflow>('trainingWorkflow', {
      taskQueue: controlQueue,
      workflowId: unique('training-failure-test'),
      args: [
        {
          model: 'churn',
          trainer: 'builtin:mlp',
          train,
          valid,
          label: 'label',
          queues: { gpu: gpuQueue },
          ...overrides,
        },
      ],
    });
  const runsOf = (log: string) =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resumeFrom: string | null });
  const startedAttempts = async (handle: Awaited<ReturnType<typeof start>>) =>
    (await handle.fetchHistory()).events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    process.env.MLOPS_HOME = join(dir, 'home');
    train = join(dir, 'train.parquet');
    valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 500, seed: 1 }), train);
    await writeTable(generateTable({ rows: 200, seed: 2 }), valid);
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
        maxConcurrentActivityTaskExecutions: 1,
        // As the GPU worker does: heartbeats (and so cancellations) travel within a second.
        maxHeartbeatThrottleInterval: '1 second',
        defaultHeartbeatThrottleInterval: '1 second',
      }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });

  afterAll(async () => {
    for (const pid of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
    workers.forEach((w) => w.shutdown());
    await running;
    await env.teardown();
    process.env.MLOPS_HOME = home;
    await cleanup();
  });

  it('fails with TrainerFailed and the trainer’s last stderr lines after 5 attempts when it crashes without a checkpoint', async () => {
    const log = join(dir, `${unique('crash')}.log`);
    const handle = await start({
      trainer: `cmd:${process.execPath} ${EXITING} --code 3 --log ${log} --error 'ValueError: shapes (3,) and (4,) not aligned'`,
    });
    const err = await failureOf(handle.result(), WorkflowFailedError);
    const { activity, cause } = trainingFailure(err);
    expect(cause.type).toBe(ErrorType.TrainerFailed);
    expect(cause.nonRetryable).toBe(false);
    expect(cause.message).toMatch(/^trainer exited with 3: /);
    expect(cause.message).toContain(
      'Traceback (most recent call last): | ValueError: shapes (3,) and (4,) not aligned',
    );
    expect(activity.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
    // Retried up to the policy's 5 attempts, each a fresh start: there was no checkpoint to resume from.
    expect(runsOf(log)).toEqual(Array.from({ length: 5 }, () => ({ resumeFrom: null })));
    expect(await startedAttempts(handle)).toEqual([5]);
  }, 60000);

  it('fails at once with a non-retryable TrainerConfigError when the trainer exits 2', async () => {
    const log = join(dir, `${unique('config')}.log`);
    const handle = await start({
      trainer: `cmd:${process.execPath} ${EXITING} --code 2 --log ${log} --error 'unknown optimizer: adamw2'`,
    });
    const { activity, cause } = trainingFailure(await failureOf(handle.result(), WorkflowFailedError));
    expect(cause.type).toBe(ErrorType.TrainerConfigError);
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('unknown optimizer: adamw2');
    expect(activity.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(runsOf(log)).toHaveLength(1);
    expect(await startedAttempts(handle)).toEqual([1]);
  });

  it('fails at once with TrainerConfigError when the built-in trainer gets invalid MLOPS_PARAMS', async () => {
    const handle = await start({ trainer: 'builtin:mlp', params: { learningRat: 0.1 } });
    const { activity, cause } = trainingFailure(await failureOf(handle.result(), WorkflowFailedError));
    expect(cause.type).toBe(ErrorType.TrainerConfigError);
    expect(cause.message).toContain("MLOPS_PARAMS: unknown parameter 'learningRat'");
    expect(activity.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(await startedAttempts(handle)).toEqual([1]);
  });

  it('completes with a trainer that prints nothing for longer than the heartbeat timeout', async () => {
    const log = join(dir, `${unique('quiet')}.log`);
    const handle = await start({
      trainer: `cmd:SLEEPY_LOG=${log} SLEEPY_MS=10000 exec ${process.execPath} ${join(FIXTURES, 'sleepy-trainer.js')}`,
      heartbeatTimeoutSeconds: 4,
    });
    const result = await handle.result();
    expect(result.steps).toBe(1);
    expect(result.wallSeconds).toBeGreaterThanOrEqual(10);
    // One run: the worker kept heartbeating while the trainer was quiet, so no attempt timed out.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await startedAttempts(handle)).toEqual([1]);
  });

  it.each([
    ['trainer and grandchild stop on SIGTERM', 'none', ''],
    ['the trainer ignores SIGTERM', 'trainer', ''],
    ['the grandchild ignores SIGTERM', 'grandchild', ''],
    ['the trainer prints nothing', 'none', '--quiet'],
  ])('cancelling a running training kills the trainer’s whole process group (%s)', async (_, ignoreTerm, quiet) => {
    const pidsFile = join(dir, `${unique('pids')}.json`);
    const handle = await start({
      trainer: `cmd:exec ${process.execPath} ${FORKING} --pids ${pidsFile} --ignore-term ${ignoreTerm} ${quiet}`,
    });
    const pids = await waitFor(
      () =>
        existsSync(pidsFile)
          ? (JSON.parse(readFileSync(pidsFile, 'utf8')) as { trainer: number; grandchild: number })
          : undefined,
      30000,
      'the trainer to start',
    );
    strays.push(pids.trainer, pids.grandchild);
    expect(alive(pids.trainer)).toBe(true);
    expect(alive(pids.grandchild)).toBe(true);
    await handle.cancel();
    const err = await failureOf(handle.result(), WorkflowFailedError);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    // SIGTERM to the group at once, SIGKILL 5 s later (docs/trainer-contract.md): all gone well within 15 s,
    // half the default heartbeat timeout, so a quiet trainer must get the cancellation from a timed heartbeat.
    await waitFor(
      () => (!alive(pids.trainer) && !alive(pids.grandchild) ? true : undefined),
      15000,
      `trainer ${pids.trainer} and grandchild ${pids.grandchild} to be gone`,
    );
  });
});
