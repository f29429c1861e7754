/**
 * driftMonitorWorkflow on the real server with one-second windows: a real gateway logs live traffic, the real
 * checkModelDrift activity judges it, and the retraining signals are read back from the workflows' histories.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { dataActivities } from '../../activities';
import type { Gateway } from '../../lib/serving';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import type { driftMonitorWorkflow } from '../../workflows';
import { ErrorType, MlModelKey, MlModelVersionKey, MlStageKey } from '../../workflows/contracts';
import type { DriftMonitorInput, RetrainRequest } from '../../workflows/contracts';
import { driftMonitorStatusQuery } from '../../workflows/monitoring-contracts';
import type { DriftMonitorStatus } from '../../workflows/monitoring-contracts';
import { call, gateway, newHome } from '../e2e/gateway-helpers';
import { churnRows, registerChurnModels, shiftedRows, writeChurnProfile } from '../fixtures/monitoring';
import type { Customer } from '../fixtures/monitoring';
import { testConfig, unique } from '../helpers/temporal';

jest.setTimeout(120_000);

const HISTORIES = join(__dirname, '..', 'replay', 'histories');

type Monitor = WorkflowHandle<typeof driftMonitorWorkflow>;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Sends batches of `rows` to a model until stopped; `feedback` turns each predicted label into the "true" one. */
function startTraffic(url: string, model: string, rows: Customer[], feedback?: (predicted: string) => string) {
  let running = true;
  let failure: unknown;
  const loop = async () => {
    for (let start = 0; running; start = (start + 50) % rows.length) {
      const reply = await call(url, `/v1/models/${model}:predict`, {
        body: { instances: rows.slice(start, start + 50) },
      });
      if (reply.status !== 200) throw new Error(`predict answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      if (feedback) {
        const labels = (reply.body.predictions as { label: string }[]).map((p, row) => ({
          requestId: reply.body.id,
          row,
          label: feedback(p.label),
        }));
        await call(url, `/v1/models/${model}:feedback`, { body: labels });
      }
      await sleep(10);
    }
  };
  const done = loop().catch((err) => (failure = err));
  return {
    stop: async () => {
      running = false;
      await done;
      if (failure) throw failure;
    },
  };
}

/** Polls the monitor's status until `done` holds (at most `timeoutMs`). */
async function statusWhen(
  handle: Monitor,
  done: (s: DriftMonitorStatus) => boolean,
  timeoutMs = 30_000,
): Promise<DriftMonitorStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(driftMonitorStatusQuery);
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never got there: ${JSON.stringify(status)}`);
    await sleep(200);
  }
}

async function events(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/** The retraining requests a history shows the monitor sending. */
function retrainSignalsSent(history: HistoryEvent[]): RetrainRequest[] {
  return history
    .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)
    .filter((a) => a?.signalName === 'retrain')
    .map((a) => defaultPayloadConverter.fromPayload(a!.input!.payloads![0]) as RetrainRequest);
}

describe('driftMonitorWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: Gateway;
  let rows: Customer[];
  const queue = unique('monitoring');
  const savedHome = process.env.MLOPS_HOME;
  const models = ['drifting', 'orphan', 'mislabelled'];

  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    process.env.MLOPS_HOME = home;
    const profilePath = await writeChurnProfile(join(home, 'profile.json'));
    await registerChurnModels(
      home,
      models.map((model) => ({ model, profilePath })),
    );
    rows = (await churnRows()).instances;
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowsPath: WORKFLOWS_PATH,
      activities: dataActivities,
    });
    running = worker.run();
    gw = await gateway(home, { logWindowMs: 200 });
  });
  afterAll(async () => {
    await gw.close();
    worker.shutdown();
    await running;
    await env.teardown();
    process.env.MLOPS_HOME = savedHome;
    await cleanup();
  });

  function startMonitor(input: Omit<DriftMonitorInput, 'queues' | 'windowSeconds'> & { windowSeconds?: number }) {
    return env.client.workflow.start<typeof driftMonitorWorkflow>('driftMonitorWorkflow', {
      taskQueue: queue,
      workflowId: unique(`monitor-${input.model}`),
      args: [{ windowSeconds: 1, minRows: 100, ...input, queues: { data: queue } }],
    });
  }

  /** A running workflow to stand in for the lifecycle: a monitor of an unserved model that sleeps for an hour. */
  function startStandInLifecycle() {
    return startMonitor({ model: 'stand-in', lifecycleWorkflowId: 'nobody', windowSeconds: 3600 });
  }

  /** Cancels a monitor; with MLOPS_RECORD_HISTORIES=1 writes its history as a replay fixture named `record`. */
  async function stop(handle: Monitor, record?: string): Promise<void> {
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    if (record && process.env.MLOPS_RECORD_HISTORIES === '1') {
      const history = temporal.api.history.v1.History.fromObject(await handle.fetchHistory());
      await writeFile(join(HISTORIES, `${record}.binpb`), temporal.api.history.v1.History.encode(history).finish());
    }
  }

  it('waits out windows without enough traffic, then signals the lifecycle when drift appears', async () => {
    const lifecycle = await startStandInLifecycle();
    const monitor = await startMonitor({ model: 'drifting', lifecycleWorkflowId: lifecycle.workflowId });
    const quiet = await statusWhen(monitor, (s) => s.checks >= 2);
    expect(quiet.last).toMatchObject({
      version: 1,
      judged: false,
      reason: expect.stringMatching(/not enough traffic/),
    });
    expect(quiet.signals).toBe(0);

    const traffic = startTraffic(gw.url, 'drifting', shiftedRows(rows));
    const signalled = await statusWhen(monitor, (s) => s.signals >= 1);
    await traffic.stop();
    expect(signalled.last).toMatchObject({ judged: true, version: 1 });
    expect(signalled.last!.drifted).toEqual(expect.arrayContaining(['age', 'income', 'plan']));
    expect(signalled.lastSignal).toMatchObject({ delivered: true, request: { reason: 'drift' } });
    expect(signalled.lastSignal!.request.detail).toMatch(/^drifting@1 drifted: .*age/);
    expect(signalled.lastSignal!.request.reportPath).toMatch(/monitoring\/drifting\/.*\.json$/);

    const sent = retrainSignalsSent(await events(monitor));
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent).toContainEqual(signalled.lastSignal!.request);
    const received = (await events(lifecycle))
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((a) => a?.signalName === 'retrain')
      .map((a) => defaultPayloadConverter.fromPayload(a!.input!.payloads![0]));
    expect(received[0]).toEqual(sent[0]);

    const described = await monitor.describe();
    expect(described.typedSearchAttributes.get(MlModelKey)).toBe('drifting');
    expect(described.typedSearchAttributes.get(MlStageKey)).toBe('operations');
    expect(described.typedSearchAttributes.get(MlModelVersionKey)).toBe('1');
    await stop(monitor, 'driftMonitorWorkflow-signalled');
    await lifecycle.terminate('test done');
  });

  it('keeps monitoring when the lifecycle it signals is not running', async () => {
    const monitor = await startMonitor({ model: 'orphan', lifecycleWorkflowId: unique('lifecycle:gone') });
    const traffic = startTraffic(gw.url, 'orphan', shiftedRows(rows));
    const failed = await statusWhen(monitor, (s) => s.signals >= 1);
    const later = await statusWhen(monitor, (s) => s.checks >= failed.checks + 2);
    await traffic.stop();
    expect(failed.lastSignal).toMatchObject({ delivered: false, request: { reason: 'drift' } });
    expect(failed.lastSignal!.error).toBeTruthy();
    expect(later.last?.judged).toBe(true);
    const history = await events(monitor);
    expect(retrainSignalsSent(history).length).toBeGreaterThanOrEqual(1);
    expect(history.some((e) => e.signalExternalWorkflowExecutionFailedEventAttributes)).toBe(true);
    expect((await monitor.describe()).status.name).toBe('RUNNING');
    await stop(monitor, 'driftMonitorWorkflow-lifecycle-not-running');
  });

  it('signals for accuracy when delayed labels fall below the floor, even without drift', async () => {
    const lifecycle = await startStandInLifecycle();
    const monitor = await startMonitor({
      model: 'mislabelled',
      lifecycleWorkflowId: lifecycle.workflowId,
      accuracyFloor: 0.5,
      drift: { psi: 1e9, jsDistance: 1, ksPValue: 0, chiSquarePValue: 0 },
    });
    const traffic = startTraffic(gw.url, 'mislabelled', rows, (predicted) => (predicted === 'yes' ? 'no' : 'yes'));
    const signalled = await statusWhen(monitor, (s) => s.signals >= 1);
    await traffic.stop();
    expect(signalled.last).toMatchObject({ judged: true, drifted: [], accuracy: 0 });
    expect(signalled.last!.labelled).toBeGreaterThan(0);
    expect(signalled.lastSignal).toMatchObject({ delivered: true, request: { reason: 'accuracy' } });
    expect(signalled.lastSignal!.request.detail).toMatch(/accuracy 0\.0000 < floor 0\.5/);
    await stop(monitor);
    await lifecycle.terminate('test done');
  });

  it('fails at once on an unusable input, and on thresholds the check rejects', async () => {
    const bad = await startMonitor({ model: 'drifting', lifecycleWorkflowId: 'x', windowSeconds: 0 });
    const err = await bad.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: ErrorType.InvalidInput });
    const invalid = await startMonitor({ model: 'drifting', lifecycleWorkflowId: 'x', drift: { psi: -1 } });
    const failure = await invalid.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (failure as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect(activityFailure?.cause).toMatchObject({
      type: ErrorType.InvalidContract,
      message: expect.stringMatching(/psi must be a number >= 0/),
    });
  });
});
