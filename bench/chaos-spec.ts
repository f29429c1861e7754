/**
 * The workload of bench:chaos: small generated data, the pipeline spec of each run's model (builtin:logreg,
 * a few epochs, a short canary), live traffic for canary runs, and what a lifecycle is doing at a moment.
 */
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { generateTable } from '../lib/data/generate';
import { writeTable } from '../lib/data/write';
import { parsePipelineSpec } from '../lib/pipeline';
import type { PipelineSpec } from '../workflows/contracts';

/** Rows of the generated training and validation files. */
export const ROWS = { train: 3000, valid: 800 };

/**
 * The trainer of the spec: logistic regression, 8 epochs of 375 mini-batches of 8 rows (3000 steps, 2–3 s of stepping on one
 * core after ≈2 s of start-up), a checkpoint every 100 steps, and patience that never stops it early: a kill
 * during training has steps to lose and a checkpoint to resume from.
 */
export const TRAINER = {
  command: 'builtin:logreg',
  params: { maxEpochs: 8, patience: 8, batchSize: 8, checkpointEvery: 100 },
  seed: 1,
  // A killed training worker is noticed after 5 s (as in bench:recovery) instead of the default 30 s.
  heartbeatTimeoutSeconds: 5,
};

/** Writes the datasets under `home`; returns their paths. */
export async function writeChaosData(home: string): Promise<{ train: string; valid: string }> {
  const train = join(home, 'train.parquet');
  const valid = join(home, 'valid.parquet');
  await writeTable(generateTable({ rows: ROWS.train, seed: 1 }), train);
  await writeTable(generateTable({ rows: ROWS.valid, seed: 2 }), valid);
  return { train, valid };
}

/**
 * The spec of one model. The canary judge is lenient on latency and prediction shift: the bench tests that the
 * orchestration survives kills, and on two shared cores latency noise alone would roll candidates back.
 */
export function chaosSpec(model: string, data: { train: string; valid: string }, gateway: string): PipelineSpec {
  return parsePipelineSpec(
    {
      model,
      datasets: data,
      label: 'label',
      trainer: TRAINER,
      gates: { metrics: { accuracy: { min: 0.55 } } },
      rollout: {
        steps: [50, 100],
        bakeSeconds: 3,
        minRequests: 15,
        maxWaitSeconds: 90,
        maxLatencyRatio: 50,
        minLatencyDeltaMs: 250,
        maxPredictionPsi: 1,
        gateways: [gateway],
      },
    },
    'chaos spec',
  );
}

/** Requests answered and failed, with each failure's status (or `network`) and when the last one came. */
export interface TrafficCounts {
  ok: number;
  failed: number;
  failures: Record<string, number>;
  /** Seconds after the traffic started of the last failure. */
  lastFailureSeconds?: number;
}

/** Sends row requests for `model` to the gateway (10 rows every 40 ms) until stopped; counts the answers. */
export function startTraffic(gateway: string, model: string): { stop: () => Promise<TrafficCounts> } {
  const table = generateTable({ rows: 200, seed: 5 });
  const columns = table.schema.fields.map((f) => f.name).filter((n) => n !== 'label');
  const rows = Array.from({ length: table.numRows }, (_, i) =>
    Object.fromEntries(
      columns.map((c) => {
        const v = table.getChild(c)!.get(i) as unknown;
        return [c, typeof v === 'bigint' ? Number(v) : v];
      }),
    ),
  );
  const counts: TrafficCounts = { ok: 0, failed: 0, failures: {} };
  const started = Date.now();
  const fail = (why: string) => {
    counts.failed++;
    counts.failures[why] = (counts.failures[why] ?? 0) + 1;
    counts.lastFailureSeconds = Number(((Date.now() - started) / 1000).toFixed(2));
  };
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i = (i + 10) % rows.length) {
      try {
        const reply = await fetch(`${gateway}/v1/models/${model}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: rows.slice(i, i + 10) }),
        });
        await reply.arrayBuffer();
        if (reply.ok) counts.ok++;
        else fail(String(reply.status));
      } catch {
        fail('network');
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** What a lifecycle is doing now: its running activities (with their workers) and children, its own and theirs. */
export async function inFlight(
  client: Client,
  handle: WorkflowHandle,
): Promise<{ doing: string[]; identities: string[]; closed: boolean }> {
  const doing: string[] = [];
  const identities: string[] = [];
  const visit = async (h: WorkflowHandle, depth: number): Promise<boolean> => {
    const { raw, status } = await h.describe();
    if (status.name !== 'RUNNING') return true;
    for (const a of raw.pendingActivities ?? []) {
      const started = a.state === STARTED;
      doing.push(`${a.activityType?.name ?? '?'}${started ? '' : ' (scheduled)'} attempt ${a.attempt ?? 1}`);
      if (started && a.lastWorkerIdentity) identities.push(a.lastWorkerIdentity);
    }
    for (const child of raw.pendingChildren ?? []) {
      doing.push(child.workflowTypeName ?? 'child');
      if (depth < 2 && child.workflowId) await visit(client.workflow.getHandle(child.workflowId), depth + 1);
    }
    return false;
  };
  const closed = await visit(handle, 0);
  if (!closed && doing.length === 0) doing.push('workflow task or timer');
  return { doing, identities, closed };
}
