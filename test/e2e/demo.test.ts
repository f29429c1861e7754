/**
 * The main job end to end: the lifecycle demo on the real server with real workers and a real gateway —
 * first version deployed, live traffic, drifted data, the monitor's retraining, evaluated and rolled out.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { controlActivities, dataActivities, gpuActivities } from '../../activities';
import { runLifecycleDemo } from '../../client/demo';
import type { Gateway } from '../../lib/serving';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import { driftMonitorWorkflowId, lifecycleWorkflowId } from '../../workflows/contracts';
import { gateway, newHome, TOKEN, withRegistry } from './gateway-helpers';
import { testConfig, unique } from '../helpers/temporal';

jest.setTimeout(400_000);

describe('the lifecycle demo', () => {
  let env: TestWorkflowEnvironment;
  let workers: Worker[];
  let running: Promise<unknown>;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: Gateway;
  const queues = { control: unique('control'), data: unique('data'), gpu: unique('gpu') };
  const saved = { home: process.env.MLOPS_HOME, token: process.env.MLOPS_GATEWAY_TOKEN };

  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    process.env.MLOPS_HOME = home;
    process.env.MLOPS_GATEWAY_TOKEN = TOKEN;
    gw = await gateway(home, { logWindowMs: 2000 });
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    const connection = env.nativeConnection;
    workers = [
      await Worker.create({
        connection,
        taskQueue: queues.control,
        workflowsPath: WORKFLOWS_PATH,
        activities: controlActivities,
      }),
      await Worker.create({ connection, taskQueue: queues.data, activities: dataActivities }),
      await Worker.create({ connection, taskQueue: queues.gpu, activities: gpuActivities }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    for (const id of [lifecycleWorkflowId('demo'), driftMonitorWorkflowId('demo')]) {
      await env.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await gw.close();
    workers.forEach((w) => w.shutdown());
    await running;
    await env.teardown();
    process.env.MLOPS_HOME = saved.home;
    process.env.MLOPS_GATEWAY_TOKEN = saved.token;
    await cleanup();
  });

  it('deploys a first version, detects drift in live traffic, retrains and rolls the new version out', async () => {
    const lines: string[] = [];
    const result = await runLifecycleDemo({
      client: env.client,
      home,
      gatewayUrl: gw.url,
      model: 'demo',
      windowSeconds: 4,
      queues,
      timeoutSeconds: 300,
      onProgress: (line) => lines.push(line),
    });
    expect(result.firstVersion).toBe(1);
    expect(result.final.kpis.retrainings).toBe(1);
    expect(result.final.lastDrift?.drifted).toEqual(expect.arrayContaining(['f0', 'f1']));
    expect(result.final.lastOutcome).toEqual(expect.objectContaining({ attempt: 2, outcome: 'promoted', version: 2 }));
    expect(result.final.champion).toBe(2);
    const lineage = await withRegistry(home, (r) => r.lineage('demo', 'champion'));
    expect(lineage.lineage.parentVersion).toBe(1);
    expect(lineage.lineage.datasets[0].sha256).not.toBe(
      (await withRegistry(home, (r) => r.lineage('demo', '1'))).lineage.datasets[0].sha256,
    );
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[operations\] canary rollout/)]));
  });
});
