/**
 * bench:lifecycle — the orchestration overhead of mlLifecycleWorkflow. Its activities are no-op stand-ins
 * (bench/lifecycle-noop.ts) and the spec has no champion, so a run is: profile, training child (one trainModel),
 * getChampion, evaluate, register, alias, routes. The `bare-sdk` baseline makes the same calls from plain SDK
 * workflows (bench/lifecycle-bare.ts) on the same server, workers and task queues. Measured: the p50 of one
 * lifecycle start → result at a time, and completed lifecycles per second with 64 in flight.
 *   npm run bench:lifecycle -- [--json] [--samples N] [--concurrency N] [--per-slot N] [--rounds N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { ephemeralPorts } from '../lib/temporal/ports';
import { provisionTemporal } from '../lib/temporal/provision';
import { lifecycleWorkflowId } from '../workflows/contracts';
import type { LifecycleInput } from '../workflows/contracts';
import type { BareInput } from './lifecycle-bare';
import { formatLifecycleTable, lifecycleReport, parseLifecycleArgs } from './lifecycle-report';
import type { LifecycleArgs, Side, SideFigures } from './lifecycle-report';
import { noopActivities } from './lifecycle-noop';
import { progress, setProgressName } from './measure';

/** Worker slots for 64 lifecycles (and their 64 training children) in flight at once; the same for both sides. */
const WORKER_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 128,
  maxConcurrentActivityTaskExecutions: 128,
  maxCachedWorkflows: 1024,
};

type RunOne = (side: Side, tag: string) => Promise<void>;

/** Start → result of one run at a time, the sides alternating (after 5 warm-up runs each). */
async function latencies(run: RunOne, samples: number): Promise<Record<Side, number[]>> {
  const out: Record<Side, number[]> = { lifecycle: [], bare: [] };
  for (let i = 0; i < 5; i++) for (const side of ['lifecycle', 'bare'] as const) await run(side, 'warm');
  for (let i = 0; i < samples; i++) {
    const order: Side[] = i % 2 === 0 ? ['lifecycle', 'bare'] : ['bare', 'lifecycle'];
    for (const side of order) {
      const started = performance.now();
      await run(side, 'p50');
      out[side].push(performance.now() - started);
    }
  }
  return out;
}

/** Workflows per second with `concurrency` in flight, each slot running `perSlot` back to back. */
async function throughput(run: RunOne, side: Side, concurrency: number, perSlot: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let k = 0; k < perSlot; k++) await run(side, `c${concurrency}`);
    }),
  );
  return (concurrency * perSlot) / ((performance.now() - started) / 1000);
}

async function measure(run: RunOne, args: LifecycleArgs): Promise<Record<Side, SideFigures>> {
  progress(`start → result, one at a time: ${args.samples} runs per side …`);
  const times = await latencies(run, args.samples);
  const rates: Record<Side, number[]> = { lifecycle: [], bare: [] };
  progress(`throughput with ${args.concurrency} in flight: warm-up …`);
  for (const side of ['lifecycle', 'bare'] as const) await throughput(run, side, args.concurrency, 1);
  for (let r = 0; r < args.rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ['lifecycle', 'bare'] : ['bare', 'lifecycle'];
    for (const side of order) {
      const rate = await throughput(run, side, args.concurrency, args.perSlot);
      rates[side].push(rate);
      progress(`round ${r + 1}/${args.rounds} ${side}: ${rate.toFixed(1)} workflows/s`);
    }
  }
  return {
    lifecycle: { latencies: times.lifecycle, rates: rates.lifecycle },
    bare: { latencies: times.bare, rates: rates.bare },
  };
}

async function main(): Promise<void> {
  const args = parseLifecycleArgs(process.argv.slice(2));
  setProgressName('lifecycle');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const home = await mkdtemp(join(tmpdir(), 'mlops-bench-lifecycle-'));
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  progress('starting a Temporal server for the benchmark …');
  const stack = await provisionTemporal({ config, ports: await ephemeralPorts(), withUi: false });
  const queues = { control: 'bench-control', data: 'bench-data', gpu: 'bench-gpu' };
  const connection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection, namespace: config.namespace });
  const native = await NativeConnection.connect({ address: stack.address });
  try {
    const common = { connection: native, namespace: config.namespace, ...WORKER_TUNING };
    const workers = [
      await Worker.create({
        ...common,
        taskQueue: queues.control,
        workflowsPath: require.resolve('./lifecycle-workflows'),
        activities: noopActivities.control,
      }),
      await Worker.create({ ...common, taskQueue: queues.data, activities: noopActivities.data }),
      await Worker.create({ ...common, taskQueue: queues.gpu, activities: noopActivities.gpu }),
    ];
    let serial = 0;
    // One run of a side: start, wait for the result, check it ended as designed.
    const run: RunOne = async (side: Side, tag: string): Promise<void> => {
      const model = `${side}-${tag}-${serial++}`;
      if (side === 'lifecycle') {
        const input: LifecycleInput = {
          spec: {
            model,
            datasets: { train: 'noop/train.parquet', valid: 'noop/valid.parquet' },
            label: 'label',
            trainer: { command: 'builtin:logreg' },
          },
          queues,
          once: true,
        };
        const status = await client.workflow.execute('mlLifecycleWorkflow', {
          taskQueue: queues.control,
          workflowId: lifecycleWorkflowId(model),
          args: [input],
        });
        const outcome = (status as { lastOutcome?: { outcome: string; reason?: string } }).lastOutcome;
        if (outcome?.outcome !== 'promoted') throw new Error(`lifecycle ${model} ended ${JSON.stringify(outcome)}`);
      } else {
        const input: BareInput = { model, queues };
        const version = await client.workflow.execute('bareLifecycleWorkflow', {
          taskQueue: queues.control,
          workflowId: `bare:${model}`,
          args: [input],
        });
        if (version !== 1) throw new Error(`bare ${model} returned ${String(version)}`);
      }
    };
    const running = Promise.all(workers.map((w) => w.run()));
    let figures: Record<Side, SideFigures>;
    try {
      // A worker that fails ends the measurement instead of leaving it waiting.
      figures = await Promise.race([
        measure(run, args),
        running.then(() => Promise.reject(new Error('workers stopped'))),
      ]);
    } finally {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    }
    const report = lifecycleReport(figures, args);
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${formatLifecycleTable(report)}\n`);
  } finally {
    await native.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:lifecycle failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
