/**
 * canaryRolloutWorkflow end to end on the real server: a real gateway serving real ONNX models, live
 * traffic, and the registry as the gateway's desired state.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { controlActivities } from '../../activities';
import { openArtifactStore } from '../../lib/artifacts';
import { registerModelFile } from '../../lib/registry/register-model';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import type { canaryRolloutWorkflow } from '../../workflows';
import type { RolloutInput, RolloutResult } from '../../workflows/contracts';
import { call, gateway, newHome, TOKEN, withRegistry } from '../e2e/gateway-helpers';
import type { Gateway } from '../../lib/serving';
import { writeRolloutModel } from '../fixtures/rollout/models';
import type { RolloutModelKind } from '../fixtures/rollout/models';
import { testConfig, unique } from '../helpers/temporal';

jest.setTimeout(120_000);

const HISTORIES = join(__dirname, '..', 'replay', 'histories');

// A step waits up to 20 s for enough canary traffic: a gateway preflights and loads the candidate before routing to it,
// which takes seconds on a loaded machine (and twice over after a restart). Verdicts come as soon as traffic allows.
const POLICY = { steps: [20, 50, 100], bakeSeconds: 1.5, minRequests: 30, maxWaitSeconds: 20, minLatencyDeltaMs: 2 };

/** Sends churn rows to the gateway until stopped; counts answers per version and status. */
function startTraffic(url: () => string, model: string) {
  const answers: Record<string, Record<number, number>> = {};
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const reply = await call(url(), `/v1/models/${model}:predict`, {
          body: { instances: [{ age: 40, income: 52_000, tenure: 12, plan: 'pro' }] },
        });
        const version = reply.headers.get('x-model-version') ?? '?';
        answers[version] ??= {};
        answers[version][reply.status] = (answers[version][reply.status] ?? 0) + 1;
      } catch {
        await new Promise((r) => setTimeout(r, 20)); // the gateway is restarting
      }
    }
  };
  const loops = Promise.all(Array.from({ length: 3 }, loop));
  return {
    answers,
    stop: async () => {
      running = false;
      await loops;
    },
  };
}

describe('canaryRolloutWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: Gateway;
  const queue = unique('control');
  const saved = { home: process.env.MLOPS_HOME, token: process.env.MLOPS_GATEWAY_TOKEN };

  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    process.env.MLOPS_HOME = home;
    process.env.MLOPS_GATEWAY_TOKEN = TOKEN;
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowsPath: WORKFLOWS_PATH,
      activities: controlActivities,
    });
    running = worker.run();
    gw = await gateway(home);
  });
  afterAll(async () => {
    await gw.close();
    worker.shutdown();
    await running;
    await env.teardown();
    process.env.MLOPS_HOME = saved.home;
    process.env.MLOPS_GATEWAY_TOKEN = saved.token;
    await cleanup();
  });

  /** Registers a stable constant model as champion and a candidate of `kind`; returns both versions. */
  async function prepare(model: string, kind: RolloutModelKind): Promise<{ stable: number; candidate: number }> {
    const register = async (k: RolloutModelKind, tag: string) => {
      const path = await writeRolloutModel(home, k, `${model}-${tag}`);
      return withRegistry(home, async (registry) => {
        const v = await registerModelFile(
          { registry, store: openArtifactStore(home) },
          { model, modelPath: path, idempotencyKey: tag },
        );
        return v.version;
      });
    };
    const stable = await register('constant', 'stable');
    const candidate = await register(kind, 'candidate');
    await withRegistry(home, async (registry) => {
      await registry.promote({ model, version: stable });
      await registry.setRoutes({ model, stable, canaryWeight: 0 });
    });
    return { stable, candidate };
  }

  /**
   * Runs a rollout. With MLOPS_RECORD_HISTORIES=1 its history is written to test/replay/histories/ under
   * `record` (how the replay fixtures of this workflow were made: it needs a gateway and live traffic).
   */
  async function rollout(
    input: Omit<RolloutInput, 'gateways' | 'queues'>,
    during?: () => Promise<void>,
    record?: string,
  ): Promise<RolloutResult> {
    const handle = await env.client.workflow.start<typeof canaryRolloutWorkflow>('canaryRolloutWorkflow', {
      taskQueue: queue,
      workflowId: unique(`rollout-${input.model}`),
      args: [{ ...input, policy: { ...POLICY, ...input.policy }, gateways: [gw.url], queues: { control: queue } }],
    });
    if (during) await during();
    const result = await handle.result();
    if (record && process.env.MLOPS_RECORD_HISTORIES === '1') {
      const history = temporal.api.history.v1.History.fromObject(await handle.fetchHistory());
      await writeFile(join(HISTORIES, `${record}.binpb`), temporal.api.history.v1.History.encode(history).finish());
    }
    return result;
  }

  async function registryState(model: string) {
    return withRegistry(home, async (registry) => ({
      champion: (await registry.getVersion(model, 'champion')).version,
      aliases: (await registry.listVersions(model)).flatMap((v) => v.aliases.map((a) => `${a}=${v.version}`)).sort(),
      routes: await registry.getRoutes(model),
    }));
  }

  it('promotes a healthy candidate, keeps the old champion as previous-champion, and probes the new version', async () => {
    const { stable, candidate } = await prepare('good', 'constant');
    const traffic = startTraffic(() => gw.url, 'good');
    const result = await rollout({ model: 'good', version: candidate }, undefined, 'canaryRolloutWorkflow-promoted');
    await traffic.stop();
    expect([result.outcome, result.reason]).toEqual(['promoted', undefined]);
    expect(result.steps.map((s) => s.percent)).toEqual(expect.arrayContaining([20, 50, 100]));
    expect(result.probe?.answeredBy).toBe(String(candidate));
    const state = await registryState('good');
    expect(state.champion).toBe(candidate);
    expect(state.aliases).toEqual([`champion=${candidate}`, `previous-champion=${stable}`]);
    expect(state.routes).toEqual(expect.objectContaining({ stable: candidate, canaryWeight: 0 }));
    expect(traffic.answers[String(candidate)]?.[200]).toBeGreaterThan(0);
  });

  it.each([
    ['failing', /error rate 100\.00% vs stable 0\.00%/],
    ['slow', /p(50|99) latency .* is \d+\.\dx stable's/],
    ['shifted', /prediction distribution shifted/],
  ] as const)('rolls back a %s candidate by itself while stable traffic stays healthy', async (kind, reason) => {
    const model = `bad-${kind}`;
    const { stable, candidate } = await prepare(model, kind);
    const traffic = startTraffic(() => gw.url, model);
    const result = await rollout({ model, version: candidate }, undefined, `canaryRolloutWorkflow-rolled-back-${kind}`);
    await traffic.stop();
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(reason);
    const state = await registryState(model);
    expect(state.champion).toBe(stable);
    expect(state.aliases).toEqual([`champion=${stable}`]);
    expect(state.routes).toEqual(expect.objectContaining({ stable, canary: null, canaryWeight: 0 }));
    const stableAnswers = traffic.answers[String(stable)] ?? {};
    expect(stableAnswers[200]).toBeGreaterThan(0);
    expect(Object.keys(stableAnswers)).toEqual(['200']);
  });

  it('never promotes without canary traffic: it waits, then aborts', async () => {
    const { stable, candidate } = await prepare('idle', 'constant');
    const result = await rollout({ model: 'idle', version: candidate, policy: { maxWaitSeconds: 3 } });
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/not enough traffic/);
    expect((await registryState('idle')).champion).toBe(stable);
  });

  it('completes correctly when the gateway restarts mid-rollout', async () => {
    const { candidate } = await prepare('restart', 'constant');
    const traffic = startTraffic(() => gw.url, 'restart');
    // The restart's cold period lifts both versions' tails by chance amounts; this test is about the
    // workflow surviving it, so the tail rule is loosened here (the other tests keep the defaults).
    const result = await rollout({ model: 'restart', version: candidate, policy: { maxLatencyRatio: 5 } }, async () => {
      await new Promise((r) => setTimeout(r, 2000));
      const port = gw.port;
      await gw.close();
      gw = await gateway(home, { port });
    });
    await traffic.stop();
    expect([result.outcome, result.reason]).toEqual(['promoted', undefined]);
    expect((await registryState('restart')).champion).toBe(candidate);
    const served = await call(gw.url, '/v1/models/restart:predict', {
      body: { instances: [{ age: 1, income: 2, tenure: 3, plan: 'basic' }] },
    });
    expect(served.headers.get('x-model-version')).toBe(String(candidate));
  });
});
