/**
 * The engine's own decision step, measured on a real Temporal server: canaryRolloutWorkflow rolls a new version
 * of a model out through the gateway under light live traffic, and for every bake window that ends in a route
 * change the step is the time from the window's timer firing (its TimerFired event) to the gateway serving the
 * new routes (the generation that setModelRoutes wrote, first seen on the gateway's GET /admin/models, which
 * reports the routes it has swapped in). In between: the workflow task, readRolloutStats (two stats reads per
 * gateway), the verdict, setAlias when promoting, setModelRoutes, and the gateway's registry poll.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { controlActivities } from '../activities';
import { loadConfig } from '../lib/config';
import { openRegistry } from '../lib/registry';
import { ephemeralPorts } from '../lib/temporal/ports';
import { provisionTemporal } from '../lib/temporal/provision';
import { WORKFLOWS_PATH } from '../workers/bootstrap';
import type { canaryRolloutWorkflow } from '../workflows';
import { benchRow, percentiles, predictBody, registerBenchModel, writeBenchModel } from './serve-model';

const EventType = temporal.api.enums.v1.EventType;
const MODEL = 'bench-rollout';
const POLICY = { steps: [50, 100], bakeSeconds: 2, minRequests: 20, maxWaitSeconds: 10 };

/** One judged window that changed the routes. */
export interface DecisionSample {
  /** Window closed → gateway serves the new routes, seconds. */
  seconds: number;
  /** Window closed → setModelRoutes completed (the workflow's part), seconds. */
  workflowSeconds: number;
  /** setModelRoutes completed → gateway serves the new routes (the registry poll), seconds. */
  reconcileSeconds: number;
  /** What the routes write did: the next step, the promotion, or a rollback (from setModelRoutes' reason). */
  kind: 'advance' | 'promote' | 'rollback';
}

/** The samples of every rollout and how the rollouts ended. */
export interface DecisionStep {
  samples: DecisionSample[];
  outcomes: string[];
  reconcileMs: number;
}

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function ms(ts: Timestamp): number {
  const s = ts?.seconds;
  return (typeof s === 'object' && s !== null ? s.toNumber() : Number(s ?? 0)) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

/** Records when the gateway first reports each routes generation of the model. */
function watchRoutes(url: string, token: string): { seen: Map<number, number>; stop: () => Promise<void> } {
  const seen = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const reply = await fetch(`${url}/admin/models`, { headers: { authorization: `Bearer ${token}` } });
        const now = Date.now();
        const body = (await reply.json()) as { models?: { model: string; routes: { generation: number } | null }[] };
        const generation = body.models?.find((m) => m.model === MODEL)?.routes?.generation;
        if (generation !== undefined && !seen.has(generation)) seen.set(generation, now);
      } catch {
        // the gateway is busy; try again
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Keeps `loops` clients sending one-row `:predict` requests with a short pause, so the judge has traffic. */
function startTraffic(url: string, loops: number): () => Promise<void> {
  let running = true;
  const body = predictBody(benchRow(7));
  const loop = async () => {
    while (running) {
      try {
        const reply = await fetch(`${url}/v1/models/${MODEL}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await reply.arrayBuffer();
      } catch {
        // counted by the judge as missing traffic, if it matters
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const all = Promise.all(Array.from({ length: loops }, loop));
  return async () => {
    running = false;
    await all;
  };
}

/** Decision samples of one finished rollout, from its history and the generations the gateway was seen at. */
function samplesOf(history: temporal.api.history.v1.IHistory, seen: Map<number, number>): DecisionSample[] {
  const events = history.events ?? [];
  const scheduled = new Map<number, { name: string; reason?: string }>();
  const samples: DecisionSample[] = [];
  let windowClosed: number | undefined;
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_TIMER_FIRED) {
      windowClosed = ms(e.eventTime as Timestamp);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const attributes = e.activityTaskScheduledEventAttributes;
      const name = attributes?.activityType?.name ?? '';
      const input = attributes?.input?.payloads?.[0] as Payload | undefined;
      const reason =
        name === 'setModelRoutes' && input
          ? defaultPayloadConverter.fromPayload<{ reason?: string }>(input).reason
          : undefined;
      scheduled.set(Number(e.eventId), { name, reason });
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && windowClosed !== undefined) {
      const attributes = e.activityTaskCompletedEventAttributes;
      const activity = scheduled.get(Number(attributes?.scheduledEventId));
      if (activity?.name !== 'setModelRoutes') continue;
      const payload = attributes?.result?.payloads?.[0] as Payload | undefined;
      const { generation } = defaultPayloadConverter.fromPayload<{ generation: number }>(payload!);
      const completed = ms(e.eventTime as Timestamp);
      const applied = seen.get(generation);
      if (applied === undefined) throw new Error(`the gateway was never seen serving routes generation ${generation}`);
      const reason = activity.reason ?? '';
      samples.push({
        seconds: (applied - windowClosed) / 1000,
        workflowSeconds: (completed - windowClosed) / 1000,
        reconcileSeconds: (applied - completed) / 1000,
        kind: reason.startsWith('canary step') ? 'advance' : reason === 'promoted' ? 'promote' : 'rollback',
      });
      windowClosed = undefined;
    }
  }
  return samples;
}

/**
 * Runs `rollouts` canary rollouts (steps 50 → 100 %, 2 s bakes) of fresh versions of a model through the
 * gateway at `gatewayUrl`, which serves `home`'s registry, with a control worker in this process.
 */
export async function measureDecisionStep(input: {
  home: string;
  gatewayUrl: string;
  token: string;
  rollouts: number;
  reconcileMs: number;
  say: (line: string) => void;
}): Promise<DecisionStep> {
  const { home, gatewayUrl, token, say } = input;
  // The control activities read MLOPS_HOME and the gateway token from the environment, as a worker does.
  process.env.MLOPS_HOME = home;
  process.env.MLOPS_GATEWAY_TOKEN = token;
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const models = await mkdtemp(join(tmpdir(), 'mlops-bench-rollout-'));
  say('starting a Temporal server for the decision step …');
  const stack = await provisionTemporal({
    config,
    ports: process.env.TEMPORAL_ADDRESS ? undefined : await ephemeralPorts(),
    withUi: false,
  });
  const stopTraffic: (() => Promise<void>)[] = [];
  try {
    const versions: number[] = [];
    for (let i = 0; i <= input.rollouts; i++) {
      versions.push(await registerBenchModel(home, MODEL, await writeBenchModel(models, 100, i), `rollout-${i}`));
    }
    const registry = openRegistry(home);
    try {
      await registry.promote({ model: MODEL, version: versions[0] });
      await registry.setRoutes({ model: MODEL, stable: versions[0], canaryWeight: 0 });
    } finally {
      await registry.close();
    }
    const watcher = watchRoutes(gatewayUrl, token);
    stopTraffic.push(watcher.stop);
    while (watcher.seen.size === 0) await new Promise((r) => setTimeout(r, 50));
    stopTraffic.push(startTraffic(gatewayUrl, 2));
    const connection = await Connection.connect({ address: stack.address });
    const client = new Client({ connection, namespace: config.namespace });
    const native = await NativeConnection.connect({ address: stack.address });
    const taskQueue = `bench-serve-control-${process.pid}`;
    say('bundling the workflows for the control worker …');
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: controlActivities,
    });
    const samples: DecisionSample[] = [];
    const outcomes: string[] = [];
    await worker.runUntil(async () => {
      for (let i = 1; i <= input.rollouts; i++) {
        const handle = await client.workflow.start<typeof canaryRolloutWorkflow>('canaryRolloutWorkflow', {
          taskQueue,
          workflowId: `bench-serve-rollout-${Date.now()}-${i}`,
          args: [
            {
              model: MODEL,
              version: versions[i],
              policy: POLICY,
              gateways: [gatewayUrl],
              queues: { control: taskQueue },
            },
          ],
        });
        const result = await handle.result();
        outcomes.push(result.outcome);
        await new Promise((r) => setTimeout(r, input.reconcileMs * 2)); // the last routes reach the gateway
        const found = samplesOf(await handle.fetchHistory(), watcher.seen);
        samples.push(...found);
        const p = percentiles(found.map((s) => s.seconds));
        say(`rollout ${i}: ${result.outcome}, ${found.length} decision steps, p50 ${p.p50.toFixed(3)} s`);
      }
    });
    await connection.close();
    await native.close();
    return { samples, outcomes, reconcileMs: input.reconcileMs };
  } finally {
    for (const stop of stopTraffic.reverse()) await stop();
    await stack.stop();
    await rm(models, { recursive: true, force: true });
  }
}
