/**
 * The lifecycle demo that `mlops demo` runs on the stack it brings up: generate data, run the full loop
 * (train, evaluate, register, deploy), serve traffic, then let new data drift and watch the monitor trigger
 * a retraining that is evaluated and rolled out as a canary.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Table } from 'apache-arrow';
import { generateTable, parseDriftSpec } from '../lib/data/generate';
import { writeTable } from '../lib/data/write';
import { parsePipelineSpec } from '../lib/pipeline';
import { checkName } from '../lib/registry/names';
import type { LifecycleStatus, PipelineSpec } from '../workflows/contracts';
import { getLifecycleStatus, startLifecycle } from './lifecycle';

/** What the demo needs. */
export interface LifecycleDemoOptions {
  client: Client;
  home: string;
  gatewayUrl: string;
  model?: string;
  /** Seconds between drift checks (default 8). */
  windowSeconds?: number;
  /** Give up after this many seconds (default 600). */
  timeoutSeconds?: number;
  queues?: { control?: string; data?: string; gpu?: string };
  onProgress?: (line: string) => void;
}

/** How the demo went. */
export interface LifecycleDemoResult {
  model: string;
  firstVersion?: number;
  retrained: boolean;
  final: LifecycleStatus;
  requests: number;
  seconds: number;
}

const DRIFT = 'f0=shift:2,f1=scale:3,segment=new:0.3';

function instances(table: Table): Record<string, unknown>[] {
  const columns = table.schema.fields.map((f) => f.name).filter((n) => n !== 'label');
  const vectors = columns.map((c) => table.getChild(c)!);
  return Array.from({ length: table.numRows }, (_, i) =>
    Object.fromEntries(
      columns.map((c, j) => {
        const v = vectors[j].get(i) as unknown;
        return [c, typeof v === 'bigint' ? Number(v) : v];
      }),
    ),
  );
}

/** The demo's pipeline spec, validated like any user's. */
export function demoSpec(dir: string, model: string, gatewayUrl: string, windowSeconds: number): PipelineSpec {
  return parsePipelineSpec(
    {
      model,
      datasets: { train: join(dir, 'train.parquet'), valid: join(dir, 'valid.parquet') },
      label: 'label',
      trainer: { command: 'builtin:mlp', params: { hidden: [16], maxEpochs: 6 }, seed: 1 },
      gates: { metrics: { accuracy: { min: 0.6 } } },
      // Retraining after drift changes predictions on purpose, so the shift check is relaxed here.
      rollout: {
        steps: [25, 100],
        bakeSeconds: 4,
        minRequests: 20,
        maxWaitSeconds: 60,
        maxPredictionPsi: 5,
        gateways: [gatewayUrl],
      },
      monitoring: { windowSeconds, minRows: 150 },
      retraining: { cooldownSeconds: 120, maxPerDay: 10 },
    },
    'demo spec',
  );
}

/** Runs the demo; resolves when the retraining's rollout has ended (or throws with what went wrong). */
export async function runLifecycleDemo(options: LifecycleDemoOptions): Promise<LifecycleDemoResult> {
  const started = Date.now();
  const say = options.onProgress ?? (() => undefined);
  // The name becomes a folder: check it before anything is written.
  const model = checkName('model name', options.model ?? 'churn');
  const dir = join(options.home, 'demo', model);
  await mkdir(dir, { recursive: true });
  say(`generating data under ${dir}`);
  await writeTable(generateTable({ rows: 4000, seed: 11 }), join(dir, 'train.parquet'));
  await writeTable(generateTable({ rows: 1000, seed: 12 }), join(dir, 'valid.parquet'));
  const spec = demoSpec(dir, model, options.gatewayUrl, options.windowSeconds ?? 8);
  await startLifecycle(options.client, spec, { queues: options.queues });
  const deadline = started + (options.timeoutSeconds ?? 600) * 1000;
  let shown = '';
  const waitFor = async (what: string, done: (s: LifecycleStatus) => boolean): Promise<LifecycleStatus> => {
    for (;;) {
      // A query can time out while the worker is busy (e.g. starting); the next poll asks again.
      const status = await getLifecycleStatus(options.client, model).catch(() => undefined);
      if (!status) {
        if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const line = `[${status.stage}] ${status.step}`;
      if (line !== shown) say(line);
      shown = line;
      if (done(status)) return status;
      if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const first = await waitFor('the first version', (s) => s.lastOutcome?.attempt === 1);
  if (first.lastOutcome?.outcome !== 'promoted') {
    throw new Error(`the first attempt ended ${first.lastOutcome?.outcome}: ${first.lastOutcome?.reason ?? ''}`);
  }
  say(`${model}@${first.champion} is the champion and serves on ${options.gatewayUrl}`);

  let rows = instances(generateTable({ rows: 2000, seed: 13 }));
  let requests = 0;
  let running = true;
  const traffic = (async () => {
    for (let i = 0; running; i = (i + 20) % rows.length) {
      await fetch(`${options.gatewayUrl}/v1/models/${model}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: rows.slice(i, i + 20) }),
      }).catch(() => undefined);
      requests++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    say('sending live traffic like the training data');
    await new Promise((r) => setTimeout(r, (options.windowSeconds ?? 8) * 1000));
    say(`new data arrives and drifts (${DRIFT}); traffic drifts the same way`);
    await writeTable(generateTable({ rows: 4000, seed: 21, drift: parseDriftSpec(DRIFT) }), join(dir, 'train.parquet'));
    rows = instances(generateTable({ rows: 2000, seed: 22, drift: parseDriftSpec(DRIFT) }));
    await waitFor('the drift monitor to trigger a retraining', (s) => s.kpis.retrainings >= 1);
    const final = await waitFor('the retraining to finish', (s) => (s.lastOutcome?.attempt ?? 0) >= 2);
    say(
      `retraining ${final.lastOutcome?.outcome}${final.lastOutcome?.reason ? `: ${final.lastOutcome.reason}` : ''}; champion ${final.champion}`,
    );
    return {
      model,
      firstVersion: first.champion,
      retrained: true,
      final,
      requests,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    running = false;
    await traffic;
  }
}
