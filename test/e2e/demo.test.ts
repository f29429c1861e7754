/**
 * The main job end to end: the lifecycle demo on the real server with real workers and a real gateway —
 * first version deployed, live traffic, drifted data, the monitor's retraining, evaluated and rolled out.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runLifecycleDemo } from '../../client/demo';
import type { Gateway } from '../../lib/serving';
import { driftMonitorWorkflowId, lifecycleWorkflowId } from '../../workflows/contracts';
import { newHome, withRegistry } from './gateway-helpers';
import { startLifecycleStack } from '../helpers/lifecycle-stack';
import type { LifecycleStack } from '../helpers/lifecycle-stack';

jest.setTimeout(400_000);

describe('the lifecycle demo', () => {
  let env: TestWorkflowEnvironment;
  let stack: LifecycleStack;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: Gateway;
  let queues: LifecycleStack['queues'];

  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    stack = await startLifecycleStack(home, { logWindowMs: 2000 });
    ({ env, gw, queues } = stack);
  });
  afterAll(async () => {
    for (const id of [lifecycleWorkflowId('demo'), driftMonitorWorkflowId('demo')]) {
      await env.client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    await stack.stop();
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
