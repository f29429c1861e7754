/**
 * mlLifecycleWorkflow on the real server with real workers: experimentation → development → operations,
 * a gate rejection that registers nothing, and a burst of retraining triggers that gives one retraining.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { Gateway } from '../../lib/serving';
import { createRetrainingSchedule, listRetrainingSchedules } from '../../client/lifecycle';
import type { mlLifecycleWorkflow, retrainTriggerWorkflow } from '../../workflows';
import { driftMonitorWorkflowId, lifecycleStatusQuery, retrainSignal } from '../../workflows/contracts';
import type { LifecycleStatus, PipelineSpec } from '../../workflows/contracts';
import { newHome, withRegistry } from '../e2e/gateway-helpers';
import { unique } from '../helpers/temporal';
import { startLifecycleStack } from '../helpers/lifecycle-stack';
import type { LifecycleStack } from '../helpers/lifecycle-stack';

jest.setTimeout(180_000);

const HISTORIES = join(__dirname, '..', 'replay', 'histories');

describe('mlLifecycleWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: Gateway;
  let spec: Omit<PipelineSpec, 'model'>;
  let queues: LifecycleStack['queues'];

  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    stack = await startLifecycleStack(home);
    ({ env, gw, queues } = stack);
    const train = join(home, 'train.parquet');
    const valid = join(home, 'valid.parquet');
    await writeTable(generateTable({ rows: 3000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 800, seed: 2 }), valid);
    spec = {
      datasets: { train, valid },
      label: 'label',
      trainer: { command: 'builtin:logreg', params: { maxEpochs: 2 }, seed: 1 },
      gates: { metrics: { accuracy: { min: 0.55 } } },
      rollout: { steps: [50, 100], bakeSeconds: 1, minRequests: 10, maxWaitSeconds: 1, gateways: [gw.url] },
      monitoring: { windowSeconds: 3600 },
      retraining: { cooldownSeconds: 3600, maxPerDay: 4 },
    };
  });
  afterAll(async () => {
    await stack.stop();
    await cleanup();
  });

  /** With MLOPS_RECORD_HISTORIES=1, writes the run's history as a replay fixture. */
  async function record(handle: { fetchHistory: () => Promise<object> }, name: string): Promise<void> {
    if (process.env.MLOPS_RECORD_HISTORIES !== '1') return;
    const history = temporal.api.history.v1.History.fromObject(await handle.fetchHistory());
    await writeFile(join(HISTORIES, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
  }

  function start(model: string, extra: Partial<PipelineSpec> = {}, once = true, maxHistoryEvents?: number) {
    return env.client.workflow.start<typeof mlLifecycleWorkflow>('mlLifecycleWorkflow', {
      taskQueue: queues.control,
      workflowId: `lifecycle:${model}`,
      args: [{ spec: { ...spec, ...extra, model }, queues, once, maxHistoryEvents }],
    });
  }

  it('trains, evaluates, registers with lineage and deploys the first version', async () => {
    const handle = await start('first');
    const status = await handle.result();
    await record(handle, 'mlLifecycleWorkflow-first-deployment');
    expect(status.lastOutcome).toEqual(expect.objectContaining({ outcome: 'promoted', version: 1 }));
    expect(status.champion).toBe(1);
    expect(status.kpis).toEqual(expect.objectContaining({ attempts: 1, promotions: 1 }));
    expect(Object.keys(status.kpis.lastTimings ?? {}).sort()).toEqual(['evaluate', 'ingest', 'serve', 'train']);
    const version = await withRegistry(home, (r) => r.getVersion('first', 'champion'));
    expect(version.lineage.workflowId).toBe('lifecycle:first');
    expect(version.lineage.datasets.map((d) => d.role)).toEqual(['train', 'eval']);
    expect(version.lineage.profile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(version.lineage.trainer?.command).toBe('builtin:logreg');
    expect(version.metrics.accuracy).toBeGreaterThan(0.55);
    const routes = await withRegistry(home, (r) => r.getRoutes('first'));
    expect(routes).toEqual(expect.objectContaining({ stable: 1, canaryWeight: 0 }));
    const description = await handle.describe();
    expect(description.searchAttributes.MlModel).toEqual(['first']);
    expect(description.searchAttributes.MlModelVersion).toEqual(['1']);
  });

  it('ends an attempt whose gates fail with the reason, registering nothing', async () => {
    const handle = await start('strict', { gates: { metrics: { accuracy: { min: 0.999 } } } });
    const status = await handle.result();
    await record(handle, 'mlLifecycleWorkflow-gate-rejected');
    expect(status.lastOutcome?.outcome).toBe('rejected');
    expect(status.lastOutcome?.reason).toMatch(/^accuracy 0\.\d+ < 0\.999$/);
    expect(status.kpis.rejections).toBe(1);
    const models = await withRegistry(home, (r) => r.listModels());
    expect(models.map((m) => m.name)).not.toContain('strict');
  });

  it('turns a burst of 100 retraining triggers into exactly one retraining', async () => {
    const handle = await start('storm', {}, false);
    const query = () => handle.query(lifecycleStatusQuery) as Promise<LifecycleStatus>;
    for (let i = 0; i < 120 && (await query()).stage !== 'monitoring'; i++)
      await new Promise((r) => setTimeout(r, 500));
    expect((await query()).champion).toBe(1);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => handle.signal(retrainSignal, { reason: 'drift', detail: `burst ${i}` })),
    );
    let status = await query();
    for (let i = 0; i < 120 && !(status.attempt === 2 && status.stage === 'monitoring'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = await query();
    }
    expect(status.attempt).toBe(2);
    expect(status.kpis.retrainings).toBe(1);
    expect(status.ignoredTriggers).toBe(99);
    // The retrained candidate met the champion and a canary without traffic: never promoted.
    expect(status.lastOutcome).toEqual(expect.objectContaining({ outcome: 'aborted', version: 2 }));
    expect(status.champion).toBe(1);
    await handle.signal(retrainSignal, { reason: 'manual' });
    await new Promise((r) => setTimeout(r, 1000));
    status = await query();
    expect([status.attempt, status.ignoredTriggers]).toEqual([2, 100]);

    // A retraining Schedule starts retrainTriggerWorkflow, which signals the lifecycle (here: in cooldown).
    const schedule = await createRetrainingSchedule(env.client, 'storm', '0 3 * * *', { taskQueue: queues.control });
    const listed = await listRetrainingSchedules(env.client);
    expect(listed.find((s) => s.model === 'storm')?.description.policies.overlap).toBe('SKIP');
    await schedule.trigger();
    for (let i = 0; i < 60 && (await query()).ignoredTriggers < 101; i++) await new Promise((r) => setTimeout(r, 500));
    expect((await query()).ignoredTriggers).toBe(101);
    await schedule.pause('test');
    expect((await schedule.describe()).state.paused).toBe(true);
    await schedule.delete();
    const orphan = await env.client.workflow.start<typeof retrainTriggerWorkflow>('retrainTriggerWorkflow', {
      taskQueue: queues.control,
      workflowId: unique('retrain-trigger'),
      args: [{ model: 'nobody' }],
    });
    await expect(orphan.result()).rejects.toThrow(/failed/);
    await record(orphan, 'retrainTriggerWorkflow-no-lifecycle');
    await handle.terminate('test over');
    await env.client.workflow.getHandle(driftMonitorWorkflowId('storm')).terminate('test over');
  });

  it('continues as new when its history grows, carrying its state', async () => {
    const handle = await start('long', {}, false, 20);
    const query = () => handle.query(lifecycleStatusQuery) as Promise<LifecycleStatus>;
    for (let i = 0; i < 120 && (await query()).stage !== 'monitoring'; i++)
      await new Promise((r) => setTimeout(r, 500));
    const firstRun = (await handle.describe()).runId;
    await handle.signal(retrainSignal, { reason: 'manual' });
    const latest = env.client.workflow.getHandle('lifecycle:long');
    let runId = firstRun;
    for (let i = 0; i < 60 && runId === firstRun; i++) {
      await new Promise((r) => setTimeout(r, 500));
      runId = (await latest.describe()).runId;
    }
    expect(runId).not.toBe(firstRun);
    // The manual trigger ran a second attempt (its canary had no traffic); then the run continued as new.
    const carried = (await latest.query(lifecycleStatusQuery)) as LifecycleStatus;
    expect(carried).toEqual(expect.objectContaining({ attempt: 2, champion: 1, monitorStarted: true }));
    expect(carried.kpis).toEqual(expect.objectContaining({ attempts: 2, promotions: 1, retrainings: 1 }));
    expect(carried.retrainStarts).toHaveLength(1);
    expect(carried.lastOutcome).toEqual(expect.objectContaining({ attempt: 2, outcome: 'aborted', version: 2 }));
    await latest.terminate('test over');
    await env.client.workflow.getHandle(driftMonitorWorkflowId('long')).terminate('test over');
  });
});
